package io.karavel.shell.impl;

import io.karavel.api.scheduler.ProfileInfo;
import io.karavel.api.scheduler.SchedulerRuntime;
import java.util.List;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the scheduling strategies (profiles) the scheduler has now. */
@Service
public final class StrategyCompleter implements Completer {

    @Reference(optional = true)
    SchedulerRuntime scheduler;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        if (scheduler == null) {
            return -1;
        }
        TreeSet<String> names = new TreeSet<>();
        for (ProfileInfo profile : scheduler.profiles()) {
            names.add(profile.name());
        }
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
