package io.karavel.controller.runtime.impl;

import io.karavel.api.controller.Expectations;
import io.karavel.api.controller.ObjectKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One controller's {@link Expectations}, as Kubernetes' {@code ControllerExpectations} with
 * {@code UIDTrackingControllerExpectations}' named deletions: counts per owner key, expiring
 * after {@link #DEFAULT_TTL} so that a lost event cannot block an owner forever. Thread-safe.
 */
public final class ControllerExpectations implements Expectations {
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

    private final Clock clock;
    private final Duration ttl;
    private final ConcurrentHashMap<ObjectKey, Pending> pending = new ConcurrentHashMap<>();

    public ControllerExpectations(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
    }

    /** Guarded by itself. */
    private static final class Pending {
        int creations;
        final Set<String> deletions = new HashSet<>();
        Instant since;

        synchronized boolean fulfilled() {
            return creations <= 0 && deletions.isEmpty();
        }
    }

    @Override
    public boolean satisfied(ObjectKey key) {
        Pending p = pending.get(key);
        if (p == null) {
            return true;
        }
        synchronized (p) {
            return p.fulfilled() || expired(p);
        }
    }

    private boolean expired(Pending p) {
        return clock.instant().isAfter(p.since.plus(ttl));
    }

    @Override
    public void expectCreations(ObjectKey key, int count) {
        Pending p = fresh(key);
        synchronized (p) {
            p.creations += count;
        }
    }

    @Override
    public void expectDeletions(ObjectKey key, Collection<String> objectKeys) {
        Pending p = fresh(key);
        synchronized (p) {
            p.deletions.addAll(objectKeys);
        }
    }

    @Override
    public void creationObserved(ObjectKey key) {
        Pending p = pending.get(key);
        if (p != null) {
            synchronized (p) {
                if (p.creations > 0) {
                    p.creations--;
                }
            }
        }
    }

    @Override
    public void deletionObserved(ObjectKey key, String objectKey) {
        Pending p = pending.get(key);
        if (p != null) {
            synchronized (p) {
                p.deletions.remove(objectKey);
            }
        }
    }

    @Override
    public void delete(ObjectKey key) {
        pending.remove(key);
    }

    /** Keys with expectations recorded (satisfied or not): for tests and the report. */
    public int size() {
        return pending.size();
    }

    /**
     * The expectation to add to: the pending one, or a new one when there is none or it is
     * fulfilled or expired (what it still counted is stale). The expiry restarts either way.
     */
    private Pending fresh(ObjectKey key) {
        return pending.compute(key, (k, p) -> {
            Pending next = p;
            if (p == null) {
                next = new Pending();
            } else {
                synchronized (p) {
                    if (p.fulfilled() || expired(p)) {
                        next = new Pending();
                    }
                }
            }
            synchronized (next) {
                next.since = clock.instant();
            }
            return next;
        });
    }
}
