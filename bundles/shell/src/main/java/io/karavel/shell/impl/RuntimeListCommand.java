package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Node;
import io.karavel.api.client.ObjectClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code karavel:runtime-list [NODE]}: per node, the container runtime its pods run on
 * (label {@value NodeRuntimes#CURRENT_LABEL}), the runtimes it has (annotation
 * {@value NodeRuntimes#AVAILABLE_ANNOTATION}) and a pending switch request.
 */
@Service
@Command(scope = "karavel", name = "runtime-list", description = "Lists each node's current and available container runtimes.")
public final class RuntimeListCommand implements Action {

    static final List<String> HEADERS = List.of("NODE", "CURRENT", "AVAILABLE", "REQUESTED");

    @Argument(index = 0, name = "node", description = "Only this node")
    @Completion(NodeCompleter.class)
    String node;

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        Cluster.require(client, "runtime-list");
        List<Node> nodes = new ArrayList<>();
        if (node != null) {
            nodes.add(Cluster.call(() -> client.get(Node.class, null, node))
                    .orElseThrow(() -> Cluster.fail("Error from server (NotFound): nodes \"" + node + "\" not found")));
        } else {
            nodes.addAll(Cluster.call(() -> client.list(Node.class, null)));
            nodes.sort(Comparator.comparing(n -> n.getMetadata().getName()));
        }
        if (nodes.isEmpty()) {
            System.err.println("No resources found");
            return null;
        }
        System.out.print(table(nodes));
        return null;
    }

    static KubeTable table(List<Node> nodes) {
        KubeTable table = new KubeTable(HEADERS);
        for (Node node : nodes) {
            JsonNode tree = Json.tree(node);
            String current = NodeRuntimes.current(tree);
            List<String> available = NodeRuntimes.available(tree);
            String requested = NodeRuntimes.requested(tree);
            table.add(List.of(node.getMetadata().getName(),
                    current == null ? Printers.NONE : current,
                    available == null || available.isEmpty() ? Printers.NONE : String.join(",", available),
                    requested == null ? Printers.NONE : requested));
        }
        return table;
    }
}
