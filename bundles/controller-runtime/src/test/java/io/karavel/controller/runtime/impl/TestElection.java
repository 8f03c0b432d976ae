package io.karavel.controller.runtime.impl;

import io.karavel.api.controller.LeaderElection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A leader election the test flips by hand. */
final class TestElection implements LeaderElection {
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean leader;

    TestElection(boolean leader) {
        this.leader = leader;
    }

    void set(boolean isLeader) {
        leader = isLeader;
        listeners.forEach(l -> l.accept(isLeader));
    }

    @Override
    public boolean isLeader() {
        return leader;
    }

    @Override
    public AutoCloseable onChange(Consumer<Boolean> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
