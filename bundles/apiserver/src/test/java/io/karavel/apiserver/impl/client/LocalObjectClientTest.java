package io.karavel.apiserver.impl.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.client.PatchType;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalObjectClientTest {
    private MapDbStore store;
    private ApiServer server;
    private ObjectClient client;

    @BeforeAll
    void start() throws Exception {
        store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        server = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, null));
        server.start();
        client = server.objectClient();
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
        store.close();
    }

    private static ConfigMap configMap(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withData(data).build();
    }

    @Test
    void createGetUpdateDeleteRunTheRestSemantics() {
        ConfigMap created = client.create(configMap("crud", Map.of("a", "1")));
        assertThat(created.getMetadata().getUid()).isNotEmpty();
        assertThat(created.getMetadata().getResourceVersion()).isNotEmpty();

        ConfigMap read = client.get(ConfigMap.class, "default", "crud").orElseThrow();
        assertThat(read.getData()).containsEntry("a", "1");

        ConfigMap changed = new ConfigMapBuilder(read).withData(Map.of("a", "2")).build();
        ConfigMap updated = client.update(changed);
        assertThat(updated.getData()).containsEntry("a", "2");

        // the same stale resourceVersion again: a lost compare-and-swap
        assertThatThrownBy(() -> client.update(changed))
                .isInstanceOfSatisfying(ApiStatusException.class, e -> assertThat(e.isConflict()).isTrue());
        assertThatThrownBy(() -> client.create(configMap("crud", Map.of())))
                .isInstanceOfSatisfying(ApiStatusException.class, e -> assertThat(e.isAlreadyExists()).isTrue());

        ConfigMap patched = client.patch(ConfigMap.class, "default", "crud", PatchType.MERGE, "{\"data\":{\"b\":\"3\"}}");
        assertThat(patched.getData()).containsEntry("a", "2").containsEntry("b", "3");

        assertThat(client.delete(ConfigMap.class, "default", "crud", null)).isTrue();
        assertThat(client.delete(ConfigMap.class, "default", "crud", null)).isFalse();
        assertThat(client.get(ConfigMap.class, "default", "crud")).isEmpty();
    }

    @Test
    void validationFailuresCarryTheStatus() {
        assertThatThrownBy(() -> client.create(configMap("Not_A_Name", Map.of())))
                .isInstanceOfSatisfying(ApiStatusException.class, e -> {
                    assertThat(e.code()).isEqualTo(422);
                    assertThat(e.reason()).isEqualTo("Invalid");
                });
    }

    @Test
    void statusIsWrittenOnlyThroughItsSubresource() {
        ReplicaSet rs = client.create(new ReplicaSetBuilder().withNewMetadata().withName("rs").withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "x").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "x").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
                .endSpec().build());
        ReplicaSet withStatus = new ReplicaSetBuilder(rs).withNewStatus().withReplicas(2).withObservedGeneration(1L).endStatus().build();
        ReplicaSet mainUpdated = client.update(withStatus);
        assertThat(mainUpdated.getStatus() == null ? null : mainUpdated.getStatus().getReplicas()).isNull();
        ReplicaSet current = client.get(ReplicaSet.class, "default", "rs").orElseThrow();
        ReplicaSet statusUpdated = client.updateStatus(new ReplicaSetBuilder(current).withNewStatus().withReplicas(2).endStatus().build());
        assertThat(statusUpdated.getStatus().getReplicas()).isEqualTo(2);
    }

    @Test
    void bindAssignsTheNodeOnce() {
        Pod pod = client.create(new PodBuilder().withNewMetadata().withName("p").withNamespace("default").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build());
        client.bind(new BindingBuilder().withNewMetadata().withName("p").withNamespace("default")
                .withUid(pod.getMetadata().getUid()).endMetadata()
                .withNewTarget().withKind("Node").withName("n1").endTarget().build());
        assertThat(client.get(Pod.class, "default", "p").orElseThrow().getSpec().getNodeName()).isEqualTo("n1");
        assertThatThrownBy(() -> client.bind(new BindingBuilder().withNewMetadata().withName("p").withNamespace("default").endMetadata()
                        .withNewTarget().withKind("Node").withName("n2").endTarget().build()))
                .isInstanceOfSatisfying(ApiStatusException.class, e -> assertThat(e.code()).isEqualTo(409));
    }

    @Test
    void genericOperationsServeEveryKind() {
        ApiResource configMaps = client.resource("v1", "ConfigMap").orElseThrow();
        assertThat(configMaps.plural()).isEqualTo("configmaps");
        assertThat(configMaps.modelClass()).isEqualTo(ConfigMap.class);
        assertThat(client.resource(EndpointSlice.class)).hasValueSatisfying(r -> assertThat(r.group()).isEqualTo("discovery.k8s.io"));
        assertThat(client.resources()).extracting(ApiResource::kind).contains("Pod", "Deployment", "Endpoints", "EndpointSlice");

        client.create(configMap("generic", Map.of("k", "v")));
        List<GenericKubernetesResource> items = client.list(configMaps, "default");
        assertThat(items).extracting(r -> r.getMetadata().getName()).contains("generic");
        GenericKubernetesResource patched = client.patch(configMaps, "default", "generic", PatchType.JSON,
                "[{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"l\":\"1\"}}]");
        assertThat(patched.getMetadata().getLabels()).containsEntry("l", "1");
        assertThat(client.delete(configMaps, "default", "generic", null)).isTrue();
        assertThat(client.get(configMaps, "default", "generic")).isEmpty();
    }

    @Test
    void orphanPropagationLeavesTheObjectForTheGarbageCollector() {
        client.create(configMap("owner", Map.of()));
        client.delete(ConfigMap.class, "default", "owner", new DeleteOptionsBuilder().withPropagationPolicy("Orphan").build());
        ConfigMap terminating = client.get(ConfigMap.class, "default", "owner").orElseThrow();
        assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(terminating.getMetadata().getFinalizers()).contains("orphan");
    }

    @Test
    void namespacesAreFinalizedThroughTheirSubresource() {
        Namespace ns = client.create(new NamespaceBuilder().withNewMetadata().withName("doomed").endMetadata().build());
        client.delete(Namespace.class, null, "doomed", null);
        Namespace terminating = client.get(Namespace.class, null, "doomed").orElseThrow();
        assertThat(terminating.getSpec().getFinalizers()).contains("kubernetes");
        client.finalizeNamespace(new NamespaceBuilder(terminating).editSpec().withFinalizers(List.of()).endSpec().build());
        // emptied spec.finalizers: the namespace goes (Kubernetes' ShouldDeleteNamespaceDuringUpdate)
        assertThat(client.get(Namespace.class, null, "doomed")).isEmpty();
        assertThat(ns.getMetadata().getUid()).isNotEmpty();
    }
}
