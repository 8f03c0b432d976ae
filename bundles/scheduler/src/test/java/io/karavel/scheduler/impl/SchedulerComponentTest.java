package io.karavel.scheduler.impl;

import static io.karavel.scheduler.plugins.Fixtures.node;
import static io.karavel.scheduler.plugins.Fixtures.podBuilder;
import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.api.controller.LeaderElection;
import io.karavel.api.scheduler.SchedulerPlugin;
import io.karavel.scheduler.plugins.BuiltinPlugins;
import io.karavel.testing.controller.FakeCluster;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The DS component without a framework: what DS would call, in the order it calls it. */
class SchedulerComponentTest {
    private final FakeCluster cluster = new FakeCluster();
    private SchedulerComponent component;

    private static SchedulerComponent.Config config(String defaultProfile) {
        return config(defaultProfile, "");
    }

    private static SchedulerComponent.Config config(String defaultProfile, String selectedProfile) {
        return new SchedulerComponent.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return SchedulerComponent.Config.class;
            }

            @Override
            public String default_profile() {
                return defaultProfile;
            }

            @Override
            public String selected_profile() {
                return selectedProfile;
            }

            @Override
            public int bind_workers() {
                return 2;
            }

            @Override
            public int parallelism() {
                return 0;
            }

            @Override
            public long backoff_initial_millis() {
                return 20;
            }

            @Override
            public long backoff_max_millis() {
                return 100;
            }

            @Override
            public long unschedulable_flush_interval_millis() {
                return 60_000;
            }
        };
    }

    @AfterEach
    void stop() {
        if (component != null) {
            component.deactivate();
        }
    }

    private SchedulerComponent activate(String defaultProfile) {
        component = new SchedulerComponent(cluster, cluster, config(defaultProfile));
        BuiltinPlugins.filters().forEach(f -> component.bindFilter(f, Map.of(SchedulerPlugin.NAME_PROPERTY, f.name())));
        BuiltinPlugins.scores().forEach(s -> component.bindScore(s, Map.of(SchedulerPlugin.NAME_PROPERTY, s.name())));
        component.bindProfile(SchedulerTest.spread());
        component.bindProfile(SchedulerTest.binpack());
        return component;
    }

    @Test
    void setDefaultProfileWritesTheSelectionAndAnOperatorsEditOfTheDefaultClearsIt() throws Exception {
        activate("spread");
        component.bindProfile(new SchedulerTest.Profile("packed", SchedulerTest.FILTERS,
                Map.of("NodeResourcesMostAllocated", 1)));
        // the PID as ConfigurationAdmin holds it: what was written last
        AtomicReference<Dictionary<String, Object>> stored = new AtomicReference<>(
                new Hashtable<>(Map.of("bind.workers", 2, "default.profile", "spread")));
        Configuration configuration = (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Configuration.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getProperties" -> copy(stored.get());
                    case "update" -> {
                        @SuppressWarnings("unchecked")
                        Dictionary<String, Object> d = (Dictionary<String, Object>) args[0];
                        stored.set(copy(d));
                        yield null;
                    }
                    default -> null;
                });
        ConfigurationAdmin admin = (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConfigurationAdmin.class}, (proxy, method, args) ->
                        method.getName().equals("getConfiguration") && args[0].equals(SchedulerComponent.PID)
                                ? configuration
                                : null);
        component.bindConfigurationAdmin(admin);

        component.setDefaultProfile("binpack");
        assertThat(stored.get().get("selected.profile")).isEqualTo("binpack");
        assertThat(stored.get().get("default.profile")).as("the fallback stays").isEqualTo("spread");
        assertThat(stored.get().get("bind.workers")).isEqualTo(2);
        assertThat(component.defaultProfile()).isEqualTo("binpack");
        // the write comes back through DS: nothing changes
        component.modified(config("spread", "binpack"));
        assertThat(component.defaultProfile()).isEqualTo("binpack");

        // an operator edits default.profile in etc/io.karavel.scheduler.cfg: DS calls modified, no
        // restart; the edit is the newer choice, so the selection goes
        component.modified(config("packed", "binpack"));
        assertThat(component.defaultProfile()).isEqualTo("packed");
        assertThat(stored.get().get("selected.profile")).isNull();
        component.modified(config("packed", ""));
        assertThat(component.defaultProfile()).isEqualTo("packed");
        assertThat(component.plugins()).contains("NodeResourcesFit", "PodSpread", "NodeResourcesMostAllocated");
    }

    private static Dictionary<String, Object> copy(Dictionary<String, Object> d) {
        Hashtable<String, Object> out = new Hashtable<>();
        for (var keys = d.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            out.put(k, d.get(k));
        }
        return out;
    }

    @Test
    void aGreedyLeaderElectionReplacementKeepsTheNewOne() throws Exception {
        cluster.create(node("n1", "4", "8Gi"));
        activate("spread");
        LeaderElection follower = election(false);
        LeaderElection leader = election(true);
        component.bindLeaderElection(follower);
        component.bindLeaderElection(leader); // greedy: the better service binds first...
        component.unbindLeaderElection(follower); // ...then the old one goes
        cluster.create(podBuilder("p", null, null).build());
        eventually("p bound", Duration.ofSeconds(10),
                () -> cluster.get(Pod.class, "default", "p").map(p -> p.getSpec().getNodeName() != null).orElse(false));
        // counted once the binding call returns, a moment after the pod shows bound
        eventually("counted", Duration.ofSeconds(10), () -> component.scheduled() == 1);
        assertThat(component.profiles()).extracting(p -> p.name()).containsExactly("binpack", "spread");
    }

    private static LeaderElection election(boolean leading) {
        return new LeaderElection() {
            @Override
            public boolean isLeader() {
                return leading;
            }

            @Override
            public AutoCloseable onChange(Consumer<Boolean> listener) {
                return () -> {};
            }
        };
    }

}
