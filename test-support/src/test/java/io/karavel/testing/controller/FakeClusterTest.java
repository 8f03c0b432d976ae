package io.karavel.testing.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.client.PatchType;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.InformerListener;
import io.karavel.api.controller.ObjectKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FakeClusterTest {
    private final FakeCluster cluster = new FakeCluster();

    private static ConfigMap configMap(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("ns").withName(name).endMetadata()
                .withData(data).build();
    }

    @Test
    void createAssignsMetadataAndRecordsTheAction() {
        Pod pod = cluster.create(new PodBuilder().withNewMetadata().withNamespace("ns").withGenerateName("web-")
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("i").endContainer().endSpec()
                .build());

        assertThat(pod.getMetadata().getName()).startsWith("web-").hasSize(9);
        assertThat(pod.getMetadata().getUid()).isNotEmpty();
        assertThat(pod.getMetadata().getResourceVersion()).isEqualTo("1");
        assertThat(pod.getMetadata().getGeneration()).isEqualTo(1L);
        assertThat(pod.getMetadata().getCreationTimestamp()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(cluster.actions()).extracting(Action::toString).containsExactly("create Pod ns/" + pod.getMetadata().getName());
        assertThat(cluster.of(Pod.class).get("ns", pod.getMetadata().getName())).isPresent();
    }

    @Test
    void createOfAnExistingObjectAndUpdateOfAMissingOneFail() {
        cluster.create(configMap("a", Map.of()));
        assertThatThrownBy(() -> cluster.create(configMap("a", Map.of())))
                .isInstanceOfSatisfying(ApiStatusException.class, e -> assertThat(e.isAlreadyExists()).isTrue());
        assertThatThrownBy(() -> cluster.update(configMap("b", Map.of())))
                .isInstanceOfSatisfying(ApiStatusException.class, e -> assertThat(e.isNotFound()).isTrue());
    }

    @Test
    void updateIsACompareAndSwapThatKeepsStatusAndBumpsGeneration() {
        ReplicaSet rs = cluster.create(new ReplicaSetBuilder().withNewMetadata().withNamespace("ns").withName("rs")
                .endMetadata().withNewSpec().withReplicas(1).endSpec().build());
        ReplicaSet withStatus = cluster.updateStatus(
                new ReplicaSetBuilder(rs).withNewStatus().withReplicas(1).endStatus().build());
        ReplicaSet scaled = cluster.update(new ReplicaSetBuilder(withStatus).editSpec().withReplicas(3).endSpec()
                .withNewStatus().withReplicas(99).endStatus().build());

        assertThat(scaled.getMetadata().getGeneration()).isEqualTo(2L);
        assertThat(scaled.getStatus().getReplicas()).isEqualTo(1);
        assertThatThrownBy(() -> cluster.update(rs))
                .isInstanceOfSatisfying(ApiStatusException.class, e -> assertThat(e.isConflict()).isTrue());
        assertThat(cluster.actions()).extracting(Action::verb)
                .containsExactly("create", "updateStatus", "update", "update");
    }

    @Test
    void patchesMergeAndJson() {
        cluster.create(configMap("a", Map.of("k", "v", "x", "y")));
        cluster.patch(ConfigMap.class, "ns", "a", PatchType.MERGE, "{\"data\":{\"k\":\"w\",\"x\":null}}");
        ConfigMap patched = cluster.patch(ConfigMap.class, "ns", "a", PatchType.JSON,
                "[{\"op\":\"add\",\"path\":\"/data/z\",\"value\":\"1\"}]");

        assertThat(patched.getData()).containsExactlyInAnyOrderEntriesOf(Map.of("k", "w", "z", "1"));
        assertThat(cluster.actions("patch", "ConfigMap")).hasSize(2);
    }

    @Test
    void deleteHonoursFinalizers() {
        cluster.create(new ConfigMapBuilder(configMap("a", Map.of())).editMetadata().addToFinalizers("f").endMetadata()
                .build());
        assertThat(cluster.delete(ConfigMap.class, "ns", "a", null)).isTrue();
        ConfigMap terminating = cluster.get(ConfigMap.class, "ns", "a").orElseThrow();
        assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();

        cluster.update(new ConfigMapBuilder(terminating).editMetadata().withFinalizers(List.of()).endMetadata().build());
        assertThat(cluster.get(ConfigMap.class, "ns", "a")).isEmpty();
        assertThat(cluster.delete(ConfigMap.class, "ns", "a", null)).isFalse();
    }

    @Test
    void listenersSeeExistingObjectsThenEveryChangeInOrder() throws Exception {
        cluster.create(configMap("a", Map.of()));
        List<String> seen = new ArrayList<>();
        AutoCloseable handle = cluster.addListener(ConfigMap.class, new InformerListener<>() {
            @Override
            public void onAdd(ConfigMap o) {
                seen.add("add " + o.getMetadata().getName());
            }

            @Override
            public void onUpdate(ConfigMap o, ConfigMap n) {
                seen.add("update " + n.getMetadata().getName());
            }

            @Override
            public void onDelete(ConfigMap o) {
                seen.add("delete " + o.getMetadata().getName());
            }
        });
        cluster.create(configMap("b", Map.of()));
        cluster.update(configMap("b", Map.of("k", "v")));
        cluster.delete(ConfigMap.class, "ns", "a", null);
        handle.close();
        cluster.delete(ConfigMap.class, "ns", "b", null);

        assertThat(seen).containsExactly("add a", "add b", "update b", "delete a");
        assertThat(cluster.awaitSynced(ConfigMap.class, Duration.ZERO)).isTrue();
    }

    @Test
    void bindSetsTheNodeOnce() {
        cluster.load(new PodBuilder().withNewMetadata().withNamespace("ns").withName("p").endMetadata()
                .withNewSpec().endSpec().build());
        cluster.bind(new BindingBuilder().withNewMetadata().withNamespace("ns").withName("p").endMetadata()
                .withNewTarget().withKind("Node").withName("n1").endTarget().build());

        assertThat(cluster.of(Pod.class).get("ns", "p").orElseThrow().getSpec().getNodeName()).isEqualTo("n1");
        assertThatThrownBy(() -> cluster.bind(new BindingBuilder().withNewMetadata().withNamespace("ns")
                .withName("p").endMetadata().withNewTarget().withName("n2").endTarget().build()))
                .isInstanceOf(ApiStatusException.class);
        assertThat(cluster.actions()).extracting(Action::toString).containsExactly("bind Pod ns/p", "bind Pod ns/p");
    }

    @Test
    void genericVariantsSeeTypedObjectsAndCustomKinds() {
        cluster.create(configMap("a", Map.of("k", "v")));
        ApiResource configMaps = cluster.resource("v1", "ConfigMap").orElseThrow();
        GenericKubernetesResource generic = cluster.get(configMaps, "ns", "a").orElseThrow();
        assertThat(generic.get("data", "k").toString()).isEqualTo("v");

        ApiResource widgets = new ApiResource("example.com", "v1", "Widget", "widgets", true,
                List.of("get", "list", "watch", "create", "update", "patch", "delete"), GenericKubernetesResource.class);
        cluster.register(widgets);
        GenericKubernetesResource widget = new GenericKubernetesResource();
        widget.setApiVersion("example.com/v1");
        widget.setKind("Widget");
        widget.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace("ns")
                .withName("w").build());
        cluster.create(widget);
        cluster.patch(widgets, "ns", "w", PatchType.MERGE, "{\"spec\":{\"size\":2}}");

        assertThat(cluster.list(widgets, null)).singleElement()
                .satisfies(w -> assertThat(w.getMetadata().getGeneration()).isEqualTo(2L));
        assertThat(cluster.delete(widgets, "ns", "w", null)).isTrue();
    }

    @Test
    void failNextInjectsOneError() {
        cluster.failNext("create", "ConfigMap", FakeCluster.error(500, "InternalError", "boom"));
        assertThatThrownBy(() -> cluster.create(configMap("a", Map.of()))).isInstanceOf(ApiStatusException.class);
        cluster.create(configMap("a", Map.of()));
        assertThat(cluster.actions("create", "ConfigMap")).hasSize(2);
    }

    @Test
    void contextObservesOwnedCreationsAgainstExpectations() throws Exception {
        ReplicaSet rs = cluster.create(new ReplicaSetBuilder().withNewMetadata().withNamespace("ns").withName("rs")
                .endMetadata().build());
        ControllerSpec spec = ControllerSpec.builder("replicaset", ReplicaSet.class).owns(Pod.class).build();
        try (FakeReconcileContext context = cluster.context(spec)) {
            ObjectKey key = ObjectKey.of(rs);
            context.expectations().expectCreations(key, 1);
            assertThat(context.expectations().satisfied(key)).isFalse();

            cluster.create(new PodBuilder().withNewMetadata().withNamespace("ns").withName("p")
                    .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet").withName("rs")
                    .withUid(rs.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
                    .build());
            assertThat(context.expectations().satisfied(key)).isTrue();
            assertThat(cluster.dependentsOf(rs.getMetadata().getUid())).extracting(HasMetadata::getKind)
                    .containsExactly("Pod");

            context.expectations().expectCreations(key, 1);
            cluster.clock().advance(FakeExpectations.TTL.plusSeconds(1));
            assertThat(context.expectations().satisfied(key)).isTrue();

            context.events().event(rs, "Normal", "SuccessfulCreate", "Created pod: p");
            assertThat(cluster.events()).extracting(RecordedEvent::reason).containsExactly("SuccessfulCreate");
        }
    }
}
