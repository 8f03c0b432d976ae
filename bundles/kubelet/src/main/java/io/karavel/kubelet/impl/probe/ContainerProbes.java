package io.karavel.kubelet.impl.probe;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The probes of one running container instance and what they concluded, with the kubelet's
 * rules: until a startup probe has succeeded the others do not run and the container is not
 * started; readiness starts false (true at once without a probe); liveness and startup failing
 * {@code failureThreshold} times in a row ask for the container to be killed; readiness flips after
 * {@code successThreshold} successes or {@code failureThreshold} failures in a row. Every change
 * of a conclusion calls {@code onChange} (the pod worker then syncs); every failed probe calls
 * {@code onFailure} with the kubelet's message ("Readiness probe failed: ...").
 */
public final class ContainerProbes implements AutoCloseable {

    private final Container container;
    private final String containerId;
    private final String podIp;
    private final Prober prober;
    private final Runnable onChange;
    private final Consumer<String> onFailure;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    private volatile boolean started;
    private volatile boolean ready;
    private volatile String killReason;

    /**
     * Starts probing. With {@code simulated} (a runtime with no processes) every probe counts as
     * successful at once and nothing is scheduled.
     */
    public ContainerProbes(Container container, String containerId, String podIp, Prober prober,
                           boolean simulated, ScheduledExecutorService timers, Executor work, Runnable onChange,
                           Consumer<String> onFailure) {
        this.container = container;
        this.containerId = containerId;
        this.podIp = podIp;
        this.prober = prober;
        this.onChange = onChange;
        this.onFailure = onFailure;
        started = simulated || container.getStartupProbe() == null;
        ready = simulated || container.getReadinessProbe() == null;
        if (!simulated) {
            schedule(Kind.STARTUP, container.getStartupProbe(), timers, work);
            schedule(Kind.LIVENESS, container.getLivenessProbe(), timers, work);
            schedule(Kind.READINESS, container.getReadinessProbe(), timers, work);
        }
    }

    private enum Kind {
        STARTUP("Startup"), LIVENESS("Liveness"), READINESS("Readiness");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private void schedule(Kind kind, Probe probe, ScheduledExecutorService timers, Executor work) {
        if (probe == null) {
            return;
        }
        long initialDelay = probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds();
        long period = probe.getPeriodSeconds() == null || probe.getPeriodSeconds() < 1 ? 10 : probe.getPeriodSeconds();
        int failureThreshold = probe.getFailureThreshold() == null || probe.getFailureThreshold() < 1 ? 3
                : probe.getFailureThreshold();
        int successThreshold = probe.getSuccessThreshold() == null || probe.getSuccessThreshold() < 1 ? 1
                : probe.getSuccessThreshold();
        AtomicBoolean running = new AtomicBoolean();
        int[] successes = {0};
        int[] failures = {0};
        Runnable tick = () -> {
            if (killReason != null || (kind != Kind.STARTUP && !started) || (kind == Kind.STARTUP && started)) {
                return;
            }
            Prober.Result result = prober.probe(probe, container, containerId, podIp);
            if (result.success()) {
                successes[0]++;
                failures[0] = 0;
            } else {
                failures[0]++;
                successes[0] = 0;
                onFailure.accept(kind.label + " probe failed: " + result.message());
            }
            boolean changed = false;
            switch (kind) {
                case STARTUP -> {
                    if (result.success()) {
                        started = true;
                        changed = true;
                    } else if (failures[0] >= failureThreshold) {
                        killReason = "failed startup probe";
                        changed = true;
                    }
                }
                case LIVENESS -> {
                    if (!result.success() && failures[0] >= failureThreshold) {
                        killReason = "failed liveness probe";
                        changed = true;
                    }
                }
                case READINESS -> {
                    if (!ready && result.success() && successes[0] >= successThreshold) {
                        ready = true;
                        changed = true;
                    } else if (ready && !result.success() && failures[0] >= failureThreshold) {
                        ready = false;
                        changed = true;
                    }
                }
            }
            if (changed) {
                onChange.run();
            }
        };
        synchronized (tasks) {
            tasks.add(timers.scheduleWithFixedDelay(() -> {
                if (running.compareAndSet(false, true)) {
                    work.execute(() -> {
                        try {
                            tick.run();
                        } finally {
                            running.set(false);
                        }
                    });
                }
            }, initialDelay * 1000, period * 1000, TimeUnit.MILLISECONDS));
        }
    }

    public String containerId() {
        return containerId;
    }

    /** Whether the startup probe (if any) has succeeded. */
    public boolean started() {
        return started;
    }

    /** Whether the readiness probe (if any) says the container takes traffic. */
    public boolean ready() {
        return started && ready && killReason == null;
    }

    /** Why the container must be killed (a failed liveness or startup probe), else {@code null}. */
    public String killReason() {
        return killReason;
    }

    @Override
    public void close() {
        synchronized (tasks) {
            tasks.forEach(t -> t.cancel(false));
            tasks.clear();
        }
    }
}
