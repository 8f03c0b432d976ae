package io.karavel.controllers.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.Result;
import io.karavel.controllers.replicaset.ReplicaSetController;
import io.karavel.controllers.support.Pods;
import io.karavel.controllers.support.Times;
import io.karavel.testing.controller.FakeCluster;
import io.karavel.testing.controller.FakeReconcileContext;
import io.karavel.testing.controller.RecordedEvent;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The Deployment controller against a fake cluster, with the ReplicaSet controller and a
 * "kubelet" that marks pods ready driving the pods, one round of the loops at a time.
 */
class DeploymentControllerTest {
    private static final ObjectKey KEY = new ObjectKey("default", "web");

    private final FakeCluster cluster = new FakeCluster();
    private final DeploymentController controller = new DeploymentController(1);
    private final ReplicaSetController replicaSets = new ReplicaSetController(1, 500);
    private final FakeReconcileContext context = cluster.context(controller.spec());
    private final FakeReconcileContext rsContext = cluster.context(replicaSets.spec());

    private static Deployment deployment(int replicas, String image) {
        return new DeploymentBuilder()
                .withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate()
                .withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(image).endContainer().endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static Deployment rolling(Deployment d, Object maxSurge, Object maxUnavailable) {
        return new DeploymentBuilder(d).editSpec().withNewStrategy().withType("RollingUpdate")
                .withNewRollingUpdate()
                .withMaxSurge(intOrString(maxSurge))
                .withMaxUnavailable(intOrString(maxUnavailable))
                .endRollingUpdate().endStrategy().endSpec().build();
    }

    private static IntOrString intOrString(Object value) {
        return value instanceof Integer i ? new IntOrString(i) : new IntOrString((String) value);
    }

    private Deployment stored() {
        return cluster.get(Deployment.class, "default", "web").orElseThrow();
    }

    private void edit(UnaryOperator<DeploymentBuilder> change) {
        cluster.update(change.apply(new DeploymentBuilder(stored())).build());
    }

    private void setImage(String image) {
        edit(b -> b.editSpec().editTemplate().editSpec().editFirstContainer().withImage(image)
                .endContainer().endSpec().endTemplate().endSpec());
    }

    private List<ReplicaSet> replicaSets() {
        return cluster.list(ReplicaSet.class, "default");
    }

    private ReplicaSet replicaSetWithImage(String image) {
        return replicaSets().stream()
                .filter(rs -> rs.getSpec().getTemplate().getSpec().getContainers().get(0).getImage().equals(image))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no ReplicaSet for " + image + " in " + replicaSets()));
    }

    private static int replicas(ReplicaSet rs) {
        return rs.getSpec().getReplicas();
    }

    private List<Pod> activePods() {
        return cluster.list(Pod.class, "default").stream().filter(Pods::isActive).toList();
    }

    private Result reconcile() throws Exception {
        return context.reconcile(controller, KEY);
    }

    private void syncReplicaSets() throws Exception {
        for (ReplicaSet rs : replicaSets()) {
            rsContext.reconcile(replicaSets, ObjectKey.of(rs));
        }
    }

    /** What a kubelet would do: every pod runs and turns ready now. */
    private void podsBecomeReady() {
        for (Pod pod : activePods()) {
            if (!Pods.isPodReady(pod)) {
                cluster.updateStatus(new PodBuilder(pod).withNewStatus().withPhase("Running")
                        .addNewCondition().withType("Ready").withStatus("True")
                        .withLastTransitionTime(Times.format(cluster.clock().instant())).endCondition()
                        .endStatus().build());
            }
        }
    }

    /** One round: the Deployment, the ReplicaSets (pods), the kubelet, the ReplicaSets (status). */
    private void round(boolean podsBecomeReady) throws Exception {
        reconcile();
        syncReplicaSets();
        if (podsBecomeReady) {
            podsBecomeReady();
        }
        syncReplicaSets();
        cluster.clock().advance(Duration.ofSeconds(1));
    }

    private void rollOut() throws Exception {
        for (int i = 0; i < 30 && !rolloutDone(stored()); i++) {
            round(true);
        }
        reconcile();
        assertThat(rolloutDone(stored())).as("rollout done: %s", stored().getStatus()).isTrue();
    }

    /** KUBE-API.md: when {@code kubectl rollout status} reports success. */
    private static boolean rolloutDone(Deployment d) {
        var s = d.getStatus();
        if (s == null || s.getObservedGeneration() == null || d.getMetadata().getGeneration() > s.getObservedGeneration()) {
            return false;
        }
        DeploymentCondition progressing = condition(d, "Progressing");
        if (progressing != null && "ProgressDeadlineExceeded".equals(progressing.getReason())) {
            return false;
        }
        int updated = nz(s.getUpdatedReplicas());
        return updated >= d.getSpec().getReplicas()
                && nz(s.getReplicas()) <= updated
                && nz(s.getAvailableReplicas()) >= updated;
    }

    private static int nz(Integer value) {
        return value == null ? 0 : value;
    }

    private static DeploymentCondition condition(Deployment d, String type) {
        if (d.getStatus() == null || d.getStatus().getConditions() == null) {
            return null;
        }
        return d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static String revisionOf(HasMetadata object) {
        var annotations = object.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(Rollouts.REVISION);
    }

    @Test
    void createsAReplicaSetNamedByTheTemplateHash() throws Exception {
        cluster.load(new DeploymentBuilder(deployment(3, "nginx:1.26")).editMetadata()
                .addToAnnotations(Rollouts.CHANGE_CAUSE, "first").endMetadata().build());

        reconcile();

        ReplicaSet rs = replicaSets().get(0);
        String hash = rs.getMetadata().getLabels().get("pod-template-hash");
        assertThat(hash).isNotEmpty().matches("[bcdfghjklmnpqrstvwxz2456789]+");
        assertThat(hash).isEqualTo(PodTemplates.hash(stored().getSpec().getTemplate(), null));
        assertThat(rs.getMetadata().getName()).isEqualTo("web-" + hash);
        assertThat(rs.getSpec().getSelector().getMatchLabels()).containsEntry("app", "web").containsEntry("pod-template-hash", hash);
        assertThat(rs.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("pod-template-hash", hash);
        assertThat(rs.getSpec().getReplicas()).isEqualTo(3);
        assertThat(rs.getMetadata().getAnnotations())
                .containsEntry(Rollouts.REVISION, "1")
                .containsEntry(Rollouts.DESIRED_REPLICAS, "3")
                .containsEntry(Rollouts.MAX_REPLICAS, "4")
                .containsEntry(Rollouts.CHANGE_CAUSE, "first");
        assertThat(rs.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
            assertThat(ref.getKind()).isEqualTo("Deployment");
            assertThat(ref.getUid()).isEqualTo(stored().getMetadata().getUid());
            assertThat(ref.getController()).isTrue();
            assertThat(ref.getBlockOwnerDeletion()).isTrue();
        });
        assertThat(revisionOf(stored())).isEqualTo("1");
        assertThat(condition(stored(), "Progressing").getReason()).isEqualTo("NewReplicaSetCreated");
        assertThat(cluster.events()).extracting(RecordedEvent::message)
                .contains("Scaled up replica set web-" + hash + " to 3");
        assertThat(rolloutDone(stored())).isFalse();
    }

    @Test
    void aCompleteRolloutReportsWhatRolloutStatusWaitsFor() throws Exception {
        cluster.load(deployment(3, "nginx:1.26"));

        rollOut();

        Deployment d = stored();
        assertThat(d.getStatus().getObservedGeneration()).isEqualTo(d.getMetadata().getGeneration());
        assertThat(d.getStatus().getReplicas()).isEqualTo(3);
        assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(3);
        assertThat(d.getStatus().getReadyReplicas()).isEqualTo(3);
        assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(3);
        assertThat(d.getStatus().getUnavailableReplicas()).isZero();
        DeploymentCondition available = condition(d, "Available");
        assertThat(available.getStatus()).isEqualTo("True");
        assertThat(available.getReason()).isEqualTo("MinimumReplicasAvailable");
        DeploymentCondition progressing = condition(d, "Progressing");
        assertThat(progressing.getStatus()).isEqualTo("True");
        assertThat(progressing.getReason()).isEqualTo("NewReplicaSetAvailable");
        assertThat(progressing.getLastUpdateTime()).isNotNull();
        assertThat(progressing.getLastTransitionTime()).isNotNull();
        assertThat(activePods()).hasSize(3);

        // settled: nothing more to write
        cluster.clearActions();
        assertThat(reconcile().requeueAfter()).isNull();
        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void rollingUpdateStaysWithinMaxSurgeAndMaxUnavailable() throws Exception {
        cluster.load(rolling(deployment(4, "nginx:1.26"), 1, 0));
        rollOut();

        setImage("nginx:1.27");
        for (int i = 0; i < 30 && !rolloutDone(stored()); i++) {
            reconcile();
            int total = replicaSets().stream().mapToInt(DeploymentControllerTest::replicas).sum();
            assertThat(total).as("replicas of all ReplicaSets").isLessThanOrEqualTo(5);
            syncReplicaSets();
            assertThat(activePods()).hasSizeLessThanOrEqualTo(5);
            assertThat(activePods().stream().filter(Pods::isPodReady).count()).as("ready pods").isGreaterThanOrEqualTo(4);
            podsBecomeReady();
            syncReplicaSets();
            cluster.clock().advance(Duration.ofSeconds(1));
        }
        reconcile();

        assertThat(rolloutDone(stored())).isTrue();
        assertThat(replicas(replicaSetWithImage("nginx:1.27"))).isEqualTo(4);
        assertThat(replicas(replicaSetWithImage("nginx:1.26"))).isZero();
        assertThat(activePods()).hasSize(4).allSatisfy(p ->
                assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo("nginx:1.27"));
        assertThat(revisionOf(stored())).isEqualTo("2");
        assertThat(revisionOf(replicaSetWithImage("nginx:1.27"))).isEqualTo("2");
        assertThat(cluster.events()).extracting(RecordedEvent::message)
                .contains("Scaled down replica set " + replicaSetWithImage("nginx:1.26").getMetadata().getName() + " to 0");
    }

    @Test
    void percentagesRoundSurgeUpAndUnavailableDown() throws Exception {
        // 25% of 10: surge 3 (2.5 rounded up), unavailable 2 (rounded down)
        cluster.load(deployment(10, "nginx:1.26"));
        rollOut();

        setImage("nginx:1.27");
        reconcile();

        assertThat(replicas(replicaSetWithImage("nginx:1.27"))).isEqualTo(3);
        assertThat(replicas(replicaSetWithImage("nginx:1.26"))).isEqualTo(8);
        // the two old pods are gone: the new ReplicaSet may surge into their place (10 + 3 = 13),
        // but the old one may not shrink below 10 - 2 available until new pods become available
        syncReplicaSets();
        syncReplicaSets();
        reconcile();
        assertThat(replicas(replicaSetWithImage("nginx:1.27"))).isEqualTo(5);
        assertThat(replicas(replicaSetWithImage("nginx:1.26"))).isEqualTo(8);
        syncReplicaSets();
        syncReplicaSets();
        reconcile();
        assertThat(replicas(replicaSetWithImage("nginx:1.27"))).isEqualTo(5);
        assertThat(replicas(replicaSetWithImage("nginx:1.26"))).isEqualTo(8);
        assertThat(condition(stored(), "Available").getStatus()).isEqualTo("True");
        assertThat(rolloutDone(stored())).isFalse();

        rollOut();
        assertThat(replicas(replicaSetWithImage("nginx:1.27"))).isEqualTo(10);
    }

    @Test
    void recreateScalesTheOldReplicaSetDownBeforeCreatingTheNewOne() throws Exception {
        cluster.load(new DeploymentBuilder(deployment(2, "nginx:1.26"))
                .editSpec().withNewStrategy().withType("Recreate").endStrategy().endSpec().build());
        rollOut();

        setImage("nginx:1.27");
        reconcile();
        assertThat(replicaSets()).hasSize(1);
        assertThat(replicas(replicaSetWithImage("nginx:1.26"))).isZero();

        // the old pods still run: no new ReplicaSet yet
        reconcile();
        assertThat(replicaSets()).hasSize(1);

        syncReplicaSets();
        assertThat(activePods()).isEmpty();
        // the old ReplicaSet's status still counts the pods it just deleted
        reconcile();
        assertThat(replicaSets()).hasSize(1);
        syncReplicaSets();
        reconcile();
        assertThat(replicas(replicaSetWithImage("nginx:1.27"))).isEqualTo(2);

        rollOut();
        assertThat(activePods()).hasSize(2);
    }

    @Test
    void rollbackToAnEarlierTemplateReusesItsReplicaSetWithANewRevision() throws Exception {
        cluster.load(deployment(2, "nginx:1.26"));
        rollOut();
        String firstName = replicaSetWithImage("nginx:1.26").getMetadata().getName();
        setImage("nginx:1.27");
        rollOut();
        assertThat(revisionOf(stored())).isEqualTo("2");

        // kubectl rollout undo: the deployment's template is patched back from the revision-1 ReplicaSet
        int creates = cluster.actions("create", "ReplicaSet").size();
        setImage("nginx:1.26");
        rollOut();

        assertThat(cluster.actions("create", "ReplicaSet")).hasSize(creates);
        ReplicaSet reused = replicaSetWithImage("nginx:1.26");
        assertThat(reused.getMetadata().getName()).isEqualTo(firstName);
        assertThat(revisionOf(reused)).isEqualTo("3");
        assertThat(reused.getMetadata().getAnnotations()).containsEntry(Rollouts.REVISION_HISTORY, "1");
        assertThat(replicas(reused)).isEqualTo(2);
        assertThat(replicas(replicaSetWithImage("nginx:1.27"))).isZero();
        assertThat(revisionOf(stored())).isEqualTo("3");
    }

    @Test
    void aPausedDeploymentScalesButDoesNotRollOut() throws Exception {
        cluster.load(deployment(2, "nginx:1.26"));
        rollOut();

        edit(b -> b.editSpec().withPaused(true).endSpec());
        reconcile();
        DeploymentCondition paused = condition(stored(), "Progressing");
        assertThat(paused.getReason()).isEqualTo("DeploymentPaused");
        assertThat(paused.getStatus()).isEqualTo("Unknown");

        setImage("nginx:1.27");
        edit(b -> b.editSpec().withReplicas(4).endSpec());
        round(true);
        round(true);
        assertThat(replicaSets()).hasSize(1);
        assertThat(replicas(replicaSetWithImage("nginx:1.26"))).isEqualTo(4);
        assertThat(activePods()).hasSize(4);
        assertThat(stored().getStatus().getObservedGeneration()).isEqualTo(stored().getMetadata().getGeneration());

        edit(b -> b.editSpec().withPaused(false).endSpec());
        rollOut();
        assertThat(replicas(replicaSetWithImage("nginx:1.27"))).isEqualTo(4);
        assertThat(condition(stored(), "Progressing").getReason()).isEqualTo("NewReplicaSetAvailable");
    }

    @Test
    void scalingACompleteDeploymentScalesItsReplicaSet() throws Exception {
        cluster.load(deployment(3, "nginx:1.26"));
        rollOut();

        edit(b -> b.editSpec().withReplicas(5).endSpec());
        reconcile();

        ReplicaSet rs = replicaSetWithImage("nginx:1.26");
        assertThat(replicas(rs)).isEqualTo(5);
        assertThat(rs.getMetadata().getAnnotations()).containsEntry(Rollouts.DESIRED_REPLICAS, "5");
        assertThat(cluster.events()).extracting(RecordedEvent::message)
                .contains("Scaled up replica set " + rs.getMetadata().getName() + " to 5");
        rollOut();
        assertThat(activePods()).hasSize(5);
    }

    @Test
    void scalingDuringARolloutIsSpreadOverBothReplicaSets() throws Exception {
        cluster.load(deployment(10, "nginx:1.26"));
        rollOut();
        setImage("nginx:1.27");
        reconcile();
        assertThat(replicas(replicaSetWithImage("nginx:1.27")) + replicas(replicaSetWithImage("nginx:1.26"))).isEqualTo(11);

        edit(b -> b.editSpec().withReplicas(20).endSpec());
        reconcile();

        // 20 + 25% surge = 25, added to both in proportion
        int newer = replicas(replicaSetWithImage("nginx:1.27"));
        int older = replicas(replicaSetWithImage("nginx:1.26"));
        assertThat(newer + older).isEqualTo(25);
        assertThat(newer).isGreaterThan(3);
        assertThat(older).isGreaterThan(8);
        rollOut();
        assertThat(replicas(replicaSetWithImage("nginx:1.27"))).isEqualTo(20);
    }

    @Test
    void revisionHistoryLimitDeletesTheOldestEmptyReplicaSets() throws Exception {
        cluster.load(new DeploymentBuilder(deployment(1, "nginx:1.25")).editSpec().withRevisionHistoryLimit(1).endSpec().build());
        rollOut();
        setImage("nginx:1.26");
        rollOut();
        setImage("nginx:1.27");
        rollOut();
        reconcile();

        assertThat(replicaSets()).extracting(DeploymentControllerTest::revisionOf).containsExactlyInAnyOrder("2", "3");
        assertThat(cluster.actions("delete", "ReplicaSet")).singleElement()
                .satisfies(a -> assertThat(a.name()).isEqualTo("web-" + PodTemplates.hash(deployment(1, "nginx:1.25").getSpec().getTemplate(), null)));
    }

    @Test
    void aRolloutWithoutProgressExceedsItsDeadline() throws Exception {
        cluster.load(new DeploymentBuilder(deployment(1, "nginx:1.26")).editSpec().withProgressDeadlineSeconds(60).endSpec().build());
        reconcile();
        syncReplicaSets();
        syncReplicaSets();
        Result result = reconcile();
        assertThat(condition(stored(), "Progressing").getReason()).isIn("NewReplicaSetCreated", "ReplicaSetUpdated");
        assertThat(result.requeueAfter()).isNotNull().isLessThanOrEqualTo(Duration.ofSeconds(61));

        cluster.clock().advance(result.requeueAfter());
        reconcile();

        DeploymentCondition progressing = condition(stored(), "Progressing");
        assertThat(progressing.getStatus()).isEqualTo("False");
        assertThat(progressing.getReason()).isEqualTo("ProgressDeadlineExceeded");
        assertThat(condition(stored(), "Available").getStatus()).isEqualTo("False");
        assertThat(rolloutDone(stored())).isFalse();
        assertThat(reconcile().requeueAfter()).isNull();

        // the pods finally become ready: the rollout completes after all
        rollOut();
        assertThat(condition(stored(), "Progressing").getReason()).isEqualTo("NewReplicaSetAvailable");
    }

    @Test
    void adoptsAnOrphanReplicaSetWithTheSameTemplate() throws Exception {
        Deployment d = deployment(2, "nginx:1.26");
        String hash = PodTemplates.hash(d.getSpec().getTemplate(), null);
        cluster.load(new ReplicaSetBuilder()
                .withNewMetadata().withNamespace("default").withName("web-old").addToLabels("app", "web")
                .addToLabels("pod-template-hash", hash).endMetadata()
                .withNewSpec().withReplicas(2)
                .withNewSelector().addToMatchLabels("app", "web").addToMatchLabels("pod-template-hash", hash).endSelector()
                .withTemplate(new io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder(d.getSpec().getTemplate())
                        .editMetadata().addToLabels("pod-template-hash", hash).endMetadata().build())
                .endSpec()
                .build());
        cluster.load(d);

        reconcile();

        assertThat(cluster.actions("create", "ReplicaSet")).isEmpty();
        ReplicaSet adopted = cluster.get(ReplicaSet.class, "default", "web-old").orElseThrow();
        assertThat(adopted.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(stored().getMetadata().getUid()));
        assertThat(revisionOf(adopted)).isEqualTo("1");
        rollOut();
    }

    @Test
    void rolloutRestartIsATemplateChange() throws Exception {
        cluster.load(deployment(2, "nginx:1.26"));
        rollOut();

        edit(b -> b.editSpec().editTemplate().editMetadata()
                .addToAnnotations("kubectl.kubernetes.io/restartedAt", "2026-01-01T00:05:00Z")
                .endMetadata().endTemplate().endSpec());
        rollOut();

        assertThat(replicaSets()).hasSize(2);
        assertThat(activePods()).hasSize(2).allSatisfy(p -> assertThat(p.getMetadata().getAnnotations())
                .containsKey("kubectl.kubernetes.io/restartedAt"));
        assertThat(revisionOf(stored())).isEqualTo("2");
    }

    @Test
    void orphanReplicaSetsAndRecreatePodsMapToTheirDeployment() throws Exception {
        cluster.load(new DeploymentBuilder(deployment(1, "nginx:1.26"))
                .editSpec().withNewStrategy().withType("Recreate").endStrategy().endSpec().build());
        ReplicaSet orphan = new ReplicaSetBuilder().withNewMetadata().withNamespace("default").withName("x")
                .addToLabels("app", "web").endMetadata().build();
        assertThat(DeploymentController.deploymentsForOrphan(orphan, cluster)).containsExactly(KEY);

        reconcile();
        syncReplicaSets();
        Pod pod = activePods().get(0);
        assertThat(DeploymentController.recreateDeploymentOfPod(pod, cluster)).containsExactly(KEY);
    }

    @Test
    void aNameTakenByAnotherReplicaSetRaisesTheCollisionCount() throws Exception {
        Deployment d = deployment(1, "nginx:1.26");
        String hash = PodTemplates.hash(d.getSpec().getTemplate(), null);
        // not matching the deployment's selector, so neither adopted nor considered new
        cluster.load(new ReplicaSetBuilder()
                .withNewMetadata().withNamespace("default").withName("web-" + hash).addToLabels("app", "other").endMetadata()
                .withNewSpec().withReplicas(0)
                .withNewSelector().addToMatchLabels("app", "other").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "other").endMetadata()
                .withNewSpec().addNewContainer().withName("x").withImage("busybox").endContainer().endSpec().endTemplate()
                .endSpec().build());
        cluster.load(d);

        org.assertj.core.api.Assertions.assertThatThrownBy(this::reconcile).hasMessageContaining("already exists");
        assertThat(stored().getStatus().getCollisionCount()).isEqualTo(1);

        reconcile();
        ReplicaSet created = replicaSets().stream().filter(rs -> rs.getMetadata().getOwnerReferences() != null
                && !rs.getMetadata().getOwnerReferences().isEmpty()).findFirst().orElseThrow();
        assertThat(created.getMetadata().getName()).isEqualTo("web-" + PodTemplates.hash(d.getSpec().getTemplate(), 1));
        rollOut();
    }

    @Test
    void aLostCompareAndSwapIsRetriedSoonNotReported() throws Exception {
        cluster.load(deployment(2, "nginx:1.26"));
        rollOut();
        edit(b -> b.editSpec().withReplicas(3).endSpec());
        cluster.failNext("update", "ReplicaSet", FakeCluster.error(409, "Conflict", "the object has been modified"));

        assertThat(reconcile().requeueAfter()).isEqualTo(DeploymentController.CONFLICT_RETRY);

        reconcile();
        assertThat(replicas(replicaSetWithImage("nginx:1.26"))).isEqualTo(3);
    }
}
