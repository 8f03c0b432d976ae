package io.karavel.itests.process;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The newest served fabric8 kubernetes-client against the started all-in-one distribution, the
 * way a Java operator uses a cluster: typed clients, server-side apply, edit, scale, status
 * updates and a shared informer.
 */
public class Fabric8ClientIT {
    private static final String NS = "fabric8";

    private static KaravelProcess karavel;
    private static KubernetesClient client;

    @BeforeClass
    public static void start() {
        karavel = KaravelProcess.fromFreshCopy("fabric8", "all-in-one").start();
        Config config = new ConfigBuilder().withMasterUrl(karavel.apiUrl()).withNamespace(NS).build();
        client = new KubernetesClientBuilder().withConfig(config).build();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    }

    @AfterClass
    public static void stop() {
        if (client != null) {
            client.close();
        }
        if (karavel != null) {
            karavel.stop();
        }
    }

    private static Deployment deployment(String name, int replicas, String... containers) {
        DeploymentBuilder builder = new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().endSpec().endTemplate().endSpec();
        for (String container : containers) {
            builder.editSpec().editTemplate().editSpec()
                    .addNewContainer().withName(container).withImage("localhost/busybox:latest").endContainer()
                    .endSpec().endTemplate().endSpec();
        }
        return builder.build();
    }

    @Test
    public void typedClientsServerSideApplyEditScaleAndStatus() {
        ConfigMap created = client.configMaps().resource(new ConfigMapBuilder()
                .withNewMetadata().withName("settings").endMetadata().addToData("mode", "fast").build()).create();
        assertEquals("fast", client.configMaps().withName("settings").get().getData().get("mode"));
        assertTrue(Long.parseLong(created.getMetadata().getResourceVersion()) > 0);

        client.apps().deployments().resource(deployment("web", 1, "web", "sidecar"))
                .fieldManager("itest").forceConflicts().serverSideApply();
        // re-applying a configuration that names only one container keeps the other (merge by name)
        client.apps().deployments().resource(deployment("web", 2, "web"))
                .fieldManager("itest").forceConflicts().serverSideApply();
        Deployment applied = client.apps().deployments().withName("web").get();
        assertEquals(Integer.valueOf(2), applied.getSpec().getReplicas());
        assertEquals(2, applied.getSpec().getTemplate().getSpec().getContainers().size());

        // The deployment controller writes this Deployment too (status, revision annotation), so a
        // read-modify-write may lose the race with a 409, and is retried as Kubernetes clients do.
        retryOnConflict(() -> client.apps().deployments().withName("web").edit(d -> new DeploymentBuilder(d)
                .editMetadata().addToLabels("edited", "yes").endMetadata().build()));
        assertEquals("yes", client.apps().deployments().withName("web").get().getMetadata().getLabels().get("edited"));

        retryOnConflict(() -> client.apps().deployments().withName("web").scale(4));
        assertEquals(Integer.valueOf(4), client.apps().deployments().withName("web").get().getSpec().getReplicas());

        // status belongs to the controller; what it reports for 4 replicas is what we write too
        retryOnConflict(() -> {
            Deployment current = client.apps().deployments().withName("web").get();
            current.setStatus(new DeploymentStatusBuilder().withReplicas(4).withObservedGeneration(
                    current.getMetadata().getGeneration()).build());
            client.apps().deployments().resource(current).updateStatus();
        });
        Poll.until(Duration.ofSeconds(30), "status.replicas 4", () -> Integer.valueOf(4).equals(
                client.apps().deployments().withName("web").get().getStatus().getReplicas()));
    }

    /** Runs a read-modify-write again when it loses a compare-and-swap (409 Conflict), up to 10 times. */
    private static void retryOnConflict(Runnable write) {
        for (int attempt = 1; ; attempt++) {
            try {
                write.run();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    @Test
    public void sharedInformerSeesAddsUpdatesAndDeletesInOrder() {
        List<String> events = new CopyOnWriteArrayList<>();
        SharedIndexInformer<ConfigMap> informer = client.configMaps().withLabel("watched", "yes").inform(
                new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ConfigMap cm) {
                        events.add("add " + cm.getMetadata().getName());
                    }

                    @Override
                    public void onUpdate(ConfigMap before, ConfigMap after) {
                        if (!before.getMetadata().getResourceVersion().equals(after.getMetadata().getResourceVersion())) {
                            events.add("update " + after.getMetadata().getName() + " " + after.getData().get("v"));
                        }
                    }

                    @Override
                    public void onDelete(ConfigMap cm, boolean deletedFinalStateUnknown) {
                        events.add("delete " + cm.getMetadata().getName());
                    }
                });
        try {
            Poll.until(Duration.ofSeconds(30), "the informer to sync", informer::hasSynced);
            ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName("informed")
                    .addToLabels("watched", "yes").endMetadata().addToData("v", "1").build();
            client.configMaps().resource(cm).create();
            client.configMaps().withName("informed").edit(c -> new ConfigMapBuilder(c).withData(Map.of("v", "2")).build());
            client.configMaps().withName("informed").delete();
            List<String> expected = List.of("add informed", "update informed 2", "delete informed");
            Poll.until(Duration.ofSeconds(30), "add, update and delete events", () -> events.size() >= 3);
            assertEquals(expected, events);
        } finally {
            informer.close();
        }
    }
}
