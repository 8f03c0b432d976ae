package io.karavel.shell.impl;

import io.karavel.api.scheduler.ProfileInfo;
import io.karavel.api.scheduler.SchedulerRuntime;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code karavel:scheduler-strategy-set NAME}: makes NAME the default scheduling strategy from
 * the next scheduling cycle; the scheduler persists the choice in its configuration.
 */
@Service
@Command(scope = "karavel", name = "scheduler-strategy-set", description = "Makes a scheduling strategy the default one, live.")
public final class SchedulerStrategySetCommand implements Action {

    @Argument(index = 0, name = "name", required = true, description = "Strategy (profile) name, e.g. spread or binpack")
    @Completion(StrategyCompleter.class)
    String name;

    @Reference(optional = true)
    SchedulerRuntime scheduler;

    @Override
    public Object execute() throws Exception {
        if (scheduler == null) {
            throw Cluster.absent("scheduler-strategy-set", "the scheduler");
        }
        try {
            scheduler.setDefaultProfile(name);
        } catch (IllegalArgumentException e) {
            throw Cluster.fail("error: no scheduling strategy \"" + name + "\" (installed: "
                    + String.join(", ", scheduler.profiles().stream().map(ProfileInfo::name).sorted().toList()) + ")");
        }
        System.out.println("default scheduling strategy set to " + name);
        return null;
    }
}
