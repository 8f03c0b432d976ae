package io.karavel.shell.impl;

import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ObjectClient;
import java.util.List;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes kinds: the plurals and short names of every served resource. */
@Service
public final class KindCompleter implements Completer {

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        if (client == null) {
            return -1;
        }
        Kinds kinds = Cluster.requireQuietly(client).kinds();
        TreeSet<String> names = new TreeSet<>();
        for (ApiResource resource : kinds.all()) {
            names.add(resource.plural());
            names.addAll(kinds.shortNamesOf(resource));
        }
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
