package io.karavel.controllers.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.Result;
import io.karavel.testing.controller.FakeCluster;
import io.karavel.testing.controller.FakeReconcileContext;
import io.karavel.testing.controller.RecordedEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NodeLifecycleControllerTest {
    private static final ObjectKey NODE = ObjectKey.cluster("n1");

    private FakeCluster cluster;
    private NodeLifecycleController controller;
    private FakeReconcileContext context;
    private Instant start;

    @BeforeEach
    void setUp() {
        cluster = new FakeCluster();
        controller = new NodeLifecycleController(Duration.ofSeconds(40), Duration.ofSeconds(300), 1);
        context = cluster.context(controller.spec());
        start = cluster.clock().instant();
        cluster.load(readyNode("n1", "True"), lease("n1", start));
    }

    @Test
    void aNodeRenewingItsLeaseIsLeftAloneAndLookedAtAgainWhenItsLeaseWouldExpire() throws Exception {
        cluster.clock().advance(Duration.ofSeconds(10));

        Result result = context.reconcile(controller, NODE);

        assertThat(cluster.actions()).isEmpty();
        assertThat(result.requeueAfter()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aNodeWhoseLeaseExpiredIsMarkedUnknownAndTaintedUnreachable() throws Exception {
        cluster.load(pod("web", "n1", List.of()));
        cluster.clock().advance(Duration.ofSeconds(41));

        Result result = context.reconcile(controller, NODE);

        Node node = cluster.get(Node.class, null, "n1").orElseThrow();
        NodeCondition ready = condition(node, "Ready");
        assertThat(ready.getStatus()).isEqualTo("Unknown");
        assertThat(ready.getReason()).isEqualTo("NodeStatusUnknown");
        assertThat(ready.getMessage()).isEqualTo("Kubelet stopped posting node status.");
        assertThat(condition(node, "MemoryPressure").getStatus()).isEqualTo("Unknown");
        assertThat(node.getSpec().getTaints()).extracting(Taint::getKey, Taint::getEffect).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(NodeLifecycleController.UNREACHABLE, "NoSchedule"),
                org.assertj.core.groups.Tuple.tuple(NodeLifecycleController.UNREACHABLE, "NoExecute"));
        assertThat(node.getSpec().getTaints()).allSatisfy(t ->
                assertThat(t.getTimeAdded()).isEqualTo(start.plusSeconds(41).toString()));
        assertThat(cluster.actions("updateStatus", "Node")).hasSize(1);

        Pod pod = cluster.get(Pod.class, "default", "web").orElseThrow();
        assertThat(pod.getStatus().getConditions()).filteredOn(c -> c.getType().equals("Ready"))
                .singleElement().satisfies(c -> assertThat(c.getStatus()).isEqualTo("False"));
        assertThat(context.events().events()).extracting(RecordedEvent::reason).containsExactly("NodeNotReady");
        // Next deadline: the pod's default toleration of the unreachable taint.
        assertThat(result.requeueAfter()).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void aSecondPassOverAnUnreachableNodeWritesNothing() throws Exception {
        cluster.clock().advance(Duration.ofSeconds(41));
        context.reconcile(controller, NODE);
        cluster.clearActions();
        cluster.clock().advance(Duration.ofSeconds(5));

        context.reconcile(controller, NODE);

        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void aRenewedLeaseRemovesTheUnreachableTaints() throws Exception {
        cluster.clock().advance(Duration.ofSeconds(41));
        context.reconcile(controller, NODE);
        cluster.clock().advance(Duration.ofSeconds(5));
        Lease lease = cluster.get(Lease.class, "kube-node-lease", "n1").orElseThrow();
        cluster.update(new LeaseBuilder(lease).editSpec()
                .withRenewTime(cluster.clock().instant().atZone(ZoneOffset.UTC)).endSpec().build());

        Result result = context.reconcile(controller, NODE);

        Node node = cluster.get(Node.class, null, "n1").orElseThrow();
        assertThat(node.getSpec().getTaints()).isNullOrEmpty();
        assertThat(context.events().reasons()).containsExactly("NodeNotReady", "NodeReady");
        assertThat(result.requeueAfter()).isEqualTo(Duration.ofSeconds(40));
    }

    @Test
    void aNodeReportingNotReadyGetsTheNotReadyTaint() throws Exception {
        Node node = cluster.get(Node.class, null, "n1").orElseThrow();
        cluster.updateStatus(new NodeBuilder(node).editStatus().withConditions(
                new io.fabric8.kubernetes.api.model.NodeConditionBuilder(condition(node, "Ready")).withStatus("False").build()).endStatus().build());

        context.reconcile(controller, NODE);

        assertThat(cluster.get(Node.class, null, "n1").orElseThrow().getSpec().getTaints())
                .extracting(Taint::getKey, Taint::getEffect)
                .contains(org.assertj.core.groups.Tuple.tuple(NodeLifecycleController.NOT_READY, "NoExecute"));
        assertThat(context.events().reasons()).containsExactly("NodeNotReady");
    }

    @Test
    void podsAreEvictedWhenTheirTolerationRunsOut() throws Exception {
        Toleration sixtySeconds = new TolerationBuilder().withKey(NodeLifecycleController.UNREACHABLE)
                .withOperator("Exists").withEffect("NoExecute").withTolerationSeconds(60L).build();
        Toleration forever = new TolerationBuilder().withKey(NodeLifecycleController.UNREACHABLE)
                .withOperator("Exists").withEffect("NoExecute").build();
        cluster.load(pod("default-toleration", "n1", List.of()),
                pod("short-toleration", "n1", List.of(sixtySeconds)),
                pod("tolerates-forever", "n1", List.of(forever)),
                pod("elsewhere", "n2", List.of()));
        cluster.clock().advance(Duration.ofSeconds(41));

        Result first = context.reconcile(controller, NODE);
        assertThat(first.requeueAfter()).isEqualTo(Duration.ofSeconds(60));
        assertThat(cluster.actions("delete", "Pod")).isEmpty();

        cluster.clock().advance(Duration.ofSeconds(60));
        Result second = context.reconcile(controller, NODE);
        assertThat(cluster.actions("delete", "Pod")).extracting(a -> a.name()).containsExactly("short-toleration");
        assertThat(second.requeueAfter()).isEqualTo(Duration.ofSeconds(240));

        cluster.clock().advance(Duration.ofSeconds(240));
        Result third = context.reconcile(controller, NODE);
        assertThat(cluster.actions("delete", "Pod")).extracting(a -> a.name())
                .containsExactly("short-toleration", "default-toleration");
        assertThat(cluster.get(Pod.class, "default", "tolerates-forever")).isPresent();
        assertThat(cluster.get(Pod.class, "default", "elsewhere")).isPresent();
        assertThat(context.events().events()).filteredOn(e -> e.reason().equals("TaintManagerEviction"))
                .extracting(e -> e.regarding().getMetadata().getName())
                .containsExactly("short-toleration", "default-toleration");
        assertThat(third.requeueAfter()).isNull();
    }

    @Test
    void aCordonedNodeIsTaintedUnschedulableUntilUncordoned() throws Exception {
        Node node = cluster.get(Node.class, null, "n1").orElseThrow();
        cluster.update(new NodeBuilder(node).editSpec().withUnschedulable(true).endSpec().build());

        context.reconcile(controller, NODE);
        Node cordoned = cluster.get(Node.class, null, "n1").orElseThrow();
        assertThat(cordoned.getSpec().getTaints()).extracting(Taint::getKey, Taint::getEffect)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(NodeLifecycleController.UNSCHEDULABLE, "NoSchedule"));

        cluster.update(new NodeBuilder(cordoned).editSpec().withUnschedulable(false).endSpec().build());
        context.reconcile(controller, NODE);
        assertThat(cluster.get(Node.class, null, "n1").orElseThrow().getSpec().getTaints()).isNullOrEmpty();
    }

    @Test
    void taintsSetByUsersAreKept() throws Exception {
        Node node = cluster.get(Node.class, null, "n1").orElseThrow();
        cluster.update(new NodeBuilder(node).editSpec().addNewTaint().withKey("dedicated").withValue("db")
                .withEffect("NoSchedule").endTaint().withUnschedulable(true).endSpec().build());

        context.reconcile(controller, NODE);

        assertThat(cluster.get(Node.class, null, "n1").orElseThrow().getSpec().getTaints())
                .extracting(Taint::getKey).containsExactly("dedicated", NodeLifecycleController.UNSCHEDULABLE);
    }

    @Test
    void podsOnlyMapToTheirNodeWhileItHasANoExecuteTaint() throws Exception {
        Pod pod = pod("web", "n1", List.of());
        var podWatch = controller.spec().watches().stream().filter(w -> w.kind() == Pod.class).findFirst().orElseThrow();
        assertThat(podWatch.mapper().keys(pod, cluster)).isEmpty();

        cluster.clock().advance(Duration.ofSeconds(41));
        context.reconcile(controller, NODE);

        assertThat(podWatch.mapper().keys(pod, cluster)).containsExactly(NODE);
    }

    @Test
    void tolerationMatchingFollowsKubernetes() {
        Taint taint = new io.fabric8.kubernetes.api.model.TaintBuilder().withKey("k").withValue("v").withEffect("NoExecute").build();
        assertThat(Taints.tolerates(new TolerationBuilder().withOperator("Exists").build(), taint)).isTrue();
        assertThat(Taints.tolerates(new TolerationBuilder().withKey("k").withValue("v").build(), taint)).isTrue();
        assertThat(Taints.tolerates(new TolerationBuilder().withKey("k").withValue("w").build(), taint)).isFalse();
        assertThat(Taints.tolerates(new TolerationBuilder().withKey("k").withOperator("Exists").withEffect("NoSchedule").build(), taint)).isFalse();
        assertThat(Taints.tolerates(new TolerationBuilder().withKey("other").withOperator("Exists").build(), taint)).isFalse();
    }

    private Node readyNode(String name, String readyStatus) {
        String now = start.toString();
        return new NodeBuilder()
                .withNewMetadata().withName(name).withCreationTimestamp(now).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus()
                .addNewCondition().withType("Ready").withStatus(readyStatus).withReason("KubeletReady")
                .withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition()
                .addNewCondition().withType("MemoryPressure").withStatus("False").withReason("KubeletHasSufficientMemory")
                .withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition()
                .endStatus()
                .build();
    }

    private static Lease lease(String name, Instant renewed) {
        return new LeaseBuilder()
                .withNewMetadata().withNamespace("kube-node-lease").withName(name).endMetadata()
                .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40)
                .withRenewTime(renewed.atZone(ZoneOffset.UTC)).endSpec()
                .build();
    }

    private static Pod pod(String name, String nodeName, List<Toleration> tolerations) {
        return new PodBuilder()
                .withNewMetadata().withNamespace("default").withName(name).endMetadata()
                .withNewSpec().withNodeName(nodeName).withTolerations(tolerations)
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .withNewStatus().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus()
                .build();
    }

    private static NodeCondition condition(Node node, String type) {
        return node.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }
}
