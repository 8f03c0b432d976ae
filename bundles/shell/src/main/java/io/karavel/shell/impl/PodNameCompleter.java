package io.karavel.shell.impl;

import io.karavel.api.client.ObjectClient;
import java.util.List;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes pod names in the namespace given with {@code -n} (default {@code default}). */
@Service
public final class PodNameCompleter implements Completer {

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        if (client == null) {
            return -1;
        }
        CompletionLine line = CompletionLine.of(commandLine);
        String namespace = line.namespace == null ? "default" : line.namespace;
        TreeSet<String> names = new TreeSet<>();
        Cluster.requireQuietly(client).kinds().resolve("pods")
                .ifPresent(r -> client.list(r, namespace).forEach(o -> names.add(o.getMetadata().getName())));
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
