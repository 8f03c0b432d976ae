package io.karavel.controller.runtime.impl;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A controller's work queue, with client-go's semantics: a key added several times before a
 * worker takes it is processed once; a key added while a worker processes it is processed again
 * after that worker calls {@link #done}, never by two workers at once; delayed adds
 * ({@link #addAfter}) and rate-limited re-adds ({@link #addRateLimited}) wait without a thread of
 * their own (the next {@link #get} wakes up when the earliest one is due). Thread-safe.
 *
 * @param <K> the key type
 */
public final class WorkQueue<K> {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<K> queue = new ArrayDeque<>();
    /** Keys that need processing: queued, or re-added while being processed. */
    private final Set<K> dirty = new HashSet<>();
    private final Set<K> processing = new HashSet<>();
    /** Each waiting key once, at its earliest due time. */
    private final Map<K, Long> waiting = new HashMap<>();
    private final PriorityQueue<Delayed<K>> delays = new PriorityQueue<>();
    private final RateLimiter rateLimiter;
    private boolean shutDown;
    private long wakeups;

    private record Delayed<K>(long dueNanos, K key) implements Comparable<Delayed<K>> {
        @Override
        public int compareTo(Delayed<K> o) {
            return Long.compare(dueNanos, o.dueNanos);
        }
    }

    public WorkQueue(RateLimiter rateLimiter) {
        this.rateLimiter = rateLimiter;
    }

    public WorkQueue() {
        this(new RateLimiter());
    }

    /** Marks {@code key} as needing processing (no-op when it already does, or after shutdown). */
    public void add(K key) {
        lock.lock();
        try {
            addLocked(key);
        } finally {
            lock.unlock();
        }
    }

    private void addLocked(K key) {
        if (shutDown || !dirty.add(key)) {
            return;
        }
        if (!processing.contains(key)) {
            queue.addLast(key);
            changed.signal();
        }
    }

    /** Adds {@code key} once {@code delay} has passed (a zero or negative delay adds it now). */
    public void addAfter(K key, Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            add(key);
            return;
        }
        long due = System.nanoTime() + delay.toNanos();
        lock.lock();
        try {
            if (shutDown) {
                return;
            }
            Long current = waiting.get(key);
            if (current == null || due - current < 0) {
                waiting.put(key, due);
                delays.add(new Delayed<>(due, key));
                // a waiting worker may need to wake earlier than it planned
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Adds {@code key} after its rate limiter's back-off. */
    public void addRateLimited(K key) {
        addAfter(key, rateLimiter.when(key));
    }

    /** Resets {@code key}'s back-off (call after a successful processing). */
    public void forget(K key) {
        rateLimiter.forget(key);
    }

    public int numRequeues(K key) {
        return rateLimiter.numRequeues(key);
    }

    /**
     * Takes the next key to process, waiting up to {@code timeout}. The caller must call
     * {@link #done} with it afterwards.
     *
     * @return null on timeout, after {@link #shutDown}, or when {@link #wakeUp} was called
     */
    public K get(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lockInterruptibly();
        try {
            long wakeup = wakeups;
            while (true) {
                if (shutDown || wakeup != wakeups) {
                    return null;
                }
                long now = System.nanoTime();
                promoteDue(now);
                K key = queue.pollFirst();
                if (key != null) {
                    processing.add(key);
                    dirty.remove(key);
                    return key;
                }
                long wait = deadline - now;
                if (wait <= 0) {
                    return null;
                }
                Delayed<K> next = delays.peek();
                if (next != null) {
                    wait = Math.min(wait, next.dueNanos() - now);
                }
                changed.awaitNanos(Math.max(wait, 1));
            }
        } finally {
            lock.unlock();
        }
    }

    private void promoteDue(long now) {
        Delayed<K> next;
        while ((next = delays.peek()) != null && next.dueNanos() - now <= 0) {
            delays.poll();
            Long due = waiting.get(next.key());
            // a stale entry: the key was re-scheduled earlier and already promoted
            if (due != null && due == next.dueNanos()) {
                waiting.remove(next.key());
                addLocked(next.key());
            }
        }
    }

    /** Processing of {@code key} finished: if it was added meanwhile, it is queued again. */
    public void done(K key) {
        lock.lock();
        try {
            processing.remove(key);
            if (dirty.contains(key) && !shutDown) {
                queue.addLast(key);
                changed.signal();
            }
            if (processing.isEmpty()) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Makes every waiting {@link #get} return null now (workers check whether they should stop). */
    public void wakeUp() {
        lock.lock();
        try {
            wakeups++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops handing out keys: {@link #get} returns null; pending and delayed keys are dropped. */
    public void shutDown() {
        lock.lock();
        try {
            shutDown = true;
            queue.clear();
            dirty.clear();
            waiting.clear();
            delays.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no key is being processed. @return false on timeout */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (!processing.isEmpty()) {
                long wait = deadline - System.nanoTime();
                if (wait <= 0) {
                    return false;
                }
                changed.awaitNanos(wait);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Keys waiting: queued now plus delayed. */
    public int depth() {
        lock.lock();
        try {
            return queue.size() + waiting.size();
        } finally {
            lock.unlock();
        }
    }

    public boolean isShutDown() {
        lock.lock();
        try {
            return shutDown;
        } finally {
            lock.unlock();
        }
    }
}
