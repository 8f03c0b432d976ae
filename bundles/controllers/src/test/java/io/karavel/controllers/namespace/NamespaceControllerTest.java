package io.karavel.controllers.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.PatchType;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.Result;
import io.karavel.testing.controller.FakeCluster;
import io.karavel.testing.controller.FakeReconcileContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NamespaceControllerTest {
    private static final ObjectKey TEAM = ObjectKey.cluster("team");
    private static final ApiResource WIDGETS = new ApiResource("example.com", "v1", "Widget", "widgets", true,
            List.of("get", "list", "watch", "create", "update", "patch", "delete"), GenericKubernetesResource.class);

    private FakeCluster cluster;
    private NamespaceController controller;
    private FakeReconcileContext context;

    @BeforeEach
    void setUp() {
        cluster = new FakeCluster();
        cluster.register(WIDGETS);
        controller = new NamespaceController(Duration.ofSeconds(1), 1);
        context = cluster.context(controller.spec());
    }

    @Test
    void aTerminatingNamespaceIsEmptiedOfEveryKindThenFinalized() throws Exception {
        cluster.load(terminating("team"), namespace("other"),
                new ConfigMapBuilder().withNewMetadata().withNamespace("team").withName("cfg").endMetadata().build(),
                new ServiceBuilder().withNewMetadata().withNamespace("team").withName("svc").endMetadata().build(),
                new DeploymentBuilder().withNewMetadata().withNamespace("team").withName("web").endMetadata().build(),
                new GenericKubernetesResourceBuilder().withApiVersion("example.com/v1").withKind("Widget")
                        .withNewMetadata().withNamespace("team").withName("w1").endMetadata().build(),
                new ConfigMapBuilder().withNewMetadata().withNamespace("other").withName("keep").endMetadata().build());

        Result result = context.reconcile(controller, TEAM);

        assertThat(cluster.actions("delete", "ConfigMap")).extracting(a -> a.namespace() + "/" + a.name()).containsExactly("team/cfg");
        assertThat(cluster.actions("delete", "Service")).hasSize(1);
        assertThat(cluster.actions("delete", "Deployment")).hasSize(1);
        assertThat(cluster.actions("delete", "Widget")).hasSize(1);
        assertThat(cluster.actions("finalize", "Namespace")).as(cluster.actions() + " " + context.events().events()).hasSize(1);
        assertThat(cluster.get(Namespace.class, null, "team")).isEmpty();
        assertThat(cluster.get(ConfigMap.class, "other", "keep")).isPresent();
        assertThat(context.events().reasons()).containsExactly("DeletingContent", "NamespaceFinalized");
        assertThat(result.requeueAfter()).isNull();
    }

    @Test
    void theNamespaceWaitsForTerminatingPodsBeforeBeingFinalized() throws Exception {
        // A finalizer stands for the node agent's graceful termination: the pod stays after delete.
        Pod pod = new PodBuilder().withNewMetadata().withNamespace("team").withName("p").withFinalizers("example.com/node-agent")
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
        cluster.load(terminating("team"), pod);

        Result first = context.reconcile(controller, TEAM);

        assertThat(cluster.actions("delete", "Pod")).hasSize(1);
        assertThat(cluster.actions("finalize", "Namespace")).isEmpty();
        assertThat(first.requeueAfter()).isEqualTo(Duration.ofSeconds(1));
        Namespace waiting = cluster.get(Namespace.class, null, "team").orElseThrow();
        assertThat(condition(waiting, "NamespaceContentRemaining").getStatus()).isEqualTo("True");
        assertThat(condition(waiting, "NamespaceContentRemaining").getMessage()).contains("pods has 1 resource instances");
        assertThat(condition(waiting, "NamespaceFinalizersRemaining").getStatus()).isEqualTo("True");
        assertThat(condition(waiting, "NamespaceDeletionContentFailure").getStatus()).isEqualTo("False");

        // A second look while the pod is still terminating neither deletes again nor rewrites the status.
        cluster.clearActions();
        context.reconcile(controller, TEAM);
        assertThat(cluster.actions()).isEmpty();

        cluster.patch(Pod.class, "team", "p", PatchType.MERGE, "{\"metadata\":{\"finalizers\":null}}");
        Result last = context.reconcile(controller, TEAM);

        assertThat(cluster.actions("finalize", "Namespace")).hasSize(1);
        assertThat(cluster.get(Namespace.class, null, "team")).isEmpty();
        assertThat(last.requeueAfter()).isNull();
    }

    @Test
    void aFailedDeletionIsReportedAndTheNamespaceIsNotFinalized() throws Exception {
        cluster.load(terminating("team"),
                new ConfigMapBuilder().withNewMetadata().withNamespace("team").withName("cfg").endMetadata().build());
        cluster.failNext("delete", "ConfigMap", FakeCluster.error(500, "InternalError", "disk on fire"));

        Result result = context.reconcile(controller, TEAM);

        assertThat(cluster.actions("finalize", "Namespace")).isEmpty();
        Namespace ns = cluster.get(Namespace.class, null, "team").orElseThrow();
        assertThat(condition(ns, "NamespaceDeletionContentFailure").getStatus()).isEqualTo("True");
        assertThat(condition(ns, "NamespaceDeletionContentFailure").getMessage()).contains("disk on fire");
        assertThat(context.events().reasons()).contains("ContentDeletionFailed");
        assertThat(result.requeueAfter()).isNotNull();
    }

    @Test
    void aLiveNamespaceIsLeftAlone() throws Exception {
        cluster.load(namespace("team"),
                new ConfigMapBuilder().withNewMetadata().withNamespace("team").withName("cfg").endMetadata().build());

        context.reconcile(controller, TEAM);

        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void resourcesThatCannotBeDeletedAreSkipped() throws Exception {
        ApiResource readOnly = new ApiResource("example.com", "v1", "Report", "reports", true, List.of("get", "list"),
                GenericKubernetesResource.class);
        cluster.register(readOnly);
        cluster.load(terminating("team"), new GenericKubernetesResourceBuilder().withApiVersion("example.com/v1")
                .withKind("Report").withNewMetadata().withNamespace("team").withName("r").endMetadata().build());

        context.reconcile(controller, TEAM);

        assertThat(cluster.actions("delete", "Report")).isEmpty();
        assertThat(cluster.actions("finalize", "Namespace")).hasSize(1);
    }

    private static Namespace namespace(String name) {
        return new NamespaceBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withFinalizers("kubernetes").endSpec().build();
    }

    private static Namespace terminating(String name) {
        return new NamespaceBuilder(namespace(name)).editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata()
                .withNewStatus().withPhase("Terminating").endStatus().build();
    }

    private static NamespaceCondition condition(Namespace ns, String type) {
        return ns.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }
}
