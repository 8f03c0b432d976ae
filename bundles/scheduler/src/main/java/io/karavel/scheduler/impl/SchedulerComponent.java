package io.karavel.scheduler.impl;

import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.LeaderElection;
import io.karavel.api.controller.SharedInformers;
import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.ProfileInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import io.karavel.api.scheduler.SchedulerRuntime;
import io.karavel.api.scheduler.SchedulingProfile;
import io.karavel.api.scheduler.ScorePlugin;
import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler as a DS component: profiles and plugins are whiteboard services that may come and
 * go at any time; configuration changes (the default profile, back-off, pool sizes) apply without
 * a restart. Registers the {@link SchedulerRuntime} the shell and REST render.
 */
@Component(name = SchedulerComponent.PID, service = SchedulerRuntime.class, configurationPid = SchedulerComponent.PID, immediate = true)
@Designate(ocd = SchedulerComponent.Config.class)
public final class SchedulerComponent implements SchedulerRuntime {
    public static final String PID = "io.karavel.scheduler";
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerComponent.class);

    @ObjectClassDefinition(name = "Karavel scheduler", description = "Places pending pods on nodes, after kube-scheduler.")
    public @interface Config {
        @AttributeDefinition(description = "Scheduling profile serving pods with schedulerName default-scheduler or none "
                + "(e.g. spread, binpack) unless another is selected at run time; the fallback while the selected "
                + "one is not installed or not ready. Changing it takes effect on the next cycle and clears the selection")
        String default_profile() default "spread";

        @AttributeDefinition(description = "The profile selected at run time (SchedulerRuntime.setDefaultProfile, the "
                + "shell's scheduler-strategy-set), which serves default-scheduler pods while it is installed and ready; "
                + "empty for none. Written by the scheduler")
        String selected_profile() default "";

        @AttributeDefinition(description = "Threads writing bindings (and PodScheduled conditions) off the scheduling thread")
        int bind_workers() default 8;

        @AttributeDefinition(description = "Threads filtering and scoring nodes for one pod, the scheduling thread "
                + "included; 0 for half the cores (the API server and store share the JVM)")
        int parallelism() default 0;

        @AttributeDefinition(description = "Back-off after a pod's first failed attempt, in milliseconds; doubles per attempt")
        long backoff_initial_millis() default 1000;

        @AttributeDefinition(description = "Longest back-off, in milliseconds")
        long backoff_max_millis() default 10_000;

        @AttributeDefinition(description = "How long an unschedulable pod waits for a cluster change before it is "
                + "retried anyway, in milliseconds")
        long unschedulable_flush_interval_millis() default 60_000;
    }

    /** The property {@link Scheduler#setDefaultProfile} persists. */
    static final String SELECTED_PROFILE = "selected.profile";

    private final Scheduler scheduler;
    private volatile Config config;
    private volatile ConfigurationAdmin configurationAdmin;
    private volatile LeaderElection leaderElection;

    @Activate
    public SchedulerComponent(
            @Reference SharedInformers informers, @Reference ObjectClient client, Config config) {
        this.config = config;
        scheduler = new Scheduler(informers, client, settings(config));
        scheduler.setDefaultProfilePersister(this::persistSelection);
        scheduler.start();
    }

    static SchedulerSettings settings(Config c) {
        return new SchedulerSettings(c.default_profile(), c.selected_profile(), c.bind_workers(), c.parallelism(),
                Duration.ofMillis(c.backoff_initial_millis()), Duration.ofMillis(c.backoff_max_millis()),
                Duration.ofMillis(c.unschedulable_flush_interval_millis()));
    }

    @Modified
    void modified(Config next) {
        Config previous = config;
        config = next;
        SchedulerSettings settings = settings(next);
        if (!previous.default_profile().equals(next.default_profile())
                && previous.selected_profile().equals(next.selected_profile())
                && !settings.selectedProfile().isEmpty()) {
            // An operator edited default.profile (etc/io.karavel.scheduler.cfg): that is the newer
            // choice, so the older run-time selection goes, here and in the PID.
            settings = settings.withSelectedProfile("");
            persistSelection(null);
        }
        scheduler.reconfigure(settings);
    }

    @Deactivate
    void deactivate() {
        scheduler.close();
    }

    // The leader election of a replicated store; without one this master leads.
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindLeaderElection(LeaderElection election) {
        leaderElection = election;
        scheduler.setLeaderElection(election);
    }

    void unbindLeaderElection(LeaderElection election) {
        // a greedy replacement binds the new service before the old one is unbound
        if (leaderElection == election) {
            leaderElection = null;
            scheduler.setLeaderElection(null);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindProfile(SchedulingProfile profile) {
        scheduler.addProfile(profile);
    }

    void unbindProfile(SchedulingProfile profile) {
        scheduler.removeProfile(profile);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindFilter(FilterPlugin plugin, Map<String, Object> properties) {
        scheduler.addFilter(plugin, name(properties));
    }

    void unbindFilter(FilterPlugin plugin) {
        scheduler.removeFilter(plugin);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindScore(ScorePlugin plugin, Map<String, Object> properties) {
        scheduler.addScore(plugin, name(properties));
    }

    void unbindScore(ScorePlugin plugin) {
        scheduler.removeScore(plugin);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindConfigurationAdmin(ConfigurationAdmin admin) {
        configurationAdmin = admin;
    }

    void unbindConfigurationAdmin(ConfigurationAdmin admin) {
        if (configurationAdmin == admin) {
            configurationAdmin = null;
        }
    }

    private static String name(Map<String, Object> properties) {
        Object name = properties.get(SchedulerPlugin.NAME_PROPERTY);
        return name == null ? null : name.toString();
    }

    /**
     * Writes {@code selected.profile} into the PID (removes it for null); the update comes back
     * through {@link #modified}. {@code default.profile} stays: it is the fallback.
     */
    private void persistSelection(String profile) {
        ConfigurationAdmin admin = configurationAdmin;
        if (admin == null) {
            LOG.warn("no ConfigurationAdmin: selected profile {} holds until the scheduler restarts", profile);
            return;
        }
        try {
            Configuration configuration = admin.getConfiguration(PID, "?");
            Dictionary<String, Object> properties = configuration.getProperties();
            if (properties == null) {
                properties = new Hashtable<>();
            }
            if (profile == null) {
                properties.remove(SELECTED_PROFILE);
            } else {
                properties.put(SELECTED_PROFILE, profile);
            }
            configuration.update(properties);
        } catch (IOException e) {
            LOG.warn("persisting selected profile {} failed", profile, e);
        }
    }

    @Override
    public List<ProfileInfo> profiles() {
        return scheduler.profiles();
    }

    @Override
    public List<String> plugins() {
        return scheduler.plugins();
    }

    @Override
    public String defaultProfile() {
        return scheduler.defaultProfile();
    }

    @Override
    public void setDefaultProfile(String profile) {
        scheduler.setDefaultProfile(profile);
    }

    @Override
    public QueueInfo queue() {
        return scheduler.queue();
    }

    @Override
    public long scheduled() {
        return scheduler.scheduled();
    }
}
