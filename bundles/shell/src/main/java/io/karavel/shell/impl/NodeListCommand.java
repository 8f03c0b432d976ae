package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.api.client.ObjectClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code karavel:node-list}: the nodes with their readiness, whether they take new pods, their
 * runtime and how many pods run there.
 */
@Service
@Command(scope = "karavel", name = "node-list", description = "Lists the nodes: status, runtime, pods.")
public final class NodeListCommand implements Action {

    static final List<String> HEADERS = List.of("NAME", "STATUS", "ROLES", "RUNTIME", "PODS", "VERSION", "AGE");

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        Cluster.require(client, "node-list");
        List<Node> nodes = new ArrayList<>(Cluster.call(() -> client.list(Node.class, null)));
        nodes.sort(Comparator.comparing(n -> n.getMetadata().getName()));
        Map<String, Integer> pods = new HashMap<>();
        for (Pod pod : Cluster.call(() -> client.list(Pod.class, null))) {
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if (pod.getSpec().getNodeName() != null && !"Succeeded".equals(phase) && !"Failed".equals(phase)) {
                pods.merge(pod.getSpec().getNodeName(), 1, Integer::sum);
            }
        }
        if (nodes.isEmpty()) {
            System.err.println("No resources found");
            return null;
        }
        System.out.print(table(nodes, pods, Instant.now()));
        return null;
    }

    static KubeTable table(List<Node> nodes, Map<String, Integer> pods, Instant now) {
        KubeTable table = new KubeTable(HEADERS);
        for (Node node : nodes) {
            JsonNode tree = Json.tree(node);
            String runtime = NodeRuntimes.current(tree);
            String version = Json.text(tree, "status.nodeInfo.kubeletVersion");
            List<String> roles = new ArrayList<>();
            Json.stringMap(tree, "metadata.labels").keySet().forEach(k -> {
                if (k.startsWith("node-role.kubernetes.io/")) {
                    roles.add(k.substring("node-role.kubernetes.io/".length()));
                }
            });
            table.add(List.of(node.getMetadata().getName(), Printers.nodeStatus(tree),
                    roles.isEmpty() ? Printers.NONE : String.join(",", roles),
                    runtime == null ? Printers.NONE : runtime,
                    Integer.toString(pods.getOrDefault(node.getMetadata().getName(), 0)),
                    version == null ? Printers.NONE : version,
                    Age.since(node.getMetadata().getCreationTimestamp(), now)));
        }
        return table;
    }
}
