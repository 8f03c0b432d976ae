package io.karavel.scheduler.impl;

import static io.karavel.scheduler.plugins.Fixtures.node;
import static io.karavel.scheduler.plugins.Fixtures.nodeBuilder;
import static io.karavel.scheduler.plugins.Fixtures.podBuilder;
import static io.karavel.scheduler.plugins.Fixtures.taint;
import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.karavel.api.controller.LeaderElection;
import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.ProfileInfo;
import io.karavel.api.scheduler.SchedulingProfile;
import io.karavel.api.scheduler.ScorePlugin;
import io.karavel.scheduler.plugins.BuiltinPlugins;
import io.karavel.testing.controller.FakeCluster;
import io.karavel.testing.controller.RecordedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final List<String> FILTERS = io.karavel.api.scheduler.SchedulingProfile.BUILTIN_FILTERS;

    /** A profile as the strategy bundles register them. */
    record Profile(String name, List<String> filters, Map<String, Integer> scores) implements SchedulingProfile {}

    static Profile spread() {
        Map<String, Integer> scores = new LinkedHashMap<>();
        scores.put("NodeResourcesLeastAllocated", 1);
        scores.put("NodeResourcesBalancedAllocation", 1);
        scores.put("PodSpread", 2);
        scores.put("TaintToleration", 3);
        scores.put("NodeAffinity", 2);
        return new Profile("spread", FILTERS, scores);
    }

    static Profile binpack() {
        return new Profile("binpack", FILTERS, Map.of("NodeResourcesMostAllocated", 10, "TaintToleration", 3, "NodeAffinity", 2));
    }

    private final FakeCluster cluster = new FakeCluster();
    private final List<String> persisted = new ArrayList<>();
    private Scheduler scheduler;

    private Scheduler start(String defaultProfile, SchedulingProfile... profiles) {
        SchedulerSettings settings = new SchedulerSettings(defaultProfile, 2, 2, Duration.ofMillis(20),
                Duration.ofMillis(100), Duration.ofSeconds(60));
        scheduler = new Scheduler(cluster, cluster, settings);
        BuiltinPlugins.filters().forEach(f -> scheduler.addFilter(f, null));
        BuiltinPlugins.scores().forEach(s -> scheduler.addScore(s, null));
        for (SchedulingProfile p : profiles) {
            scheduler.addProfile(p);
        }
        scheduler.setDefaultProfilePersister(persisted::add);
        scheduler.start();
        return scheduler;
    }

    @AfterEach
    void stop() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    private String nodeOf(String pod) {
        return cluster.get(Pod.class, "default", pod).map(p -> p.getSpec().getNodeName()).orElse(null);
    }

    private void awaitBound(String... pods) throws Exception {
        for (String p : pods) {
            eventually(p + " bound", TIMEOUT, () -> nodeOf(p) != null);
        }
    }

    private List<RecordedEvent> events(String pod, String reason) {
        return cluster.events().stream()
                .filter(e -> e.regarding().getMetadata().getName().equals(pod) && e.reason().equals(reason))
                .toList();
    }

    private static Pod replica(String name, String cpu) {
        return podBuilder(name, cpu, "256Mi").editMetadata().withOwnerReferences(new OwnerReferenceBuilder()
                .withApiVersion("apps/v1").withKind("ReplicaSet").withName("web").withUid("rs-web")
                .withController(true).build()).endMetadata().build();
    }

    @Test
    void bindsPodsToNodesThatFitAndRecordsScheduled() throws Exception {
        cluster.create(node("small", "1", "2Gi"));
        cluster.create(nodeBuilder("ssd", "8", "16Gi").editMetadata().addToLabels("disk", "ssd").endMetadata().build());
        cluster.create(nodeBuilder("tainted", "64", "256Gi").editSpec()
                .addToTaints(taint("dedicated", "gpu", "NoSchedule")).endSpec().build());
        start("spread", spread());
        cluster.create(podBuilder("wants-ssd", null, null).editSpec().addToNodeSelector("disk", "ssd").endSpec().build());
        cluster.create(podBuilder("big", "4", "1Gi").build());
        awaitBound("wants-ssd", "big");
        assertThat(nodeOf("wants-ssd")).isEqualTo("ssd");
        assertThat(nodeOf("big")).isEqualTo("ssd");
        assertThat(cluster.actions("bind", "Pod")).hasSize(2);
        eventually("Scheduled events", TIMEOUT, () -> events("big", "Scheduled").size() == 1);
        assertThat(events("big", "Scheduled").get(0).message()).isEqualTo("Successfully assigned default/big to ssd");
        assertThat(events("big", "Scheduled").get(0).type()).isEqualTo("Normal");
        assertThat(scheduler.scheduled()).isEqualTo(2);
        assertThat(scheduler.queue()).isEqualTo(new io.karavel.api.scheduler.SchedulerRuntime.QueueInfo(0, 0, 0));
    }

    @Test
    void spreadAndBinpackPlaceReplicasDifferently() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) {
            cluster.create(node(n, "4", "8Gi"));
        }
        start("spread", spread(), binpack());
        for (int i = 0; i < 3; i++) {
            cluster.create(replica("spread-" + i, "500m"));
            awaitBound("spread-" + i); // one at a time: each placement sees the previous ones
        }
        for (int i = 0; i < 3; i++) {
            cluster.create(new io.fabric8.kubernetes.api.model.PodBuilder(replica("pack-" + i, "500m"))
                    .editSpec().withSchedulerName("binpack").endSpec().build());
            awaitBound("pack-" + i);
        }
        Set<String> spreadNodes = new java.util.HashSet<>(List.of(nodeOf("spread-0"), nodeOf("spread-1"), nodeOf("spread-2")));
        assertThat(spreadNodes).hasSize(3);
        // binpack joins the fullest node that fits: the three replicas end up together
        Set<String> packNodes = new java.util.HashSet<>(List.of(nodeOf("pack-0"), nodeOf("pack-1"), nodeOf("pack-2")));
        assertThat(packNodes).hasSize(1);
    }

    @Test
    void unschedulablePodsGetKubernetesMessageAndConditionThenScheduleWhenANodeArrives() throws Exception {
        cluster.create(nodeBuilder("gone", "8", "16Gi").editSpec()
                .addToTaints(taint("node.kubernetes.io/unreachable", null, "NoExecute")).endSpec().build());
        cluster.create(node("a", "1", "4Gi"));
        cluster.create(node("b", "1", "4Gi"));
        start("spread", spread());
        cluster.create(podBuilder("hungry", "2", "1Gi").editSpec().withPreemptionPolicy("Never").endSpec().build());
        String expected = "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
                + "2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.";
        eventually("FailedScheduling", TIMEOUT, () -> !events("hungry", "FailedScheduling").isEmpty());
        RecordedEvent event = events("hungry", "FailedScheduling").get(0);
        assertThat(event.type()).isEqualTo("Warning");
        assertThat(event.message()).isEqualTo(expected);
        eventually("PodScheduled=False", TIMEOUT, () -> condition("hungry") != null);
        PodCondition c = condition("hungry");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("Unschedulable");
        assertThat(c.getMessage()).isEqualTo(expected);
        eventually("waiting as unschedulable", TIMEOUT,
                () -> scheduler.queued("default/hungry") == SchedulingQueue.Where.UNSCHEDULABLE);
        assertThat(nodeOf("hungry")).isNull();

        cluster.create(node("big", "4", "8Gi"));
        awaitBound("hungry");
        assertThat(nodeOf("hungry")).isEqualTo("big");
    }

    private PodCondition condition(String pod) {
        Pod p = cluster.get(Pod.class, "default", pod).orElseThrow();
        if (p.getStatus() == null || p.getStatus().getConditions() == null) {
            return null;
        }
        return p.getStatus().getConditions().stream().filter(x -> "PodScheduled".equals(x.getType())).findFirst().orElse(null);
    }

    @Test
    void aPodWhoseProfileIsMissingWaitsUntilTheProfileIsInstalled() throws Exception {
        cluster.create(node("n1", "4", "8Gi"));
        start("spread", spread());
        cluster.create(podBuilder("packed", "100m", null).editSpec().withSchedulerName("binpack").endSpec().build());
        eventually("missing profile event", TIMEOUT, () -> !events("packed", "FailedScheduling").isEmpty());
        assertThat(events("packed", "FailedScheduling").get(0).message())
                .isEqualTo("no scheduling profile \"binpack\" is installed");
        assertThat(events("packed", "FailedScheduling").get(0).type()).isEqualTo("Warning");
        assertThat(nodeOf("packed")).isNull();

        scheduler.addProfile(binpack());
        awaitBound("packed");
        assertThat(nodeOf("packed")).isEqualTo("n1");
    }

    @Test
    void aProfileMissingPluginsIsNotReadyUntilTheyArrive() throws Exception {
        cluster.create(node("n1", "4", "8Gi"));
        Profile gpu = new Profile("gpu", List.of("NodeResourcesFit", "GpuFilter"), Map.of("GpuScore", 1));
        start("gpu", spread(), gpu);
        assertThat(scheduler.profiles()).containsExactly(
                new ProfileInfo("gpu", false, List.of("GpuFilter", "GpuScore"), true),
                new ProfileInfo("spread", true, List.of(), false));
        cluster.create(podBuilder("p", null, null).build());
        eventually("not ready event", TIMEOUT, () -> !events("p", "FailedScheduling").isEmpty());
        assertThat(events("p", "FailedScheduling").get(0).message())
                .isEqualTo("profile \"gpu\" is not ready: missing plugins [GpuFilter, GpuScore]");

        scheduler.addFilter(new FilterPlugin() {
            @Override
            public String name() {
                return "GpuFilter";
            }

            @Override
            public FilterStatus filter(io.karavel.api.scheduler.PodInfo pod, io.karavel.api.scheduler.NodeInfo node) {
                return FilterStatus.success();
            }
        }, null);
        scheduler.addScore(new ScorePlugin() {
            @Override
            public String name() {
                return "GpuScore";
            }

            @Override
            public long score(io.karavel.api.scheduler.PodInfo pod, io.karavel.api.scheduler.NodeInfo node) {
                return 0;
            }
        }, null);
        awaitBound("p");
        assertThat(scheduler.plugins()).contains("GpuFilter", "GpuScore", "NodeResourcesFit", "PodSpread");
    }

    @Test
    void aFailedBindingIsForgottenAndRetried() throws Exception {
        cluster.create(node("n1", "1", "8Gi"));
        start("spread", spread());
        cluster.failNext("bind", "Pod", FakeCluster.error(500, "InternalError", "store unavailable"));
        cluster.create(podBuilder("p", "800m", null).build());
        awaitBound("p");
        assertThat(cluster.actions("bind", "Pod")).hasSize(2);
        assertThat(events("p", "FailedScheduling")).singleElement()
                .satisfies(e -> assertThat(e.message()).startsWith("Binding rejected: "));
        // the assumption was dropped: a second pod of the same size does not fit next to it
        cluster.create(podBuilder("q", "800m", null).build());
        eventually("q unschedulable", TIMEOUT, () -> !events("q", "FailedScheduling").isEmpty());
        assertThat(events("q", "FailedScheduling").get(0).message())
                .isEqualTo("0/1 nodes are available: 1 Insufficient cpu.");
    }

    @Test
    void assumedPodsCountBeforeTheirBindingIsSeen() throws Exception {
        cluster.create(node("n1", "1", "8Gi"));
        cluster.create(node("n2", "1", "8Gi"));
        start("spread", spread());
        for (int i = 0; i < 4; i++) {
            cluster.create(podBuilder("p" + i, "500m", null).build());
        }
        awaitBound("p0", "p1", "p2", "p3");
        Map<String, Long> perNode = List.of("p0", "p1", "p2", "p3").stream()
                .collect(Collectors.groupingBy(this::nodeOf, Collectors.counting()));
        assertThat(perNode).containsExactlyInAnyOrderEntriesOf(Map.of("n1", 2L, "n2", 2L));
    }

    @Test
    void setDefaultProfileSwitchesAndPersists() throws Exception {
        cluster.create(node("n1", "4", "8Gi"));
        start("spread", spread(), binpack());
        assertThatThrownBy(() -> scheduler.setDefaultProfile("nope")).isInstanceOf(IllegalArgumentException.class);
        scheduler.setDefaultProfile("binpack");
        assertThat(scheduler.defaultProfile()).isEqualTo("binpack");
        assertThat(persisted).containsExactly("binpack");
        assertThat(scheduler.profiles()).filteredOn(ProfileInfo::isDefault).extracting(ProfileInfo::name)
                .containsExactly("binpack");
    }

    @Test
    void removingTheSelectedProfileFallsBackToTheConfiguredDefaultAndBackAgain() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) {
            cluster.create(node(n, "4", "8Gi"));
        }
        Profile binpack = binpack();
        start("spread", spread(), binpack);
        scheduler.setDefaultProfile("binpack");
        cluster.create(replica("a", "500m"));
        awaitBound("a");
        cluster.create(replica("b", "500m"));
        awaitBound("b");
        assertThat(nodeOf("b")).as("binpack joins the fullest node").isEqualTo(nodeOf("a"));

        // the selected strategy's bundle goes: the configured default serves, and says so on the pod
        scheduler.removeProfile(binpack);
        assertThat(scheduler.defaultProfile()).isEqualTo("spread");
        assertThat(scheduler.selectedProfile()).isEqualTo("binpack");
        assertThat(scheduler.profiles()).filteredOn(ProfileInfo::isDefault).extracting(ProfileInfo::name)
                .containsExactly("spread");
        cluster.create(replica("c", "500m"));
        awaitBound("c");
        assertThat(nodeOf("c")).as("spread picks an emptier node").isNotEqualTo(nodeOf("a"));
        eventually("fallback event", TIMEOUT, () -> !events("c", "ProfileFallback").isEmpty());
        assertThat(events("c", "ProfileFallback").get(0).type()).isEqualTo("Warning");
        assertThat(events("c", "ProfileFallback").get(0).message()).isEqualTo("no scheduling profile \"binpack\" is"
                + " installed; scheduling with the configured default profile \"spread\"");
        assertThat(events("a", "ProfileFallback")).isEmpty();

        // back: it serves again, without a new selection
        scheduler.addProfile(binpack());
        assertThat(scheduler.defaultProfile()).isEqualTo("binpack");
        cluster.create(replica("d", "500m"));
        awaitBound("d");
        assertThat(nodeOf("d")).isEqualTo(nodeOf("a"));
        assertThat(events("d", "ProfileFallback")).isEmpty();
        assertThat(persisted).containsExactly("binpack");
    }

    @Test
    void withoutTheSelectedProfileNorTheConfiguredDefaultPodsWaitWithAnEvent() throws Exception {
        cluster.create(node("n1", "4", "8Gi"));
        Profile binpack = binpack();
        start("spread", binpack);
        scheduler.setDefaultProfile("binpack");
        scheduler.removeProfile(binpack);
        cluster.create(podBuilder("p", null, null).build());
        eventually("missing profiles event", TIMEOUT, () -> !events("p", "FailedScheduling").isEmpty());
        assertThat(events("p", "FailedScheduling").get(0).message()).isEqualTo("no scheduling profile \"binpack\" is"
                + " installed; nor can the configured default: no scheduling profile \"spread\" is installed");
        assertThat(nodeOf("p")).isNull();

        scheduler.addProfile(spread());
        awaitBound("p");
        eventually("fallback event", TIMEOUT, () -> !events("p", "ProfileFallback").isEmpty());
    }

    @Test
    void aSelectedProfileMissingPluginsFallsBackToo() throws Exception {
        cluster.create(node("n1", "4", "8Gi"));
        start("spread", spread(), new Profile("gpu", List.of("NodeResourcesFit"), Map.of("GpuScore", 1)));
        scheduler.setDefaultProfile("gpu");
        assertThat(scheduler.defaultProfile()).isEqualTo("spread");
        cluster.create(podBuilder("p", null, null).build());
        awaitBound("p");
        eventually("fallback event", TIMEOUT, () -> !events("p", "ProfileFallback").isEmpty());
        assertThat(events("p", "ProfileFallback").get(0).message()).isEqualTo("profile \"gpu\" is not ready:"
                + " missing plugins [GpuScore]; scheduling with the configured default profile \"spread\"");
    }

    @Test
    void onlyTheLeaderSchedules() throws Exception {
        cluster.create(node("n1", "4", "8Gi"));
        AtomicBoolean leading = new AtomicBoolean(false);
        List<Consumer<Boolean>> listeners = new ArrayList<>();
        LeaderElection election = new LeaderElection() {
            @Override
            public boolean isLeader() {
                return leading.get();
            }

            @Override
            public AutoCloseable onChange(Consumer<Boolean> listener) {
                listeners.add(listener);
                return () -> listeners.remove(listener);
            }
        };
        start("spread", spread());
        scheduler.setLeaderElection(election);
        cluster.create(podBuilder("p", null, null).build());
        eventually("queued", TIMEOUT, () -> scheduler.queue().active() == 1);
        assertThat(nodeOf("p")).isNull();
        leading.set(true);
        listeners.forEach(l -> l.accept(true));
        awaitBound("p");
    }

    @Test
    void adaptivePercentageOfNodesToScore() {
        assertThat(Scheduler.numFeasibleNodesToFind(50, 0)).isEqualTo(50);
        assertThat(Scheduler.numFeasibleNodesToFind(1000, 0)).isEqualTo(420);
        assertThat(Scheduler.numFeasibleNodesToFind(5000, 0)).isEqualTo(500);
        assertThat(Scheduler.numFeasibleNodesToFind(10000, 0)).isEqualTo(500);
        assertThat(Scheduler.numFeasibleNodesToFind(1000, 5)).isEqualTo(100);
        assertThat(Scheduler.numFeasibleNodesToFind(1000, 100)).isEqualTo(1000);
    }
}
