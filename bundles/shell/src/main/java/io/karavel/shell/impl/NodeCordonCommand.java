package io.karavel.shell.impl;

import io.fabric8.kubernetes.api.model.Node;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.client.PatchType;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;

/**
 * {@code karavel:node-cordon NODE}: marks a node unschedulable (the scheduler places no new pod
 * there; running pods stay); {@code --undo} makes it schedulable again.
 */
@Service
@Command(scope = "karavel", name = "node-cordon", description = "Marks a node unschedulable, or schedulable again with --undo (like kubectl cordon).")
public final class NodeCordonCommand implements Action {

    @Argument(index = 0, name = "node", required = true, description = "Node name")
    @Completion(NodeCompleter.class)
    String node;

    @Argument(index = 1, name = "options", multiValued = true,
            description = "Options may also follow the arguments, as with kubectl")
    List<String> more;

    @Option(name = "--undo", description = "Make the node schedulable again (like kubectl uncordon)")
    boolean undo;

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        if (!TrailingOptions.positional(this, null, more).isEmpty()) {
            throw Cluster.fail("error: expected one node, got more: " + String.join(" ", more));
        }
        Cluster.require(client, undo ? "node-uncordon" : "node-cordon");
        System.out.println(setUnschedulable(client, node, !undo));
        return null;
    }

    /** Sets {@code spec.unschedulable} and returns kubectl's line: {@code node/x cordoned}, or already so. */
    static String setUnschedulable(ObjectClient client, String name, boolean unschedulable) throws CommandException {
        Node node = Cluster.call(() -> client.get(Node.class, null, name))
                .orElseThrow(() -> Cluster.fail("Error from server (NotFound): nodes \"" + name + "\" not found"));
        boolean now = Boolean.TRUE.equals(node.getSpec() == null ? null : node.getSpec().getUnschedulable());
        String verb = unschedulable ? "cordoned" : "uncordoned";
        if (now == unschedulable) {
            return "node/" + name + " already " + verb;
        }
        String patch = unschedulable ? "{\"spec\":{\"unschedulable\":true}}" : "{\"spec\":{\"unschedulable\":null}}";
        Cluster.call(() -> client.patch(Node.class, null, name, PatchType.MERGE, patch));
        return "node/" + name + " " + verb;
    }
}
