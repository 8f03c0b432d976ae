package io.karavel.testing.controller;

import io.karavel.api.controller.Expectations;
import io.karavel.api.controller.ObjectKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A plain {@link Expectations}, with the runtime's five-minute expiry measured on a test clock.
 * Thread-safe.
 */
public final class FakeExpectations implements Expectations {
    /** As Kubernetes' {@code ExpectationsTimeout}. */
    public static final Duration TTL = Duration.ofMinutes(5);

    private final Clock clock;
    private final Map<ObjectKey, Pending> pending = new HashMap<>();

    public FakeExpectations(Clock clock) {
        this.clock = clock;
    }

    private static final class Pending {
        int creations;
        final Set<String> deletions = new HashSet<>();
        Instant since;
    }

    @Override
    public synchronized boolean satisfied(ObjectKey key) {
        Pending p = pending.get(key);
        if (p == null) {
            return true;
        }
        if ((p.creations <= 0 && p.deletions.isEmpty()) || clock.instant().isAfter(p.since.plus(TTL))) {
            return true;
        }
        return false;
    }

    @Override
    public synchronized void expectCreations(ObjectKey key, int count) {
        Pending p = fresh(key);
        p.creations += count;
    }

    @Override
    public synchronized void expectDeletions(ObjectKey key, Collection<String> objectKeys) {
        fresh(key).deletions.addAll(objectKeys);
    }

    @Override
    public synchronized void creationObserved(ObjectKey key) {
        Pending p = pending.get(key);
        if (p != null && p.creations > 0) {
            p.creations--;
        }
    }

    @Override
    public synchronized void deletionObserved(ObjectKey key, String objectKey) {
        Pending p = pending.get(key);
        if (p != null) {
            p.deletions.remove(objectKey);
        }
    }

    @Override
    public synchronized void delete(ObjectKey key) {
        pending.remove(key);
    }

    /** Creations still expected for {@code key} (0 when none or expired). */
    public synchronized int pendingCreations(ObjectKey key) {
        Pending p = pending.get(key);
        return p == null || satisfied(key) ? 0 : Math.max(0, p.creations);
    }

    /** Deletions ("namespace/name") still expected for {@code key}. */
    public synchronized Set<String> pendingDeletions(ObjectKey key) {
        Pending p = pending.get(key);
        return p == null || satisfied(key) ? Set.of() : Set.copyOf(p.deletions);
    }

    /** A new expectation replaces a satisfied or expired one, restarting the expiry clock. */
    private Pending fresh(ObjectKey key) {
        Pending p = pending.get(key);
        if (p == null || satisfied(key)) {
            p = new Pending();
            pending.put(key, p);
        }
        p.since = clock.instant();
        return p;
    }
}
