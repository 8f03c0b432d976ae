package io.karavel.store.hazelcast.impl;

import io.karavel.api.cluster.ControlPlane;
import io.karavel.api.controller.LeaderElection;
import io.karavel.api.store.Store;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Registers the replicated store of an HA master ({@code store.type=hazelcast}, ranked above the
 * embedded store), the {@link LeaderElection} that gates the controllers and the scheduler, and
 * the {@link ControlPlane} status. Activation opens the local replica and joins the other masters
 * in the background; deactivation hands leadership over at once and leaves the cluster.
 */
@Component(
        name = HazelcastStoreComponent.PID,
        configurationPid = HazelcastStoreComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = HazelcastStoreComponent.Config.class)
public final class HazelcastStoreComponent {

    static final String PID = "io.karavel.store.hazelcast";

    @ObjectClassDefinition(name = "Karavel replicated store", description = "The store of 3 or 5 HA masters.")
    public @interface Config {
        @AttributeDefinition(description = "Every master's Hazelcast address host:port, comma-separated,"
                + " this one included (3, 5 or 7 masters).")
        String members();

        @AttributeDefinition(description = "This master's Hazelcast bind address.")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "This master's Hazelcast port.")
        int port() default 5701;

        @AttributeDefinition(description = "This master's name; empty: <hostname>-<port>.")
        String member_name() default "";

        @AttributeDefinition(description = "Hazelcast cluster name: masters of different clusters never join.")
        String cluster_name() default "karavel";

        @AttributeDefinition(description = "This master's API server URL, shown in the cluster status.")
        String api_url() default "";

        @AttributeDefinition(description = "Directory of the local replica; relative to karaf.base.")
        String dir() default "var/store";

        @AttributeDefinition(description = "Changes kept in memory for watches that start in the past.")
        int history_size() default MapDbStore.Options.DEFAULT_HISTORY_SIZE;

        @AttributeDefinition(description = "Seconds the leader lock outlives a leader that stopped heartbeating"
                + " (CP session time-to-live) when its departure is not seen sooner.")
        int cp_session_ttl_seconds() default 5;

        @AttributeDefinition(description = "Milliseconds between heartbeats of the CP (Raft) group leader.")
        long raft_leader_heartbeat_ms() default 500;

        @AttributeDefinition(description = "Missed Raft leader heartbeats before a new Raft election.")
        int raft_missed_heartbeats() default 4;

        @AttributeDefinition(description = "Seconds of silence after which a master is removed from the cluster.")
        int member_heartbeat_timeout_seconds() default 5;

        @AttributeDefinition(description = "Milliseconds a follower waits for the leader to commit a forwarded write.")
        long forward_timeout_ms() default 10_000;

        @AttributeDefinition(description = "Milliseconds a commit waits to confirm the leader lock is still held.")
        long lock_check_timeout_ms() default 3_000;

        @AttributeDefinition(description = "Log entries (write batches) kept so a restarted master catches up"
                + " from the log instead of a snapshot.")
        int log_retention() default 10_000;

        @AttributeDefinition(description = "Seconds a fresh cluster waits for every master before a majority"
                + " elects the one with the newest data.")
        int bootstrap_wait_seconds() default 60;
    }

    private final ReplicatedStore store;
    private final ServiceRegistration<?> registration;

    /**
     * Opens the replica, starts joining the other masters, and registers the store itself as the
     * three services (no delegating wrapper: the component only manages its lifecycle).
     */
    @Activate
    public HazelcastStoreComponent(BundleContext context, Config config) {
        this.store = new ReplicatedStore(settings(config, System.getProperty("karaf.base")));
        store.start();
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("store.type", "hazelcast");
        properties.put(Constants.SERVICE_RANKING, 100);
        this.registration = context.registerService(
                new String[] {Store.class.getName(), LeaderElection.class.getName(), ControlPlane.class.getName()},
                store, properties);
    }

    static ClusterSettings settings(Config config, String base) {
        String name = config.member_name().isBlank() ? hostName() + "-" + config.port() : config.member_name();
        Path dir = Path.of(config.dir());
        if (!dir.isAbsolute()) {
            dir = (base == null || base.isBlank() ? Path.of("") : Path.of(base)).resolve(dir).toAbsolutePath();
        }
        MapDbStore.Options options = MapDbStore.Options.defaults().withHistorySize(config.history_size());
        return new ClusterSettings(ClusterSettings.parseMembers(config.members()), config.host(), config.port(), name,
                config.cluster_name(), config.api_url(), dir, options,
                Duration.ofSeconds(config.cp_session_ttl_seconds()), Duration.ofMillis(config.raft_leader_heartbeat_ms()),
                config.raft_missed_heartbeats(), Duration.ofSeconds(config.member_heartbeat_timeout_seconds()),
                Duration.ofMillis(config.forward_timeout_ms()), Duration.ofMillis(config.lock_check_timeout_ms()),
                config.log_retention(), Duration.ofSeconds(config.bootstrap_wait_seconds()));
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        } catch (java.net.UnknownHostException e) {
            return "master";
        }
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
        store.close();
    }
}
