package io.karavel.shell.impl;

import io.karavel.api.scheduler.ProfileInfo;
import io.karavel.api.scheduler.SchedulerRuntime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code karavel:scheduler-strategy-list}: the scheduling strategies (profiles), which is the default, which are ready. */
@Service
@Command(scope = "karavel", name = "scheduler-strategy-list", description = "Lists the scheduling strategies and the default one.")
public final class SchedulerStrategyListCommand implements Action {

    static final List<String> HEADERS = List.of("NAME", "DEFAULT", "READY", "MISSING-PLUGINS");

    @Reference(optional = true)
    SchedulerRuntime scheduler;

    @Override
    public Object execute() throws Exception {
        if (scheduler == null) {
            throw Cluster.absent("scheduler-strategy-list", "the scheduler");
        }
        System.out.print(table(scheduler.profiles()));
        return null;
    }

    static KubeTable table(List<ProfileInfo> profiles) {
        List<ProfileInfo> sorted = new ArrayList<>(profiles);
        sorted.sort(Comparator.comparing(ProfileInfo::name));
        KubeTable table = new KubeTable(HEADERS);
        for (ProfileInfo profile : sorted) {
            table.add(List.of(profile.name(), Boolean.toString(profile.isDefault()), Boolean.toString(profile.ready()),
                    profile.missingPlugins().isEmpty() ? Printers.NONE : String.join(",", profile.missingPlugins())));
        }
        return table;
    }
}
