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

/** Completes namespace names. */
@Service
public final class NamespaceCompleter implements Completer {

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        if (client == null) {
            return -1;
        }
        return new StringsCompleter(names(client, "namespaces")).complete(session, commandLine, candidates);
    }

    /** Names of the cluster-scoped objects of a kind; empty when it is not served. */
    static TreeSet<String> names(ObjectClient client, String kind) {
        TreeSet<String> names = new TreeSet<>();
        Cluster.requireQuietly(client).kinds().resolve(kind)
                .ifPresent(r -> client.list(r, null).forEach(o -> names.add(o.getMetadata().getName())));
        return names;
    }
}
