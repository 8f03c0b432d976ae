package io.karavel.scheduler.impl;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * kube-scheduler's priority queue: pods ready to schedule ({@code activeQ}: higher
 * {@code spec.priority} first, then older), pods backing off after a failed attempt
 * ({@code backoffQ}: exponential per pod), and pods no node fits ({@code unschedulableQ}: back to
 * the active queue on a cluster change that may help, or after a flush interval).
 *
 * <p>A popped pod stays known ("in flight") until {@link #done} or one of the requeue methods; a
 * cluster change during its attempt sends it to back-off rather than to the unschedulable queue,
 * so that the change is not missed.
 */
final class SchedulingQueue {

    enum Where { ACTIVE, BACKOFF, UNSCHEDULABLE, IN_FLIGHT }

    /** One pod the queue knows. */
    static final class Entry {
        final String key;
        Pod pod;
        Where where;
        int attempts;
        long seq;
        long cycle;
        Instant backoffUntil = Instant.MIN;
        Instant unschedulableSince = Instant.MIN;

        Entry(String key, Pod pod) {
            this.key = key;
            this.pod = pod;
        }

        Pod pod() {
            return pod;
        }

        int attempts() {
            return attempts;
        }

        long cycle() {
            return cycle;
        }
    }

    private static final Comparator<Entry> ACTIVE_ORDER = Comparator
            .comparingInt((Entry e) -> -priority(e.pod))
            .thenComparing(e -> creation(e.pod))
            .thenComparingLong(e -> e.seq);
    private static final Comparator<Entry> BACKOFF_ORDER =
            Comparator.comparing((Entry e) -> e.backoffUntil).thenComparingLong(e -> e.seq);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Clock clock;
    private volatile Duration backoffInitial;
    private volatile Duration backoffMax;
    private volatile Duration flushInterval;
    private final Map<String, Entry> entries = new HashMap<>();
    private final TreeSet<Entry> active = new TreeSet<>(ACTIVE_ORDER);
    private final TreeSet<Entry> backoff = new TreeSet<>(BACKOFF_ORDER);
    private final Map<String, Entry> unschedulable = new LinkedHashMap<>();
    private long seq;
    private long schedulingCycle;
    private long moveRequestCycle = -1;
    private boolean closed;
    /** While paused (not the leader), pods wait in the active queue instead of being popped. */
    private boolean paused;

    SchedulingQueue(Clock clock, Duration backoffInitial, Duration backoffMax, Duration flushInterval) {
        this.clock = clock;
        configure(backoffInitial, backoffMax, flushInterval);
    }

    void configure(Duration backoffInitial, Duration backoffMax, Duration flushInterval) {
        this.backoffInitial = backoffInitial;
        this.backoffMax = backoffMax;
        this.flushInterval = flushInterval;
    }

    private static int priority(Pod pod) {
        Integer p = pod.getSpec() == null ? null : pod.getSpec().getPriority();
        return p == null ? 0 : p;
    }

    private static String creation(Pod pod) {
        // RFC 3339 in UTC with a fixed width sorts as text
        String t = pod.getMetadata().getCreationTimestamp();
        return t == null ? "" : t;
    }

    /** A new pending pod (or one the queue knows: then like {@link #update}). */
    void add(Pod pod) {
        String key = SchedulerCache.key(pod);
        lock.lock();
        try {
            Entry e = entries.get(key);
            if (e != null) {
                updateLocked(e, pod);
                return;
            }
            e = new Entry(key, pod);
            entries.put(key, e);
            toActive(e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A newer version of a pending pod. A spec or label change moves an unschedulable pod back
     * to the active queue (it may fit now); status-only changes (our own condition) do not.
     */
    void update(Pod pod) {
        lock.lock();
        try {
            Entry e = entries.get(SchedulerCache.key(pod));
            if (e == null) {
                e = new Entry(SchedulerCache.key(pod), pod);
                entries.put(e.key, e);
                toActive(e);
                return;
            }
            updateLocked(e, pod);
        } finally {
            lock.unlock();
        }
    }

    private void updateLocked(Entry e, Pod pod) {
        Pod old = e.pod;
        switch (e.where) {
            case ACTIVE -> {
                active.remove(e);
                e.pod = pod;
                active.add(e);
            }
            case BACKOFF -> {
                e.pod = pod;
            }
            case UNSCHEDULABLE -> {
                e.pod = pod;
                if (specChanged(old, pod)) {
                    unschedulable.remove(e.key);
                    toActiveOrBackoff(e, clock.instant());
                }
            }
            case IN_FLIGHT -> e.pod = pod;
        }
    }

    private static boolean specChanged(Pod a, Pod b) {
        return !Objects.equals(a.getSpec(), b.getSpec())
                || !Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels())
                || !Objects.equals(a.getMetadata().getAnnotations(), b.getMetadata().getAnnotations());
    }

    /** The pod was deleted, bound elsewhere, or no longer needs scheduling. */
    void delete(Pod pod) {
        lock.lock();
        try {
            Entry e = entries.remove(SchedulerCache.key(pod));
            if (e != null) {
                unlink(e);
            }
        } finally {
            lock.unlock();
        }
    }

    private void unlink(Entry e) {
        switch (e.where) {
            case ACTIVE -> active.remove(e);
            case BACKOFF -> backoff.remove(e);
            case UNSCHEDULABLE -> unschedulable.remove(e.key);
            case IN_FLIGHT -> {}
        }
    }

    /**
     * The next pod to schedule, waiting up to {@code timeout}; null on timeout or once closed.
     * Pods whose back-off has expired join the active queue first.
     */
    Entry pop(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!closed) {
                flushBackoffLocked();
                Entry e = paused ? null : active.pollFirst();
                if (e != null) {
                    e.where = Where.IN_FLIGHT;
                    e.attempts++;
                    e.cycle = ++schedulingCycle;
                    return e;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                Entry next = backoff.isEmpty() ? null : backoff.first();
                if (next != null) {
                    long untilBackoff = Duration.between(clock.instant(), next.backoffUntil).toNanos();
                    // a fake clock in tests does not advance on its own: wake at least every 50 ms
                    left = Math.min(left, Math.max(TimeUnit.MILLISECONDS.toNanos(1),
                            Math.min(untilBackoff, TimeUnit.MILLISECONDS.toNanos(50))));
                }
                changed.awaitNanos(left);
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** The attempt placed the pod: the queue forgets it. */
    void done(Entry e) {
        lock.lock();
        try {
            if (entries.get(e.key) == e && e.where == Where.IN_FLIGHT) {
                entries.remove(e.key);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * No node fits (or the profile is missing): wait for a cluster change, unless one happened
     * during the attempt, in which case back off and retry.
     */
    void requeueUnschedulable(Entry e) {
        lock.lock();
        try {
            if (entries.get(e.key) != e || e.where != Where.IN_FLIGHT) {
                return; // deleted or re-added meanwhile
            }
            Instant now = clock.instant();
            e.backoffUntil = now.plus(backoffFor(e.attempts));
            if (moveRequestCycle >= e.cycle) {
                toActiveOrBackoff(e, now);
            } else {
                e.where = Where.UNSCHEDULABLE;
                e.unschedulableSince = now;
                unschedulable.put(e.key, e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The attempt failed for a reason other than fit (a plugin or binding error): back off. */
    void requeueBackoff(Entry e) {
        lock.lock();
        try {
            if (entries.get(e.key) != e || e.where != Where.IN_FLIGHT) {
                return;
            }
            Instant now = clock.instant();
            e.backoffUntil = now.plus(backoffFor(e.attempts));
            toActiveOrBackoff(e, now);
        } finally {
            lock.unlock();
        }
    }

    /** A cluster change that may make unschedulable pods fit: all of them go back to be retried. */
    void moveAllToActiveOrBackoff() {
        lock.lock();
        try {
            moveRequestCycle = schedulingCycle;
            if (unschedulable.isEmpty()) {
                return;
            }
            Instant now = clock.instant();
            List<Entry> moving = new ArrayList<>(unschedulable.values());
            unschedulable.clear();
            for (Entry e : moving) {
                toActiveOrBackoff(e, now);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Retries pods that waited longer than the flush interval for a change (called periodically). */
    void flushUnschedulableLeftover() {
        lock.lock();
        try {
            Instant now = clock.instant();
            Instant limit = now.minus(flushInterval);
            for (Iterator<Entry> it = unschedulable.values().iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (!e.unschedulableSince.isAfter(limit)) {
                    it.remove();
                    toActiveOrBackoff(e, now);
                }
            }
            flushBackoffLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Moves pods whose back-off has expired to the active queue. */
    void flushBackoffCompleted() {
        lock.lock();
        try {
            flushBackoffLocked();
        } finally {
            lock.unlock();
        }
    }

    private void flushBackoffLocked() {
        Instant now = clock.instant();
        while (!backoff.isEmpty() && !backoff.first().backoffUntil.isAfter(now)) {
            Entry e = backoff.pollFirst();
            toActive(e);
        }
    }

    private void toActiveOrBackoff(Entry e, Instant now) {
        if (e.backoffUntil.isAfter(now)) {
            e.where = Where.BACKOFF;
            e.seq = ++seq;
            backoff.add(e);
            changed.signalAll();
        } else {
            toActive(e);
        }
    }

    private void toActive(Entry e) {
        e.where = Where.ACTIVE;
        e.seq = ++seq;
        active.add(e);
        changed.signalAll();
    }

    /** {@code initial * 2^(attempts-1)}, capped. */
    Duration backoffFor(int attempts) {
        Duration d = backoffInitial;
        for (int i = 1; i < attempts && d.compareTo(backoffMax) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(backoffMax) > 0 ? backoffMax : d;
    }

    /** Counts: active, backing off, unschedulable (in-flight pods are in none). */
    int[] counts() {
        lock.lock();
        try {
            return new int[] {active.size(), backoff.size(), unschedulable.size()};
        } finally {
            lock.unlock();
        }
    }

    /** Where the pod is, or null when the queue does not know it. */
    Where where(String key) {
        lock.lock();
        try {
            Entry e = entries.get(key);
            return e == null ? null : e.where;
        } finally {
            lock.unlock();
        }
    }

    void setPaused(boolean paused) {
        lock.lock();
        try {
            this.paused = paused;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
