package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fabric8 client's typed API as controllers use it: server-side apply, edit, scale (the
 * {@code /scale} subresource), updateStatus (the {@code /status} subresource), and a shared
 * informer that sees adds, updates and deletes in order.
 */
class Fabric8TypedClientTest {
    private static final String NS = "typed";

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
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private static Deployment deployment(String name, int replicas, String image) {
        return new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate()
                .withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec()
                .addNewContainer().withName("web").withImage(image).endContainer()
                .addNewContainer().withName("side").withImage("busybox").endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    @Test
    void serverSideApplyCreatesThenUpdates() {
        Deployment created = client.apps().deployments().inNamespace(NS).resource(deployment("ssa", 1, "nginx:1.25"))
                .serverSideApply();
        assertThat(created.getMetadata().getUid()).isNotEmpty();
        assertThat(created.getSpec().getReplicas()).isEqualTo(1);

        Deployment updated = client.apps().deployments().inNamespace(NS).resource(deployment("ssa", 2, "nginx:1.26"))
                .serverSideApply();
        assertThat(updated.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
        assertThat(updated.getSpec().getReplicas()).isEqualTo(2);
        assertThat(updated.getSpec().getTemplate().getSpec().getContainers()).extracting(Container::getName)
                .containsExactly("web", "side");
        assertThat(updated.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("nginx:1.26");
        assertThat(updated.getMetadata().getManagedFields()).extracting(f -> f.getOperation()).containsExactly("Apply");

        ConfigMap cm = client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder()
                .withNewMetadata().withName("ssa").withNamespace(NS).endMetadata()
                .addToData("a", "1").build()).serverSideApply();
        assertThat(cm.getData()).containsEntry("a", "1");
    }

    @Test
    void editScaleAndUpdateStatus() {
        client.apps().deployments().inNamespace(NS).resource(deployment("web", 1, "nginx:1.25")).create();
        var web = client.apps().deployments().inNamespace(NS).withName("web");

        Deployment edited = web.edit(d -> new DeploymentBuilder(d).editMetadata().addToLabels("edited", "yes").endMetadata().build());
        assertThat(edited.getMetadata().getLabels()).containsEntry("edited", "yes");

        Scale scale = web.scale();
        assertThat(scale.getSpec().getReplicas()).isEqualTo(1);
        Deployment scaled = web.scale(4);
        assertThat(scaled.getSpec().getReplicas()).isEqualTo(4);
        assertThat(web.get().getSpec().getReplicas()).isEqualTo(4);
        assertThat(web.scale().getSpec().getReplicas()).isEqualTo(4);

        Deployment current = web.get();
        current.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
                .withReplicas(4).withReadyReplicas(3).withObservedGeneration(current.getMetadata().getGeneration()).build());
        current.getSpec().setReplicas(9); // ignored by the status subresource
        Deployment withStatus = client.apps().deployments().inNamespace(NS).resource(current).updateStatus();
        assertThat(withStatus.getStatus().getReadyReplicas()).isEqualTo(3);
        assertThat(withStatus.getSpec().getReplicas()).isEqualTo(4);

        // a main-resource update keeps the status
        Deployment relabelled = web.edit(d -> new DeploymentBuilder(d).editMetadata().addToLabels("again", "yes").endMetadata().build());
        assertThat(relabelled.getStatus().getReadyReplicas()).isEqualTo(3);
    }

    @Test
    void sharedInformerSeesAddsUpdatesAndDeletesInOrder() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        SharedIndexInformer<Deployment> informer = client.apps().deployments().inNamespace(NS).withLabel("informed", "yes")
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Deployment d) {
                        events.add("add:" + d.getMetadata().getName());
                    }

                    @Override
                    public void onUpdate(Deployment oldD, Deployment newD) {
                        if (!oldD.getMetadata().getResourceVersion().equals(newD.getMetadata().getResourceVersion())) {
                            events.add("update:" + newD.getMetadata().getName() + ":" + newD.getSpec().getReplicas());
                        }
                    }

                    @Override
                    public void onDelete(Deployment d, boolean deletedFinalStateUnknown) {
                        events.add("delete:" + d.getMetadata().getName());
                    }
                });
        try {
            informer.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            for (String name : List.of("i1", "i2")) {
                Deployment d = deployment(name, 1, "nginx");
                d.getMetadata().setLabels(java.util.Map.of("informed", "yes"));
                client.apps().deployments().inNamespace(NS).resource(d).create();
            }
            client.apps().deployments().inNamespace(NS).withName("i1").scale(2);
            client.apps().deployments().inNamespace(NS).withName("i2").edit(
                    d -> new DeploymentBuilder(d).editSpec().withReplicas(5).endSpec().build());
            client.apps().deployments().inNamespace(NS).withName("i1").delete();
            // leaving the label selection is a delete for the informer
            client.apps().deployments().inNamespace(NS).withName("i2").edit(
                    d -> new DeploymentBuilder(d).editMetadata().removeFromLabels("informed").endMetadata().build());

            List<String> expected = List.of("add:i1", "add:i2", "update:i1:2", "update:i2:5", "delete:i1", "delete:i2");
            for (String e : expected) {
                assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(e);
            }
            assertThat(informer.getStore().list()).isEmpty();
        } finally {
            informer.close();
        }
    }
}
