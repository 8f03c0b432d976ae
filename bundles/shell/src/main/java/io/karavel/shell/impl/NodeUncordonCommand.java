package io.karavel.shell.impl;

import io.karavel.api.client.ObjectClient;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code karavel:node-uncordon NODE}: makes a cordoned node schedulable again. */
@Service
@Command(scope = "karavel", name = "node-uncordon", description = "Marks a node schedulable again (like kubectl uncordon).")
public final class NodeUncordonCommand implements Action {

    @Argument(index = 0, name = "node", required = true, description = "Node name")
    @Completion(NodeCompleter.class)
    String node;

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        Cluster.require(client, "node-uncordon");
        System.out.println(NodeCordonCommand.setUnschedulable(client, node, false));
        return null;
    }
}
