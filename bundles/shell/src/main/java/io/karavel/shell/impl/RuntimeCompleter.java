package io.karavel.shell.impl;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ObjectClient;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/**
 * Completes runtime names: those the node typed before publishes as available, or, without a
 * node, those of every node.
 */
@Service
public final class RuntimeCompleter implements Completer {

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        if (client == null) {
            return -1;
        }
        Optional<ApiResource> nodes = Cluster.requireQuietly(client).kinds().resolve("nodes");
        if (nodes.isEmpty()) {
            return -1;
        }
        CompletionLine line = CompletionLine.of(commandLine);
        String node = line.arguments.isEmpty() ? null : line.arguments.get(0);
        TreeSet<String> runtimes = new TreeSet<>();
        for (GenericKubernetesResource object : client.list(nodes.get(), null)) {
            if (node == null || node.equals(object.getMetadata().getName())) {
                List<String> available = NodeRuntimes.available(Json.tree(object));
                if (available != null) {
                    runtimes.addAll(available);
                }
            }
        }
        return new StringsCompleter(runtimes).complete(session, commandLine, candidates);
    }
}
