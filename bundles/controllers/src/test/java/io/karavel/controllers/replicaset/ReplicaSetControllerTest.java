package io.karavel.controllers.replicaset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.Result;
import io.karavel.controllers.support.Pods;
import io.karavel.controllers.support.Times;
import io.karavel.testing.controller.Action;
import io.karavel.testing.controller.FakeCluster;
import io.karavel.testing.controller.FakeExpectations;
import io.karavel.testing.controller.FakeReconcileContext;
import io.karavel.testing.controller.RecordedEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaSetControllerTest {
    private static final ObjectKey KEY = new ObjectKey("default", "web");

    private final FakeCluster cluster = new FakeCluster();
    private final ReplicaSetController controller = new ReplicaSetController(1, 500);
    private final FakeReconcileContext context = cluster.context(controller.spec());

    private static ReplicaSet replicaSet(int replicas) {
        return new ReplicaSetBuilder()
                .withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate()
                .withNewMetadata().addToLabels("app", "web").addToLabels("tier", "front").endMetadata()
                .withNewSpec().addNewContainer().withName("nginx").withImage("nginx:1.27").endContainer().endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private ReplicaSet load(ReplicaSet rs) {
        cluster.load(rs);
        return stored();
    }

    private ReplicaSet stored() {
        return cluster.get(ReplicaSet.class, "default", "web").orElseThrow();
    }

    private List<Pod> pods() {
        return cluster.list(Pod.class, "default");
    }

    private static PodBuilder pod(String name, Map<String, String> labels) {
        return new PodBuilder()
                .withNewMetadata().withNamespace("default").withName(name).withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("nginx").withImage("nginx:1.27").endContainer().endSpec();
    }

    private static PodBuilder owned(PodBuilder pod, ReplicaSet rs) {
        return pod.editMetadata()
                .addNewOwnerReference()
                .withApiVersion("apps/v1").withKind("ReplicaSet").withName("web")
                .withUid(rs.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true)
                .endOwnerReference()
                .endMetadata();
    }

    /** Running on a node, with the Ready condition as given since {@code readySince}. */
    private static PodBuilder running(PodBuilder pod, boolean ready, String readySince) {
        return pod.editSpec().withNodeName("node-1").endSpec()
                .withNewStatus()
                .withPhase("Running")
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime(readySince).endCondition()
                .endStatus();
    }

    private void markAllReady() {
        for (Pod pod : pods()) {
            cluster.updateStatus(running(new PodBuilder(pod), true, Times.format(cluster.clock().instant())).build());
        }
    }

    @Test
    void createsMissingPodsFromTheTemplateWithAControllerReference() throws Exception {
        ReplicaSet rs = load(replicaSet(3));

        context.reconcile(controller, KEY);

        assertThat(pods()).hasSize(3).allSatisfy(pod -> {
            assertThat(pod.getMetadata().getName()).startsWith("web-");
            assertThat(pod.getMetadata().getGenerateName()).isEqualTo("web-");
            assertThat(pod.getMetadata().getLabels()).containsEntry("app", "web").containsEntry("tier", "front");
            OwnerReference ref = pod.getMetadata().getOwnerReferences().get(0);
            assertThat(ref.getKind()).isEqualTo("ReplicaSet");
            assertThat(ref.getApiVersion()).isEqualTo("apps/v1");
            assertThat(ref.getUid()).isEqualTo(rs.getMetadata().getUid());
            assertThat(ref.getController()).isTrue();
            assertThat(ref.getBlockOwnerDeletion()).isTrue();
            assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("nginx:1.27");
        });
        assertThat(cluster.events()).extracting(RecordedEvent::reason).containsExactly(
                "SuccessfulCreate", "SuccessfulCreate", "SuccessfulCreate");
        assertThat(cluster.events().get(0).message()).startsWith("Created pod: web-");

        // the pods' events bring it back: now the status counts them
        context.reconcile(controller, KEY);
        assertThat(stored().getStatus().getReplicas()).isEqualTo(3);
        assertThat(stored().getStatus().getFullyLabeledReplicas()).isEqualTo(3);
        assertThat(stored().getStatus().getReadyReplicas()).isZero();
        assertThat(stored().getStatus().getObservedGeneration()).isEqualTo(stored().getMetadata().getGeneration());
        assertThat(cluster.actions("create", "Pod")).hasSize(3);
    }

    @Test
    void expectationsPreventDuplicateCreatesWhileTheCacheLags() throws Exception {
        // a context that never observes the created pods, as if the informer had not caught up
        FakeReconcileContext lagging = cluster.context();
        load(replicaSet(3));

        lagging.reconcile(controller, KEY);
        assertThat(lagging.expectations().satisfied(KEY)).isFalse();
        // a second worker pass (e.g. an RS status event) must not create again
        lagging.reconcile(controller, KEY);
        assertThat(cluster.actions("create", "Pod")).hasSize(3);

        // expectations expire, after which the cache is trusted again: it has the three pods
        cluster.clock().advance(FakeExpectations.TTL.plusSeconds(1));
        lagging.reconcile(controller, KEY);
        assertThat(cluster.actions("create", "Pod")).hasSize(3);
    }

    @Test
    void observedCreationsSatisfyExpectations() throws Exception {
        load(replicaSet(2));
        context.reconcile(controller, KEY);
        assertThat(context.expectations().satisfied(KEY)).isTrue();
        cluster.delete(Pod.class, "default", pods().get(0).getMetadata().getName(), null);
        context.reconcile(controller, KEY);
        assertThat(pods()).hasSize(2);
        assertThat(cluster.actions("create", "Pod")).hasSize(3);
    }

    @Test
    void slowStartStopsAfterTheFirstFailedCreateAndReportsReplicaFailure() {
        load(replicaSet(5));
        cluster.failNext("create", "Pod", FakeCluster.error(403, "Forbidden", "exceeded quota: pods"));

        assertThatThrownBy(() -> context.reconcile(controller, KEY)).hasMessageContaining("exceeded quota");

        assertThat(cluster.actions("create", "Pod")).hasSize(1);
        assertThat(context.expectations().satisfied(KEY)).isTrue();
        assertThat(cluster.events()).extracting(RecordedEvent::reason).containsExactly("FailedCreate");
        assertThat(stored().getStatus().getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("ReplicaFailure");
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("FailedCreate");
        });

        // the retry succeeds: batches of 1, 2 and 2 create the five pods; the condition goes away
        cluster.clearActions();
        try {
            context.reconcile(controller, KEY);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(cluster.actions("create", "Pod")).hasSize(5);
        assertThat(stored().getStatus().getConditions()).isNullOrEmpty();
    }

    @Test
    void scaleDownDeletesUnscheduledThenPendingThenNotReadyThenNewestReadyFirst() throws Exception {
        ReplicaSet rs = load(replicaSet(5));
        Map<String, String> labels = Map.of("app", "web", "tier", "front");
        cluster.load(running(owned(pod("ready-old", labels), rs), true, "2025-12-31T10:00:00Z").build());
        cluster.load(running(owned(pod("ready-new", labels), rs), true, "2025-12-31T11:00:00Z").build());
        cluster.load(running(owned(pod("not-ready", labels), rs), false, "2025-12-31T11:00:00Z").build());
        cluster.load(owned(pod("pending", labels), rs).editSpec().withNodeName("node-1").endSpec()
                .withNewStatus().withPhase("Pending").endStatus().build());
        cluster.load(owned(pod("unscheduled", labels), rs).withNewStatus().withPhase("Pending").endStatus().build());
        context.reconcile(controller, KEY);
        assertThat(cluster.actions("delete", "Pod")).isEmpty();

        cluster.update(new ReplicaSetBuilder(stored()).editSpec().withReplicas(1).endSpec().build());
        context.reconcile(controller, KEY);

        assertThat(cluster.actions("delete", "Pod")).extracting(Action::name)
                .containsExactly("unscheduled", "pending", "not-ready", "ready-new");
        assertThat(pods()).extracting(p -> p.getMetadata().getName()).containsExactly("ready-old");
        assertThat(cluster.events()).filteredOn(e -> e.reason().equals("SuccessfulDelete")).hasSize(4);
    }

    @Test
    void adoptsMatchingOrphansAndReleasesOwnedPodsThatNoLongerMatch() throws Exception {
        ReplicaSet rs = load(replicaSet(2));
        cluster.load(pod("orphan", Map.of("app", "web")).build());
        cluster.load(owned(pod("relabelled", Map.of("app", "debug")), rs).build());
        cluster.load(pod("other", Map.of("app", "db")).build());

        context.reconcile(controller, KEY);

        Pod orphan = cluster.get(Pod.class, "default", "orphan").orElseThrow();
        assertThat(orphan.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
            assertThat(ref.getUid()).isEqualTo(rs.getMetadata().getUid());
            assertThat(ref.getController()).isTrue();
        });
        assertThat(cluster.get(Pod.class, "default", "relabelled").orElseThrow().getMetadata().getOwnerReferences())
                .isNullOrEmpty();
        assertThat(cluster.get(Pod.class, "default", "other").orElseThrow().getMetadata().getOwnerReferences())
                .isNullOrEmpty();
        // one adopted, one created
        assertThat(cluster.actions("create", "Pod")).hasSize(1);
        context.reconcile(controller, KEY);
        assertThat(stored().getStatus().getReplicas()).isEqualTo(2);
        // the adopted pod lacks the template's tier label
        assertThat(stored().getStatus().getFullyLabeledReplicas()).isEqualTo(1);
    }

    @Test
    void podsOwnedByAnotherControllerAreLeftAlone() throws Exception {
        load(replicaSet(1));
        cluster.load(pod("foreign", Map.of("app", "web")).editMetadata().addNewOwnerReference()
                .withApiVersion("apps/v1").withKind("ReplicaSet").withName("other").withUid("other-uid")
                .withController(true).endOwnerReference().endMetadata().build());

        context.reconcile(controller, KEY);

        assertThat(cluster.actions("create", "Pod")).hasSize(1);
        assertThat(cluster.actions("patch", "Pod")).isEmpty();
    }

    @Test
    void terminatingAndFinishedPodsAreReplaced() throws Exception {
        ReplicaSet rs = load(replicaSet(2));
        Map<String, String> labels = Map.of("app", "web", "tier", "front");
        cluster.load(owned(pod("done", labels), rs).withNewStatus().withPhase("Succeeded").endStatus().build());
        cluster.load(owned(pod("leaving", labels), rs).editMetadata()
                .withDeletionTimestamp("2025-12-31T10:00:00Z").withFinalizers("test/hold").endMetadata().build());

        context.reconcile(controller, KEY);

        assertThat(cluster.actions("create", "Pod")).hasSize(2);
        assertThat(cluster.actions("delete", "Pod")).isEmpty();
    }

    @Test
    void availabilityWaitsForMinReadySecondsAndRequeuesForIt() throws Exception {
        load(new ReplicaSetBuilder(replicaSet(2)).editSpec().withMinReadySeconds(10).endSpec().build());
        context.reconcile(controller, KEY);
        markAllReady();

        cluster.clock().advance(Duration.ofSeconds(4));
        Result result = context.reconcile(controller, KEY);
        assertThat(stored().getStatus().getReadyReplicas()).isEqualTo(2);
        assertThat(stored().getStatus().getAvailableReplicas()).isZero();
        assertThat(result.requeueAfter()).isEqualTo(Duration.ofSeconds(7));

        cluster.clock().advance(result.requeueAfter());
        result = context.reconcile(controller, KEY);
        assertThat(stored().getStatus().getAvailableReplicas()).isEqualTo(2);
        assertThat(result.requeueAfter()).isNull();
    }

    @Test
    void anUnchangedStatusIsNotRewritten() throws Exception {
        load(replicaSet(1));
        context.reconcile(controller, KEY);
        context.reconcile(controller, KEY);
        cluster.clearActions();
        context.reconcile(controller, KEY);
        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void aDeletedReplicaSetForgetsItsExpectations() throws Exception {
        load(replicaSet(2));
        FakeReconcileContext lagging = cluster.context();
        lagging.reconcile(controller, KEY);
        cluster.delete(ReplicaSet.class, "default", "web", null);
        assertThat(lagging.reconcile(controller, KEY).requeueAfter()).isNull();
        assertThat(lagging.expectations().satisfied(KEY)).isTrue();
    }

    @Test
    void orphanPodsMapToTheReplicaSetsSelectingThem() {
        load(replicaSet(1));
        Pod orphan = pod("orphan", Map.of("app", "web")).build();
        Pod stranger = pod("stranger", Map.of("app", "db")).build();
        assertThat(ReplicaSetController.replicaSetsForOrphan(orphan, cluster)).containsExactly(KEY);
        assertThat(ReplicaSetController.replicaSetsForOrphan(stranger, cluster)).isEmpty();
        assertThat(Pods.isActive(orphan)).isTrue();
    }

    @Test
    void aLostAdoptionPatchIsRetriedSoonNotReported() throws Exception {
        load(replicaSet(1));
        cluster.load(pod("orphan", Map.of("app", "web")).build());
        cluster.failNext("patch", "Pod", FakeCluster.error(409, "Conflict", "the object has been modified"));

        assertThat(context.reconcile(controller, KEY).requeueAfter()).isEqualTo(ReplicaSetController.CONFLICT_RETRY);
        assertThat(cluster.actions("create", "Pod")).isEmpty();

        context.reconcile(controller, KEY);
        assertThat(cluster.get(Pod.class, "default", "orphan").orElseThrow().getMetadata().getOwnerReferences()).hasSize(1);
        assertThat(cluster.actions("create", "Pod")).isEmpty();
    }
}
