package io.karavel.controllers.gc;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.Cache;
import io.karavel.api.controller.Caches;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.Expectations;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.testing.controller.Action;
import io.karavel.testing.controller.FakeCluster;
import io.karavel.testing.controller.FakeReconcileContext;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GarbageCollectorTest {
    private FakeCluster cluster;
    private GarbageCollector gc;
    private FakeReconcileContext context;

    @BeforeEach
    void setUp() {
        cluster = new FakeCluster();
        gc = new GarbageCollector(1);
        context = cluster.context(gc.spec());
    }

    @Test
    void aDependentWhoseOwnersAreAllGoneIsDeletedInTheBackground() throws Exception {
        Pod pod = load(pod("web-1", ref("apps/v1", "ReplicaSet", "web", "uid-of-a-deleted-rs", true)));

        context.reconcile(gc, key(pod));

        assertThat(cluster.get(Pod.class, "default", "web-1")).isEmpty();
        assertThat(cluster.actions("delete", "Pod")).hasSize(1);
        assertThat(context.events().reasons()).containsExactly("OwnerDeleted");
    }

    @Test
    void anOwnerReplacedByAnotherObjectOfTheSameNameCountsAsGone() throws Exception {
        load(replicaSet("web", List.of()));
        Pod pod = load(pod("web-1", ref("apps/v1", "ReplicaSet", "web", "uid-of-the-old-rs", true)));

        context.reconcile(gc, key(pod));

        assertThat(cluster.get(Pod.class, "default", "web-1")).isEmpty();
        assertThat(cluster.get(ReplicaSet.class, "default", "web")).isPresent();
    }

    @Test
    void anOwnerMissingFromALaggingCacheIsConfirmedWithTheApiServerFirst() throws Exception {
        ReplicaSet owner = load(replicaSet("web", List.of()));
        Pod pod = load(pod("web-1", ref(owner, true)));
        ReconcileContext lagging = new LaggingContext(context, owner.getMetadata().getUid());

        gc.reconcile(key(pod), lagging);

        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void referencesToOwnersThatAreGoneAreRemovedWhileAnotherOwnerRemains() throws Exception {
        ReplicaSet owner = load(replicaSet("web", List.of()));
        Pod pod = load(pod("web-1", ref(owner, false), ref("apps/v1", "ReplicaSet", "old", "uid-gone", false)));

        context.reconcile(gc, key(pod));

        Pod patched = cluster.get(Pod.class, "default", "web-1").orElseThrow();
        assertThat(patched.getMetadata().getOwnerReferences()).extracting(OwnerReference::getUid)
                .containsExactly(owner.getMetadata().getUid());
        assertThat(cluster.actions()).extracting(Action::verb).containsExactly("patch");
        assertThat(context.events().reasons()).containsExactly("OwnerReferenceRemoved");
    }

    @Test
    void aDependentWithALiveOwnerIsLeftAlone() throws Exception {
        ReplicaSet owner = load(replicaSet("web", List.of()));
        Pod pod = load(pod("web-1", ref(owner, true)));

        context.reconcile(gc, key(pod));

        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void anOwnerOfAKindNotServedIsAssumedPresent() throws Exception {
        Pod pod = load(pod("web-1", ref("example.com/v1", "Widget", "w", "uid-w", true)));

        context.reconcile(gc, key(pod));

        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void foregroundDeletionDeletesDependentsAndReleasesTheOwnerOnceTheBlockingOnesAreGone() throws Exception {
        Deployment owner = load(new DeploymentBuilder()
                .withNewMetadata().withNamespace("default").withName("web")
                .withDeletionTimestamp("2026-01-01T00:00:00Z").withFinalizers(GarbageCollector.FOREGROUND).endMetadata()
                .build());
        ReplicaSet rs = load(replicaSet("web-abc", List.of(ref(owner, true))));
        load(pod("web-abc-1", ref(rs, true)));

        context.reconcile(gc, key(owner));

        assertThat(cluster.actions("delete", "ReplicaSet")).singleElement()
                .satisfies(a -> assertThat(a.name()).isEqualTo("web-abc"));
        // The ReplicaSet blocked its owner when the pass started: the owner waits for the next one.
        assertThat(cluster.get(Deployment.class, "default", "web")).isPresent();

        context.reconcile(gc, key(owner));

        assertThat(cluster.get(Deployment.class, "default", "web")).isEmpty();
        assertThat(context.events().reasons()).containsExactly("ForegroundDeletion", "DependentsDeleted");
    }

    @Test
    void aTerminatingBlockingDependentHoldsItsForegroundOwner() throws Exception {
        Deployment owner = load(new DeploymentBuilder()
                .withNewMetadata().withNamespace("default").withName("web")
                .withDeletionTimestamp("2026-01-01T00:00:00Z").withFinalizers(GarbageCollector.FOREGROUND).endMetadata()
                .build());
        load(new ReplicaSetBuilder(replicaSet("web-abc", List.of(ref(owner, true))))
                .editMetadata().withFinalizers("example.com/slow").endMetadata().build());

        context.reconcile(gc, key(owner));
        context.reconcile(gc, key(owner));

        assertThat(cluster.get(Deployment.class, "default", "web")).isPresent();
        assertThat(cluster.get(ReplicaSet.class, "default", "web-abc").orElseThrow().getMetadata().getDeletionTimestamp())
                .isNotNull();
        assertThat(cluster.actions("delete", "ReplicaSet")).hasSize(1);
    }

    @Test
    void aDependentOfAnOwnerDeletedInTheForegroundIsDeleted() throws Exception {
        Deployment owner = load(new DeploymentBuilder()
                .withNewMetadata().withNamespace("default").withName("web")
                .withDeletionTimestamp("2026-01-01T00:00:00Z").withFinalizers(GarbageCollector.FOREGROUND).endMetadata()
                .build());
        ReplicaSet rs = load(replicaSet("web-abc", List.of(ref(owner, true))));

        context.reconcile(gc, key(rs));

        assertThat(cluster.get(ReplicaSet.class, "default", "web-abc")).isEmpty();
    }

    @Test
    void orphanDeletionRemovesTheOwnerReferencesThenTheFinalizer() throws Exception {
        ReplicaSet other = load(replicaSet("other", List.of()));
        ReplicaSet owner = load(new ReplicaSetBuilder(replicaSet("web", List.of()))
                .editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").withFinalizers(GarbageCollector.ORPHAN).endMetadata()
                .build());
        load(pod("only-owner", ref(owner, true)));
        load(pod("two-owners", ref(owner, true), ref(other, false)));

        context.reconcile(gc, key(owner));

        assertThat(cluster.get(Pod.class, "default", "only-owner").orElseThrow().getMetadata().getOwnerReferences()).isNullOrEmpty();
        assertThat(cluster.get(Pod.class, "default", "two-owners").orElseThrow().getMetadata().getOwnerReferences())
                .extracting(OwnerReference::getName).containsExactly("other");
        assertThat(cluster.get(ReplicaSet.class, "default", "web")).isEmpty();
        assertThat(cluster.actions("delete", "Pod")).isEmpty();
        assertThat(context.events().reasons()).contains("DependentsOrphaned");
    }

    @Test
    void eventsMapToTheObjectItsDependentsWhenItGoesAndItsOwnersWaitingForIt() {
        ReplicaSet owner = load(replicaSet("web", List.of()));
        Pod pod = load(pod("web-1", ref(owner, true)));

        assertThat(GarbageCollector.keys(owner, cluster)).containsExactly(key(owner));

        cluster.delete(ReplicaSet.class, "default", "web", null);
        assertThat(GarbageCollector.keys(owner, cluster)).containsExactly(key(owner), key(pod));

        Deployment deleting = load(new DeploymentBuilder()
                .withNewMetadata().withNamespace("default").withName("d")
                .withDeletionTimestamp("2026-01-01T00:00:00Z").withFinalizers(GarbageCollector.FOREGROUND).endMetadata()
                .build());
        ReplicaSet dependent = load(replicaSet("d-1", List.of(ref(deleting, true))));
        assertThat(GarbageCollector.keys(dependent, cluster)).containsExactly(key(dependent), key(deleting));
    }

    // ---- fixtures

    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> T load(T object) {
        cluster.load(object);
        String ns = object.getMetadata().getNamespace();
        return (T) cluster.get(object.getClass(), ns, object.getMetadata().getName()).orElseThrow();
    }

    private static ObjectKey key(HasMetadata object) {
        return GarbageCollector.key(object.getMetadata().getUid());
    }

    private static OwnerReference ref(String apiVersion, String kind, String name, String uid, boolean block) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(name).withUid(uid)
                .withController(true).withBlockOwnerDeletion(block).build();
    }

    private static OwnerReference ref(HasMetadata owner, boolean block) {
        return ref(owner.getApiVersion(), owner.getKind(), owner.getMetadata().getName(), owner.getMetadata().getUid(), block);
    }

    private static Pod pod(String name, OwnerReference... owners) {
        return new PodBuilder()
                .withNewMetadata().withNamespace("default").withName(name).withOwnerReferences(owners).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .build();
    }

    private static ReplicaSet replicaSet(String name, List<OwnerReference> owners) {
        return new ReplicaSetBuilder()
                .withNewMetadata().withNamespace("default").withName(name).withOwnerReferences(owners).endMetadata()
                .build();
    }

    /** A context whose caches have not seen one object yet, as an informer lagging behind the store. */
    private record LaggingContext(ReconcileContext delegate, String hiddenUid) implements ReconcileContext {
        @Override
        public Caches caches() {
            Caches real = delegate.caches();
            return new Caches() {
                @Override
                public <T extends HasMetadata> Cache<T> of(Class<T> kind) {
                    return real.of(kind);
                }

                @Override
                public Optional<HasMetadata> byUid(String uid) {
                    return hiddenUid.equals(uid) ? Optional.empty() : real.byUid(uid);
                }

                @Override
                public List<HasMetadata> dependentsOf(String ownerUid) {
                    return real.dependentsOf(ownerUid);
                }
            };
        }

        @Override
        public ObjectClient client() {
            return delegate.client();
        }

        @Override
        public EventRecorder events() {
            return delegate.events();
        }

        @Override
        public Expectations expectations() {
            return delegate.expectations();
        }

        @Override
        public Clock clock() {
            return delegate.clock();
        }
    }
}
