package io.karavel.scheduler.impl;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a piece of work over indexes {@code 0..n-1} in chunks on the calling thread and up to
 * {@code parallelism - 1} helpers, as kube-scheduler's parallelizer: chunks of about
 * {@code sqrt(n)}, and any chunk may stop the rest early (enough feasible nodes found). Work is
 * handed out and reported per chunk, not per index, so that threads do not contend on shared
 * counters for every node. The
 * caller works too, so a helper that starts late only finds less to do; it returns when all
 * started helpers are done.
 */
final class Parallelizer {

    /** Work on the indexes {@code [from, to)}; false stops the chunks not started yet. */
    @FunctionalInterface
    interface Piece {
        boolean run(int from, int to);
    }

    private final Executor helpers;
    private volatile int parallelism;

    Parallelizer(Executor helpers, int parallelism) {
        this.helpers = helpers;
        this.parallelism = Math.max(1, parallelism);
    }

    void setParallelism(int parallelism) {
        this.parallelism = Math.max(1, parallelism);
    }

    static int chunkSize(int n, int parallelism) {
        int s = (int) Math.sqrt(n);
        int r = n / parallelism + 1;
        return Math.max(1, Math.min(s, r));
    }

    void until(int n, Piece piece) {
        if (n == 0) {
            return;
        }
        int p = parallelism;
        int chunk = chunkSize(n, p);
        int chunks = (n + chunk - 1) / chunk;
        int helperCount = Math.min(p - 1, chunks - 1);
        Run run = new Run(n, chunk, piece);
        for (int i = 0; i < helperCount; i++) {
            try {
                helpers.execute(run::help);
            } catch (RejectedExecutionException e) {
                break; // shutting down: the caller does it all
            }
        }
        run.work();
        run.finish();
    }

    private static final class Run {
        final int n;
        final int chunk;
        final Piece piece;
        final AtomicInteger next = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        private int activeHelpers;
        private boolean finished;
        private RuntimeException failure;

        Run(int n, int chunk, Piece piece) {
            this.n = n;
            this.chunk = chunk;
            this.piece = piece;
        }

        void work() {
            while (!stop.get()) {
                int start = next.getAndAdd(chunk);
                if (start >= n) {
                    return;
                }
                if (!piece.run(start, Math.min(n, start + chunk))) {
                    stop.set(true);
                    return;
                }
            }
        }

        void help() {
            synchronized (this) {
                if (finished) {
                    return;
                }
                activeHelpers++;
            }
            try {
                work();
            } catch (RuntimeException e) {
                stop.set(true);
                synchronized (this) {
                    failure = e;
                }
            } finally {
                synchronized (this) {
                    activeHelpers--;
                    notifyAll();
                }
            }
        }

        synchronized void finish() {
            finished = true;
            boolean interrupted = false;
            while (activeHelpers > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
