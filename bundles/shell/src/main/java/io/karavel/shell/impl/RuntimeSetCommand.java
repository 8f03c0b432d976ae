package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Node;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.client.PatchType;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code karavel:runtime-set NODE RUNTIME}: asks the node agent of NODE to run its pods on
 * RUNTIME, by writing the Node annotation {@value NodeRuntimes#REQUEST_ANNOTATION}. The node
 * agent does the switch; {@code karavel:runtime-list} shows when it is done. A runtime the node
 * does not list in {@value NodeRuntimes#AVAILABLE_ANNOTATION} is refused.
 */
@Service
@Command(scope = "karavel", name = "runtime-set", description = "Asks a node to switch its pods to another container runtime.")
public final class RuntimeSetCommand implements Action {

    @Argument(index = 0, name = "node", required = true, description = "Node name")
    @Completion(NodeCompleter.class)
    String node;

    @Argument(index = 1, name = "runtime", required = true, description = "Runtime name, e.g. podman, process, simulated")
    @Completion(RuntimeCompleter.class)
    String runtime;

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        Cluster.require(client, "runtime-set");
        Node current = Cluster.call(() -> client.get(Node.class, null, node))
                .orElseThrow(() -> Cluster.fail("Error from server (NotFound): nodes \"" + node + "\" not found"));
        ObjectNode tree = Json.tree(current);
        List<String> available = NodeRuntimes.available(tree);
        if (available != null && !available.contains(runtime)) {
            throw Cluster.fail("error: runtime \"" + runtime + "\" is not available on node \"" + node + "\" (available: "
                    + (available.isEmpty() ? "none" : String.join(", ", available)) + ")");
        }
        ObjectNode patch = Json.MAPPER.createObjectNode();
        patch.putObject("metadata").putObject("annotations").put(NodeRuntimes.REQUEST_ANNOTATION, runtime);
        Cluster.call(() -> client.patch(Node.class, null, node, PatchType.MERGE, patch.toString()));
        String now = NodeRuntimes.current(tree);
        System.out.println("node/" + node + " runtime-request set to " + runtime
                + " (current: " + (now == null ? Printers.NONE : now) + ")");
        return null;
    }
}
