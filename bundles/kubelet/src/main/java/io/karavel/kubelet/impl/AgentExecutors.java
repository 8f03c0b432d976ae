package io.karavel.kubelet.impl;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of the node agents in one JVM, shared by every node so that hundreds of hollow
 * nodes cost no thread each: one scheduler for timers (heartbeats, resyncs, back-off wake-ups,
 * probe periods), an elastic pool for work that may block (pod syncs waiting for a container to
 * stop, probes waiting for their timeout), and four threads of their own for the nodes's
 * heartbeats (Lease and Node status), so that a node under a burst of pod work still renews its
 * Lease in time and is not declared unreachable. Timers only hand work to the pools: no task ever
 * runs on the submitting thread.
 */
public final class AgentExecutors implements AutoCloseable {

    private final ScheduledThreadPoolExecutor timers;
    private final ExecutorService work;
    private final ThreadPoolExecutor overflow;
    private final ThreadPoolExecutor heartbeats;

    public AgentExecutors() {
        timers = new ScheduledThreadPoolExecutor(1, named("karavel-kubelet-timer"));
        timers.setRemoveOnCancelPolicy(true);
        // Work beyond 256 busy threads waits in a queue: running it on the submitting thread (the
        // timer, an informer) would stall every timer of every node behind one blocking call.
        overflow = queued(4, "karavel-kubelet-overflow");
        // Threads come and go with the load: a pod being stopped holds one for its grace period.
        work = new ThreadPoolExecutor(0, 256, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                named("karavel-kubelet-worker"), (task, pool) -> overflow.execute(task));
        heartbeats = queued(4, "karavel-kubelet-heartbeat");
    }

    private static ThreadPoolExecutor queued(int threads, String name) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), named(name));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Lease renewals and Node status updates only. */
    public ExecutorService heartbeats() {
        return heartbeats;
    }

    public ScheduledExecutorService timers() {
        return timers;
    }

    public ExecutorService work() {
        return work;
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        timers.shutdownNow();
        heartbeats.shutdownNow();
        work.shutdownNow();
        overflow.shutdownNow();
        try {
            work.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
