package io.karavel.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stops a process a test or benchmark started together with everything it started (the launcher
 * script, its JVM, the JVM's children), by pid: never by name.
 */
public final class ProcessTree {
    private ProcessTree() {}

    /** The process's descendants, then the process itself. */
    public static List<ProcessHandle> of(Process process) {
        List<ProcessHandle> tree = new ArrayList<>();
        process.toHandle().descendants().forEach(tree::add);
        tree.add(process.toHandle());
        return tree;
    }

    /** {@code kill -9} of the whole tree; returns once every process is gone. */
    public static void kill(Process process) {
        List<ProcessHandle> tree = of(process);
        tree.forEach(ProcessHandle::destroyForcibly);
        tree.forEach(p -> p.onExit().join());
    }

    /** SIGTERM to the whole tree, then {@code kill -9} of whatever is left after {@code grace}. */
    public static void stop(Process process, Duration grace) {
        List<ProcessHandle> tree = of(process);
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : tree) {
            try {
                p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }
}
