package io.karavel.controllers.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.karavel.api.controller.Selectors;
import io.karavel.testing.controller.FakeCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControllerRefManagerTest {
    private final FakeCluster cluster = new FakeCluster();

    private ReplicaSet owner() {
        cluster.load(new ReplicaSetBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "web").endSelector().endSpec().build());
        return cluster.get(ReplicaSet.class, "default", "web").orElseThrow();
    }

    private Pod orphan(String name) {
        cluster.load(new PodBuilder().withNewMetadata().withNamespace("default").withName(name)
                .addToLabels("app", "web").addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap")
                .withName("unrelated").withUid("cm-uid").endOwnerReference().endMetadata().build());
        return cluster.get(Pod.class, "default", name).orElseThrow();
    }

    private ControllerRefManager<Pod> manager(ReplicaSet rs) {
        OwnerReference ref = OwnerRefs.newControllerRef(rs, "apps/v1", "ReplicaSet");
        return new ControllerRefManager<>(cluster, Pod.class, rs, ReplicaSet.class, ref,
                pod -> Selectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels()));
    }

    @Test
    void adoptionAppendsTheControllerReferenceAndKeepsOtherOwners() {
        ReplicaSet rs = owner();
        Pod pod = orphan("a");

        List<Pod> claimed = manager(rs).claim(List.of(pod));

        assertThat(claimed).singleElement().satisfies(p -> assertThat(p.getMetadata().getOwnerReferences())
                .extracting(OwnerReference::getUid).containsExactly("cm-uid", rs.getMetadata().getUid()));
        assertThat(OwnerRefs.isControlledBy(cluster.get(Pod.class, "default", "a").orElseThrow(), rs.getMetadata().getUid()))
                .isTrue();
    }

    @Test
    void aStaleCachedCopyIsNotPatched() {
        ReplicaSet rs = owner();
        Pod stale = orphan("a");
        cluster.patch(Pod.class, "default", "a", io.karavel.api.client.PatchType.MERGE, "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> manager(rs).claim(List.of(stale)))
                .isInstanceOfSatisfying(io.karavel.api.client.ApiStatusException.class, e -> assertThat(e.isConflict()).isTrue());
    }

    @Test
    void anOwnerThatIsGoneOrReplacedAdoptsNothing() {
        ReplicaSet rs = owner();
        Pod pod = orphan("a");
        cluster.delete(ReplicaSet.class, "default", "web", null);
        // a new ReplicaSet under the same name is not the owner the cache showed
        owner();

        assertThat(manager(rs).claim(List.of(pod))).isEmpty();
        assertThat(cluster.actions("patch", "Pod")).isEmpty();
    }

    @Test
    void aDeletingOwnerNeitherAdoptsNorReleases() {
        ReplicaSet rs = new ReplicaSetBuilder(owner()).editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z")
                .endMetadata().build();
        Pod pod = orphan("a");

        assertThat(manager(rs).claim(List.of(pod))).isEmpty();
        assertThat(cluster.actions("patch", "Pod")).isEmpty();
    }
}
