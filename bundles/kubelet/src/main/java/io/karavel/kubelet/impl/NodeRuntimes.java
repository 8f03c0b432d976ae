package io.karavel.kubelet.impl;

import io.karavel.api.runtime.ContainerRuntime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The container runtimes this JVM's node agents may use, and which one is the configured default.
 * Runtimes come and go (the component's runtime whiteboard); the configured default is the first
 * bound runtime, by name, whose service properties match {@code runtime.target}. Readers get
 * immutable snapshots; listeners are told after each change, outside the lock.
 */
public final class NodeRuntimes {

    /** What the agents see at one moment. */
    public record Snapshot(Map<String, ContainerRuntime> available, String configuredDefault) {
        public Snapshot {
            available = Collections.unmodifiableMap(new TreeMap<>(available));
        }

        /** The runtime of that name, if bound. */
        public Optional<ContainerRuntime> get(String name) {
            return Optional.ofNullable(name == null ? null : available.get(name));
        }
    }

    private record Bound(ContainerRuntime runtime, Map<String, Object> properties) {
    }

    private final List<Bound> bound = new ArrayList<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private Predicate<Map<String, Object>> target;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), null);

    /** @param target which runtime's service properties make it the configured default */
    public NodeRuntimes(Predicate<Map<String, Object>> target) {
        this.target = target;
    }

    /** A fixed set: {@code runtime} alone, the default (tests, and agents built around one runtime). */
    public static NodeRuntimes of(ContainerRuntime runtime) {
        NodeRuntimes runtimes = new NodeRuntimes(props -> runtime.name().equals(props.get(ContainerRuntime.NAME_PROPERTY)));
        runtimes.add(runtime, Map.of(ContainerRuntime.NAME_PROPERTY, runtime.name()));
        return runtimes;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /** Adds a runtime (a runtime service was bound). */
    public void add(ContainerRuntime runtime, Map<String, Object> properties) {
        synchronized (this) {
            bound.add(new Bound(runtime, Map.copyOf(properties)));
            recompute();
        }
        fire();
    }

    /** Removes a runtime (its service went away). */
    public void remove(ContainerRuntime runtime) {
        synchronized (this) {
            bound.removeIf(b -> b.runtime() == runtime);
            recompute();
        }
        fire();
    }

    /** Changes which runtime is the configured default ({@code runtime.target} changed). */
    public void target(Predicate<Map<String, Object>> newTarget) {
        synchronized (this) {
            this.target = newTarget;
            recompute();
        }
        fire();
    }

    /** Called after every change; returns the handle that removes the listener. */
    public AutoCloseable onChange(Runnable listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void recompute() {
        Map<String, ContainerRuntime> available = new TreeMap<>();
        String chosen = null;
        for (Bound b : bound) {
            // two services of one name: the first bound wins, as it would for a single reference
            available.putIfAbsent(b.runtime().name(), b.runtime());
        }
        for (Bound b : bound) {
            if (available.get(b.runtime().name()) == b.runtime() && target.test(b.properties())
                    && (chosen == null || b.runtime().name().compareTo(chosen) < 0)) {
                chosen = b.runtime().name();
            }
        }
        snapshot = new Snapshot(available, chosen);
    }

    private void fire() {
        for (Runnable listener : listeners) {
            listener.run();
        }
    }
}
