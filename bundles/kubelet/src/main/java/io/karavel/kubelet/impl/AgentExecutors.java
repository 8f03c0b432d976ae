package io.karavel.kubelet.impl;

import java.util.concurrent.ExecutorService;
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
 * probe periods) and an elastic pool for work that may block (pod syncs waiting for a container
 * to stop, probes waiting for their timeout). Timers only hand work to the pool.
 */
public final class AgentExecutors implements AutoCloseable {

    private final ScheduledThreadPoolExecutor timers;
    private final ExecutorService work;

    public AgentExecutors() {
        timers = new ScheduledThreadPoolExecutor(1, named("karavel-kubelet-timer"));
        timers.setRemoveOnCancelPolicy(true);
        // Threads come and go with the load: a pod being stopped holds one for its grace period.
        work = new ThreadPoolExecutor(0, 256, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                named("karavel-kubelet-worker"), new ThreadPoolExecutor.CallerRunsPolicy());
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
        work.shutdownNow();
        try {
            work.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
