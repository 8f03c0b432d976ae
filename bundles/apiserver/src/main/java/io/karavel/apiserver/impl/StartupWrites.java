package io.karavel.apiserver.impl;

import io.karavel.api.store.StoreException;
import io.karavel.apiserver.impl.http.Readyz;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the API server writes on its own before it calls itself ready (system namespaces, the DNS
 * Service, the first allocation repair, the kubeconfig), run in order on a background thread.
 *
 * <p>On an HA master the store forwards writes to the leader and refuses them while there is
 * none, which is normal while the masters form the cluster or elect a new leader. So a phase the
 * store refuses ({@link StoreException}) is retried with a growing, bounded back-off until a
 * leader accepts it; it is logged once when it starts waiting and once when it is done, not on
 * every attempt. Any other failure is a bug or a broken environment (an unwritable kubeconfig
 * path): it ends the startup, and the server stays up but never ready.
 */
final class StartupWrites {
    private static final Logger LOG = LoggerFactory.getLogger(StartupWrites.class);

    /** One step; a {@link StoreException} means "try again later". */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /** @param description what the step does, as a log line and readyz reason say it ("creating the system namespaces") */
    record Phase(String description, Action action) {}

    private final List<Phase> phases;
    private final ScheduledExecutorService executor;
    private final long firstDelayMillis;
    private final long maxDelayMillis;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile String state = "not started";

    StartupWrites(List<Phase> phases, ScheduledExecutorService executor, Duration firstDelay, Duration maxDelay) {
        this.phases = List.copyOf(phases);
        this.executor = executor;
        this.firstDelayMillis = firstDelay.toMillis();
        this.maxDelayMillis = maxDelay.toMillis();
    }

    /** Starts the phases; the future completes when all are done (exceptionally on a non-store failure). */
    CompletableFuture<Void> start() {
        executor.execute(() -> run(0, 1, firstDelayMillis));
        return done;
    }

    /** The {@code karavel-ready} check: passes once every phase is done. */
    Readyz.Result check() {
        return done.isDone() && !done.isCompletedExceptionally() ? Readyz.Result.ok() : Readyz.Result.failed(state);
    }

    private void run(int index, int attempt, long delayMillis) {
        for (int i = index; i < phases.size(); i++) {
            Phase phase = phases.get(i);
            int tries = i == index ? attempt : 1;
            if (tries == 1) {
                state = "not ready yet: " + phase.description();
            }
            try {
                phase.action().run();
            } catch (StoreException e) {
                if (tries == 1) {
                    LOG.info("API server startup: {} waits until the store accepts writes ({}); retrying with a back-off of up to {} s",
                            phase.description(), e.getMessage(), maxDelayMillis / 1000.0);
                }
                state = "not ready yet: " + phase.description() + " (attempt " + tries + " refused: " + e.getMessage() + ")";
                retry(i, tries + 1, delayMillis);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // closing
            } catch (Exception e) {
                LOG.error("API server startup failed {}: the server stays not ready", phase.description(), e);
                state = "startup failed " + phase.description() + ": " + e;
                done.completeExceptionally(e);
                return;
            }
            if (tries > 1) {
                LOG.info("API server startup: {} done after {} attempts", phase.description(), tries);
            }
            delayMillis = firstDelayMillis;
        }
        state = "ready";
        done.complete(null);
    }

    private void retry(int index, int attempt, long delayMillis) {
        try {
            executor.schedule(() -> run(index, attempt, Math.min(delayMillis * 2, maxDelayMillis)), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }
}
