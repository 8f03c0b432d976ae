package io.karavel.shell.impl;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ApiStatusException;
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
 * Completes object names of the kind typed as the first argument, in the namespace given with
 * {@code -n} (default {@code default}).
 */
@Service
public final class NameCompleter implements Completer {

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        if (client == null) {
            return -1;
        }
        CompletionLine line = CompletionLine.of(commandLine);
        if (line.arguments.isEmpty()) {
            return -1;
        }
        Optional<ApiResource> resource = Cluster.requireQuietly(client).kinds().resolve(line.arguments.get(0));
        if (resource.isEmpty()) {
            return -1;
        }
        String namespace = resource.get().namespaced() ? (line.namespace == null ? "default" : line.namespace) : null;
        TreeSet<String> names = new TreeSet<>();
        try {
            for (GenericKubernetesResource object : client.list(resource.get(), namespace)) {
                names.add(object.getMetadata().getName());
            }
        } catch (ApiStatusException e) {
            return -1; // nothing to offer
        }
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
