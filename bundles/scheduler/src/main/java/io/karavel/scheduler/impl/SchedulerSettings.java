package io.karavel.scheduler.impl;

import java.time.Duration;

/**
 * The scheduler's tunables (see {@link SchedulerComponent.Config}).
 *
 * @param defaultProfile the configured default profile: serves {@code default-scheduler} and pods
 *     without a scheduler name when nothing is selected, and is the fallback while the selected
 *     profile is not installed or not ready
 * @param selectedProfile the profile chosen at run time ({@code SchedulerRuntime.setDefaultProfile},
 *     the shell's {@code scheduler-strategy-set}); empty for none (then {@code defaultProfile} serves)
 * @param bindWorkers threads binding pods (and writing their status) off the scheduling thread
 * @param parallelism threads filtering and scoring nodes for one pod, the scheduling thread included;
 *     0 for half the cores
 * @param backoffInitial back-off after a pod's first failed attempt; doubles per attempt
 * @param backoffMax back-off cap
 * @param unschedulableFlushInterval how long an unschedulable pod waits for a cluster change before it is retried anyway
 */
public record SchedulerSettings(
        String defaultProfile,
        String selectedProfile,
        int bindWorkers,
        int parallelism,
        Duration backoffInitial,
        Duration backoffMax,
        Duration unschedulableFlushInterval) {

    public SchedulerSettings {
        selectedProfile = selectedProfile == null ? "" : selectedProfile.strip();
        bindWorkers = Math.max(1, bindWorkers);
        // Half the cores by default: the API server, the store and the informers run in the same
        // JVM and bind as fast as pods are placed; on 2 cores one scheduling thread places more
        // pods per second than two that wait on each other.
        parallelism = parallelism <= 0 ? Math.max(1, Runtime.getRuntime().availableProcessors() / 2) : parallelism;
    }

    /** Settings without a run-time selection: {@code defaultProfile} serves. */
    public SchedulerSettings(String defaultProfile, int bindWorkers, int parallelism, Duration backoffInitial,
            Duration backoffMax, Duration unschedulableFlushInterval) {
        this(defaultProfile, "", bindWorkers, parallelism, backoffInitial, backoffMax, unschedulableFlushInterval);
    }

    /** The component's defaults: profile {@code spread}, 8 bind workers, half the cores, 1 s / 10 s back-off, 60 s flush. */
    public static SchedulerSettings defaults() {
        return new SchedulerSettings("spread", 8, 0, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    /** The same settings with {@code profile} selected at run time. */
    public SchedulerSettings withSelectedProfile(String profile) {
        return new SchedulerSettings(defaultProfile, profile, bindWorkers, parallelism, backoffInitial, backoffMax,
                unschedulableFlushInterval);
    }

    /** The profile asked for: the selection, else the configured default. */
    public String requestedDefault() {
        return selectedProfile.isEmpty() ? defaultProfile : selectedProfile;
    }
}
