package io.karavel.shell.impl;

import io.karavel.api.controller.ControllerInfo;
import io.karavel.api.controller.ControllerRuntime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code karavel:controller-list}: the controllers bound to the controller runtime, with the
 * bundle that brought each, its state, workers, queue depth and reconcile counts.
 */
@Service
@Command(scope = "karavel", name = "controller-list", description = "Lists the running controllers and how they are doing.")
public final class ControllerListCommand implements Action {

    static final List<String> HEADERS =
            List.of("NAME", "BUNDLE", "STATE", "WORKERS", "QUEUE", "RECONCILES", "ERRORS", "LAST-ERROR");

    @Reference(optional = true)
    ControllerRuntime runtime;

    @Override
    public Object execute() throws Exception {
        if (runtime == null) {
            throw Cluster.absent("controller-list", "the controller runtime");
        }
        List<ControllerInfo> controllers = runtime.controllers();
        if (controllers.isEmpty()) {
            System.err.println("No controllers bound");
            return null;
        }
        System.out.print(table(controllers));
        return null;
    }

    static KubeTable table(List<ControllerInfo> controllers) {
        List<ControllerInfo> sorted = new ArrayList<>(controllers);
        sorted.sort(Comparator.comparing(ControllerInfo::name));
        KubeTable table = new KubeTable(HEADERS);
        for (ControllerInfo c : sorted) {
            String lastError = c.lastError() == null ? Printers.NONE : c.lastError().replaceAll("\\s+", " ");
            table.add(List.of(c.name(), c.bundle(), c.state(), Integer.toString(c.workers()), Integer.toString(c.queueDepth()),
                    Long.toString(c.reconciles()), Long.toString(c.errors()), lastError));
        }
        return table;
    }
}
