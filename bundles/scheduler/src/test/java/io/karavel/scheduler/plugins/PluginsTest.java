package io.karavel.scheduler.plugins;

import static io.karavel.scheduler.plugins.Fixtures.info;
import static io.karavel.scheduler.plugins.Fixtures.node;
import static io.karavel.scheduler.plugins.Fixtures.nodeBuilder;
import static io.karavel.scheduler.plugins.Fixtures.nodeInfo;
import static io.karavel.scheduler.plugins.Fixtures.pod;
import static io.karavel.scheduler.plugins.Fixtures.podBuilder;
import static io.karavel.scheduler.plugins.Fixtures.scores;
import static io.karavel.scheduler.plugins.Fixtures.taint;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.Resources;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PluginsTest {

    private static Pod withHostPort(String name, int port, String ip) {
        return podBuilder(name, null, null).editSpec().withContainers(new ContainerBuilder().withName("c")
                .withPorts(new ContainerPortBuilder().withContainerPort(80).withHostPort(port).withHostIP(ip).build())
                .build()).endSpec().build();
    }

    private static Pod ownedBy(String name, String uid) {
        return podBuilder(name, "100m", "100Mi").editMetadata().withOwnerReferences(new OwnerReferenceBuilder()
                .withApiVersion("apps/v1").withKind("ReplicaSet").withName("rs-" + uid).withUid(uid)
                .withController(true).build()).endMetadata().build();
    }

    @Test
    void requestsAreMaxOfInitAndSumOfContainersPlusOverhead() {
        Pod p = podBuilder("p", "200m", "100Mi").editSpec()
                .addNewContainer().withName("b").withNewResources().addToRequests("cpu", new Quantity("300m")).endResources().endContainer()
                .addNewInitContainer().withName("i").withNewResources().addToRequests("cpu", new Quantity("1"))
                .addToRequests("memory", new Quantity("50Mi")).endResources().endInitContainer()
                .withOverhead(Map.of("memory", new Quantity("10Mi")))
                .endSpec().build();
        assertThat(Pods.requests(p)).isEqualTo(new Resources(1000, 110L * 1024 * 1024, 1));
    }

    @Test
    void nodeResourcesFitReportsEachShortage() {
        NodeResourcesFit fit = new NodeResourcesFit();
        NodeInfo node = nodeInfo(node("n", "2", "4Gi"), pod("a", "1500m", "1Gi"));
        assertThat(fit.filter(info(pod("small", "500m", "1Gi")), node).isSuccess()).isTrue();
        FilterStatus both = fit.filter(info(pod("big", "1", "4Gi")), node);
        assertThat(both.code()).isEqualTo(FilterStatus.Code.UNSCHEDULABLE);
        assertThat(both.reasons()).containsExactly("Insufficient cpu", "Insufficient memory");

        NodeInfo full = nodeInfo(nodeBuilder("f", "2", "4Gi").editStatus()
                .addToAllocatable("pods", new Quantity("1")).endStatus().build(), pod("a", null, null));
        assertThat(fit.filter(info(pod("b", null, null)), full).reasons()).containsExactly("Too many pods");
    }

    @Test
    void taintTolerationFiltersHardTaintsAndScoresSoftOnes() {
        TaintToleration plugin = new TaintToleration();
        NodeInfo tainted = nodeInfo(nodeBuilder("t", "2", "4Gi").editSpec()
                .addToTaints(taint("node.kubernetes.io/unreachable", null, "NoExecute")).endSpec().build());
        FilterStatus status = plugin.filter(info(pod("p", null, null)), tainted);
        assertThat(status.code()).isEqualTo(FilterStatus.Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        assertThat(status.reasons()).containsExactly("node(s) had untolerated taint {node.kubernetes.io/unreachable: }");

        Pod tolerant = podBuilder("t", null, null).editSpec()
                .addToTolerations(new Toleration("NoExecute", "node.kubernetes.io/unreachable", "Exists", null, null))
                .endSpec().build();
        assertThat(plugin.filter(info(tolerant), tainted).isSuccess()).isTrue();

        NodeInfo clean = nodeInfo(node("c", "2", "4Gi"));
        NodeInfo soft = nodeInfo(nodeBuilder("s", "2", "4Gi").editSpec()
                .addToTaints(taint("a", "1", "PreferNoSchedule"), taint("b", "2", "PreferNoSchedule")).endSpec().build());
        NodeInfo softer = nodeInfo(nodeBuilder("s1", "2", "4Gi").editSpec()
                .addToTaints(taint("a", "1", "PreferNoSchedule")).endSpec().build());
        assertThat(plugin.filter(info(pod("p", null, null)), soft).isSuccess()).isTrue();
        assertThat(scores(plugin, info(pod("p", null, null)), List.of(clean, soft, softer))).containsExactly(100, 0, 50);
    }

    @Test
    void nodeAffinityFiltersSelectorAndRequiredTermsAndScoresPreferred() {
        NodeAffinity plugin = new NodeAffinity();
        NodeInfo ssd = nodeInfo(nodeBuilder("ssd", "2", "4Gi").editMetadata().addToLabels("disk", "ssd").endMetadata().build());
        NodeInfo hdd = nodeInfo(nodeBuilder("hdd", "2", "4Gi").editMetadata().addToLabels("disk", "hdd").endMetadata().build());
        Pod selector = podBuilder("p", null, null).editSpec().addToNodeSelector("disk", "ssd").endSpec().build();
        assertThat(plugin.filter(info(selector), ssd).isSuccess()).isTrue();
        assertThat(plugin.filter(info(selector), hdd).reasons()).containsExactly("node(s) didn't match Pod's node affinity/selector");

        Pod required = podBuilder("r", null, null).editSpec().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addToNodeSelectorTerms(new NodeSelectorTermBuilder().addToMatchExpressions(
                        new NodeSelectorRequirementBuilder().withKey("disk").withOperator("In").withValues("hdd").build()).build())
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(10)
                .withPreference(new NodeSelectorTermBuilder().addToMatchExpressions(
                        new NodeSelectorRequirementBuilder().withKey("disk").withOperator("In").withValues("ssd").build()).build())
                .endPreferredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity().endAffinity().endSpec().build();
        assertThat(plugin.filter(info(required), hdd).isSuccess()).isTrue();
        assertThat(plugin.filter(info(required), ssd).isSuccess()).isFalse();
        assertThat(scores(plugin, info(required), List.of(ssd, hdd))).containsExactly(100, 0);
    }

    @Test
    void filtersThatDoNotApplyToThePodSkipIt() {
        NodeInfo node = nodeInfo(node("n", "2", "4Gi"));
        var plain = info(pod("p", null, null));
        assertThat(new NodeAffinity().filter(plain, node).code()).isEqualTo(FilterStatus.Code.SKIP);
        assertThat(new NodePorts().filter(plain, node).code()).isEqualTo(FilterStatus.Code.SKIP);
        assertThat(new NodeName().filter(plain, node).code()).isEqualTo(FilterStatus.Code.SKIP);
        assertThat(new NodeResourcesFit().filter(plain, node).code()).isEqualTo(FilterStatus.Code.SUCCESS);
    }

    @Test
    void nodeUnschedulableUnlessTolerated() {
        NodeUnschedulable plugin = new NodeUnschedulable();
        NodeInfo cordoned = nodeInfo(nodeBuilder("c", "2", "4Gi").editSpec().withUnschedulable(true).endSpec().build());
        assertThat(plugin.filter(info(pod("p", null, null)), cordoned).reasons()).containsExactly("node(s) were unschedulable");
        Pod tolerant = podBuilder("t", null, null).editSpec()
                .addToTolerations(new Toleration("NoSchedule", "node.kubernetes.io/unschedulable", "Exists", null, null))
                .endSpec().build();
        assertThat(plugin.filter(info(tolerant), cordoned).isSuccess()).isTrue();
        assertThat(plugin.filter(info(pod("p", null, null)), nodeInfo(node("n", "1", "1Gi"))).isSuccess()).isTrue();
    }

    @Test
    void nodeReadyNeedsTheReadyCondition() {
        NodeReady plugin = new NodeReady();
        NodeInfo notReady = nodeInfo(nodeBuilder("n", "2", "4Gi").editStatus().withConditions().addNewCondition()
                .withType("Ready").withStatus("Unknown").endCondition().endStatus().build());
        assertThat(plugin.filter(info(pod("p", null, null)), notReady).reasons()).containsExactly("node(s) were not ready");
        assertThat(plugin.filter(info(pod("p", null, null)), nodeInfo(node("r", "1", "1Gi"))).isSuccess()).isTrue();
    }

    @Test
    void nodeNameHonoursTheRequestedNode() {
        NodeName plugin = new NodeName();
        Pod wants = podBuilder("p", null, null).editMetadata().addToAnnotations(NodeName.ANNOTATION, "a").endMetadata().build();
        assertThat(plugin.filter(info(wants), nodeInfo(node("a", "1", "1Gi"))).isSuccess()).isTrue();
        assertThat(plugin.filter(info(wants), nodeInfo(node("b", "1", "1Gi"))).reasons())
                .containsExactly("node(s) didn't match the requested node name");
    }

    @Test
    void nodePortsConflictOnSamePortAndOverlappingIp() {
        NodePorts plugin = new NodePorts();
        NodeInfo node = nodeInfo(node("n", "2", "4Gi"), withHostPort("a", 8080, "10.0.0.1"));
        assertThat(plugin.filter(info(withHostPort("b", 8080, "10.0.0.1")), node).reasons())
                .containsExactly("node(s) didn't have free ports for the requested pod ports");
        assertThat(plugin.filter(info(withHostPort("c", 8080, null)), node).isSuccess()).isFalse();
        assertThat(plugin.filter(info(withHostPort("d", 8080, "10.0.0.2")), node).isSuccess()).isTrue();
        assertThat(plugin.filter(info(withHostPort("e", 9090, null)), node).isSuccess()).isTrue();
    }

    @Test
    void resourceScoresRankEmptyFullAndBalancedNodes() {
        NodeInfo empty = nodeInfo(node("empty", "4", "8Gi"));
        NodeInfo half = nodeInfo(node("half", "4", "8Gi"), pod("a", "2", "4Gi"));
        NodeInfo skewed = nodeInfo(node("skewed", "4", "8Gi"), pod("b", "3", "1Gi"));
        var p = info(pod("p", "1", "2Gi"));
        List<NodeInfo> nodes = List.of(empty, half, skewed);
        assertThat(scores(new NodeResourcesLeastAllocated(), p, nodes)).containsExactly(75, 25, 31);
        assertThat(scores(new NodeResourcesMostAllocated(), p, nodes)).containsExactly(25, 75, 68);
        long[] balanced = scores(new NodeResourcesBalancedAllocation(), p, nodes);
        assertThat(balanced[0]).isEqualTo(100);
        assertThat(balanced[1]).isEqualTo(100);
        assertThat(balanced[2]).isLessThan(100);
    }

    @Test
    void podSpreadPrefersNodesWithFewerPodsOfTheSameController() {
        PodSpread plugin = new PodSpread();
        NodeInfo two = nodeInfo(node("two", "4", "8Gi"), ownedBy("a", "rs1"), ownedBy("b", "rs1"));
        NodeInfo one = nodeInfo(node("one", "4", "8Gi"), ownedBy("c", "rs1"), ownedBy("x", "other"));
        NodeInfo none = nodeInfo(node("none", "4", "8Gi"), ownedBy("y", "other"));
        assertThat(scores(plugin, info(ownedBy("new", "rs1")), List.of(two, one, none))).containsExactly(0, 50, 100);
        assertThat(scores(plugin, info(pod("loose", null, null)), List.of(two, one, none))).containsExactly(100, 100, 100);
    }
}
