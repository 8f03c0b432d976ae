package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fabric8 client (what the node agent and controllers will use) against the API server:
 * typed CRUD, edit() (a JSON patch with a resourceVersion precondition), strategic merge
 * patch, and an informer, whose watch first tries a WebSocket.
 */
class Fabric8ClientTest {
    private static TestServer server;
    private static KubernetesClient client;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer();
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl(server.url())
                .withRequestRetryBackoffLimit(0)
                .build();
        client = new KubernetesClientBuilder().withConfig(config).build();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("f8").endMetadata().build()).create();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    @Test
    void typedCrudEditAndPatch() {
        Deployment created = client.apps().deployments().inNamespace("f8").resource(new DeploymentBuilder()
                .withNewMetadata().withName("web").endMetadata()
                .withNewSpec()
                .withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate()
                .withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec()
                .addNewContainer().withName("web").withImage("nginx:1.25").endContainer()
                .addNewContainer().withName("side").withImage("busybox").endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build()).create();
        assertThat(created.getSpec().getReplicas()).isEqualTo(1);
        assertThat(created.getMetadata().getUid()).isNotEmpty();

        Deployment edited = client.apps().deployments().inNamespace("f8").withName("web")
                .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(3).endSpec().build());
        assertThat(edited.getSpec().getReplicas()).isEqualTo(3);
        assertThat(edited.getMetadata().getGeneration()).isEqualTo(2L);

        Deployment patched = client.apps().deployments().inNamespace("f8").withName("web").patch(
                PatchContext.of(PatchType.STRATEGIC_MERGE),
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.26\"}]}}}}");
        assertThat(patched.getSpec().getTemplate().getSpec().getContainers()).hasSize(2);

        assertThat(client.apps().deployments().inNamespace("f8").list().getItems()).extracting(d -> d.getMetadata().getName())
                .contains("web");
        assertThat(client.apps().deployments().inNamespace("f8").withName("web").delete()).hasSize(1);
        assertThat(client.apps().deployments().inNamespace("f8").withName("web").get()).isNull();
    }

    @Test
    void errorsSurfaceAsStatusCodes() {
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName("dup").endMetadata().build();
        client.configMaps().inNamespace("f8").resource(cm).create();
        assertThatThrownBy(() -> client.configMaps().inNamespace("f8").resource(cm).create())
                .isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409));
    }

    @Test
    void informerSeesAddUpdateDelete() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace("f8").withLabel("watched", "yes")
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ConfigMap obj) {
                        events.add("add:" + obj.getMetadata().getName());
                    }

                    @Override
                    public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
                        events.add("update:" + newObj.getData().get("k"));
                    }

                    @Override
                    public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {
                        events.add("delete:" + obj.getMetadata().getName());
                    }
                });
        try {
            informer.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            client.configMaps().inNamespace("f8").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("w").addToLabels("watched", "yes").endMetadata()
                    .addToData("k", "1").build()).create();
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("add:w");
            client.configMaps().inNamespace("f8").withName("w").edit(c -> new ConfigMapBuilder(c).addToData("k", "2").build());
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("update:2");
            client.configMaps().inNamespace("f8").withName("w").delete();
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("delete:w");
        } finally {
            informer.close();
        }
    }
}
