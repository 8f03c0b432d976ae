package io.karavel.shell.impl;

import io.karavel.api.client.ObjectClient;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes node names. */
@Service
public final class NodeCompleter implements Completer {

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        if (client == null) {
            return -1;
        }
        return new StringsCompleter(NamespaceCompleter.names(client, "nodes")).complete(session, commandLine, candidates);
    }
}
