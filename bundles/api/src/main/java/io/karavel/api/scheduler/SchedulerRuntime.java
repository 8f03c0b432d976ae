package io.karavel.api.scheduler;

import java.util.List;

/** The running scheduler: profiles, plugins, queue, and switching the default profile. */
@org.osgi.annotation.versioning.ProviderType
public interface SchedulerRuntime {
    List<ProfileInfo> profiles();

    /** Names of the installed filter and score plugins. */
    List<String> plugins();

    /** The profile serving {@code default-scheduler}. */
    String defaultProfile();

    /**
     * Makes {@code profile} the default from the next scheduling cycle, and persists the choice
     * in the scheduler's configuration.
     *
     * @throws IllegalArgumentException no such profile is installed
     */
    void setDefaultProfile(String profile);

    /** Pods waiting: active, backing off, unschedulable. */
    QueueInfo queue();

    /** Pods bound since the scheduler started. */
    long scheduled();

    record QueueInfo(int active, int backoff, int unschedulable) {}
}
