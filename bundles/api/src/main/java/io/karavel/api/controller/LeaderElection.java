package io.karavel.api.controller;

/**
 * Who runs the control loops. Provided by a replicated store (HA masters); without one, the
 * controller runtime and the scheduler consider this master the leader. Only the leader runs
 * controllers and the scheduler, like {@code --leader-elect}.
 */
@org.osgi.annotation.versioning.ProviderType
public interface LeaderElection {
    boolean isLeader();

    /**
     * Calls {@code listener} with the new state on each change (from any thread; it must not
     * block). Closing the handle stops the calls.
     */
    AutoCloseable onChange(java.util.function.Consumer<Boolean> listener);
}
