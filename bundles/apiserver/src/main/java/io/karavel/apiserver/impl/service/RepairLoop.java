package io.karavel.apiserver.impl.service;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a cluster-wide repair pass (the DNS Service, the Service allocations) at a fixed delay,
 * on the leader only. The passes are safe to run on several masters at once, but a follower's
 * replica lags the leader (so it would repair from stale data) and every write of a follower is a
 * round trip to the leader: like Kubernetes' repair controllers under leader election, the
 * followers leave it to the leader. Leadership is checked before each pass, so a new leader
 * takes over at its next pass.
 */
public final class RepairLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RepairLoop.class);

    private final Runnable pass;
    private final BooleanSupplier leader;
    private final Duration interval;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "karavel-api-service-repair");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private Boolean wasLeader;

    /**
     * @param pass one repair pass; a {@link RuntimeException} (the store refusing writes) is logged and the next pass retries
     * @param leader whether this master leads now
     */
    public RepairLoop(Runnable pass, BooleanSupplier leader, Duration interval) {
        this.pass = pass;
        this.leader = leader;
        this.interval = interval;
    }

    /** Schedules the passes, the first after {@code initialDelay}. */
    public void start(Duration initialDelay) {
        executor.scheduleWithFixedDelay(this::runOnce, initialDelay.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runOnce() {
        boolean leading = leader.getAsBoolean();
        if (wasLeader == null || wasLeader != leading) {
            LOG.info(leading ? "service allocation repair: this master leads, it runs the repair passes"
                    : "service allocation repair: this master follows, the leader runs the repair passes");
            wasLeader = leading;
        }
        if (!leading) {
            skipped.incrementAndGet();
            return;
        }
        try {
            pass.run();
        } catch (RuntimeException e) {
            // store unavailable (no leader any more) and the like: the next pass tries again
            LOG.warn("service allocation repair failed: {}", e.toString());
        } finally {
            passes.incrementAndGet();
        }
    }

    /** Passes run (failed ones included). */
    public long passes() {
        return passes.get();
    }

    /** Passes skipped because this master did not lead. */
    public long skipped() {
        return skipped.get();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
