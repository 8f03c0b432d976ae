package io.karavel.examples.website;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.Result;
import io.karavel.testing.controller.Action;
import io.karavel.testing.controller.FakeCluster;
import io.karavel.testing.controller.FakeReconcileContext;
import io.karavel.testing.controller.RecordedEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebsiteControllerTest {
    private static final ObjectKey KEY = new ObjectKey("shop", "home");

    private final WebsiteController controller = new WebsiteController(1);
    private FakeCluster cluster;
    private FakeReconcileContext context;

    @BeforeEach
    void setUp() {
        cluster = new FakeCluster();
        context = cluster.context(controller.spec());
    }

    private Website createWebsite(Integer replicas, String content, Integer port) {
        return cluster.create(new Website("shop", "home", new WebsiteSpec(replicas, content, port)));
    }

    private Website website() {
        return cluster.get(Website.class, "shop", "home").orElseThrow();
    }

    private Deployment deployment() {
        return cluster.get(Deployment.class, "shop", "home").orElseThrow();
    }

    private Service service() {
        return cluster.get(Service.class, "shop", "home").orElseThrow();
    }

    private static String env(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
    }

    private Condition available() {
        return website().getStatus().getConditions().stream().filter(c -> c.getType().equals("Available"))
                .findFirst().orElseThrow();
    }

    /** Plays the Deployment controller: the Deployment reports this many ready replicas. */
    private void deploymentReady(int ready) {
        Deployment d = deployment();
        d.setStatus(new DeploymentStatusBuilder().withReplicas(ready).withReadyReplicas(ready).build());
        cluster.updateStatus(d);
    }

    @Test
    void createsAControlledDeploymentAndServiceWithTheDefaults() throws Exception {
        Website website = createWebsite(null, "<h1>hello</h1>", null);
        cluster.clearActions();

        assertThat(context.reconcile(controller, KEY)).isEqualTo(Result.done());

        Deployment deployment = deployment();
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
        assertThat(deployment.getSpec().getSelector().getMatchLabels())
                .containsEntry(WebsiteController.WEBSITE_LABEL, "home");
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry(WebsiteController.WEBSITE_LABEL, "home");
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("localhost/busybox:latest");
        assertThat(env(deployment, "WEBSITE_CONTENT")).isEqualTo("<h1>hello</h1>");
        assertThat(env(deployment, "WEBSITE_PORT")).isEqualTo("8080");
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe()
                .getHttpGet().getPort()).isEqualTo(new IntOrString(8080));
        assertControlledBy(deployment.getMetadata().getOwnerReferences(), website);

        Service service = service();
        assertThat(service.getSpec().getSelector()).containsEntry(WebsiteController.WEBSITE_LABEL, "home");
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(8080);
            assertThat(p.getTargetPort()).isEqualTo(new IntOrString(8080));
        });
        assertControlledBy(service.getMetadata().getOwnerReferences(), website);

        assertThat(cluster.actions("create", "Deployment")).hasSize(1);
        assertThat(cluster.actions("create", "Service")).hasSize(1);
        assertThat(context.expectations().satisfied(KEY)).isTrue();
        assertThat(context.events().reasons()).containsExactly("Created", "Created");

        // nothing is ready yet
        assertThat(website().getStatus().getReadyReplicas()).isZero();
        assertThat(website().getStatus().getUrl()).isEqualTo("http://home.shop.svc.cluster.local:8080/");
        assertThat(available().getStatus()).isEqualTo("False");
        assertThat(available().getReason()).isEqualTo("ReplicasUnavailable");
    }

    private static void assertControlledBy(List<OwnerReference> refs, Website website) {
        assertThat(refs).singleElement().satisfies(ref -> {
            assertThat(ref.getApiVersion()).isEqualTo("examples.karavel.io/v1");
            assertThat(ref.getKind()).isEqualTo("Website");
            assertThat(ref.getName()).isEqualTo("home");
            assertThat(ref.getUid()).isEqualTo(website.getMetadata().getUid());
            assertThat(ref.getController()).isTrue();
        });
    }

    @Test
    void aSecondReconcileWritesNothing() throws Exception {
        createWebsite(2, "hi", 9090);
        context.reconcile(controller, KEY);
        cluster.clearActions();
        context.events().clear();

        context.reconcile(controller, KEY);

        assertThat(cluster.actions()).isEmpty();
        assertThat(context.events().events()).isEmpty();
    }

    @Test
    void statusFollowsTheDeploymentsReadyReplicas() throws Exception {
        createWebsite(2, "hi", 9090);
        context.reconcile(controller, KEY);
        deploymentReady(2);
        context.events().clear();
        cluster.clearActions();

        context.reconcile(controller, KEY);

        WebsiteStatus status = website().getStatus();
        assertThat(status.getReadyReplicas()).isEqualTo(2);
        assertThat(status.getUrl()).isEqualTo("http://home.shop.svc.cluster.local:9090/");
        assertThat(status.getObservedGeneration()).isEqualTo(website().getMetadata().getGeneration());
        assertThat(available().getStatus()).isEqualTo("True");
        assertThat(available().getMessage()).isEqualTo("2 of 2 replicas ready");
        assertThat(context.events().reasons()).containsExactly("Available");
        assertThat(cluster.actions("updateStatus", "Website")).hasSize(1);
    }

    @Test
    void aReplicasChangeScalesTheDeploymentWithoutRollingThePods() throws Exception {
        createWebsite(1, "hi", null);
        context.reconcile(controller, KEY);
        Deployment before = deployment();
        Website website = website();
        website.getSpec().setReplicas(3);
        cluster.update(website);
        cluster.clearActions();

        context.reconcile(controller, KEY);

        assertThat(cluster.actions("update", "Deployment")).hasSize(1);
        assertThat(deployment().getSpec().getReplicas()).isEqualTo(3);
        assertThat(deployment().getSpec().getTemplate()).isEqualTo(before.getSpec().getTemplate());
        assertThat(context.events().reasons()).contains("Scaled");
        assertThat(website().getStatus().getObservedGeneration()).isEqualTo(2L);
    }

    @Test
    void aContentChangeRollsThePods() throws Exception {
        createWebsite(1, "old", null);
        context.reconcile(controller, KEY);
        String oldHash = deployment().getSpec().getTemplate().getMetadata().getAnnotations()
                .get(WebsiteController.CONTENT_HASH_ANNOTATION);
        Website website = website();
        website.getSpec().setContent("new");
        cluster.update(website);

        context.reconcile(controller, KEY);

        assertThat(env(deployment(), "WEBSITE_CONTENT")).isEqualTo("new");
        assertThat(deployment().getSpec().getTemplate().getMetadata().getAnnotations()
                .get(WebsiteController.CONTENT_HASH_ANNOTATION)).isNotEqualTo(oldHash);
        assertThat(context.events().reasons()).contains("ContentChanged");
        assertThat(cluster.actions("update", "Service")).isEmpty();
    }

    @Test
    void aPortChangeUpdatesTheServiceAndKeepsItsClusterIP() throws Exception {
        createWebsite(1, "hi", 8080);
        context.reconcile(controller, KEY);
        Service allocated = service();
        allocated.getSpec().setClusterIP("10.96.0.42"); // as the API server would have allocated it
        cluster.update(allocated);
        Website website = website();
        website.getSpec().setPort(9000);
        cluster.update(website);

        context.reconcile(controller, KEY);

        assertThat(service().getSpec().getClusterIP()).isEqualTo("10.96.0.42");
        assertThat(service().getSpec().getPorts()).singleElement()
                .satisfies(p -> assertThat(p.getPort()).isEqualTo(9000));
        assertThat(env(deployment(), "WEBSITE_PORT")).isEqualTo("9000");
        assertThat(website().getStatus().getUrl()).isEqualTo("http://home.shop.svc.cluster.local:9000/");
    }

    @Test
    void objectsNotControlledByTheWebsiteAreLeftAlone() throws Exception {
        cluster.create(new DeploymentBuilder().withNewMetadata().withNamespace("shop").withName("home").endMetadata()
                .withNewSpec().withReplicas(7).endSpec().build());
        createWebsite(1, "hi", null);
        cluster.clearActions();

        Result result = context.reconcile(controller, KEY);

        assertThat(result.requeueAfter()).isEqualTo(WebsiteController.CONFLICT_RETRY);
        assertThat(cluster.actions("create", "Deployment")).isEmpty();
        assertThat(cluster.actions("update", "Deployment")).isEmpty();
        assertThat(cluster.actions("create", "Service")).isEmpty();
        assertThat(deployment().getSpec().getReplicas()).isEqualTo(7);
        assertThat(context.events().events()).extracting(RecordedEvent::reason).contains("ErrResourceExists");
        assertThat(available().getStatus()).isEqualTo("False");
        assertThat(available().getReason()).isEqualTo("ErrResourceExists");
        assertThat(available().getMessage())
                .isEqualTo("Deployment Resource \"home\" already exists and is not managed by Website");
    }

    @Test
    void doesNotCreateAgainWhileItsCreationsAreUnobserved() throws Exception {
        createWebsite(1, "hi", null);
        context.expectations().expectCreations(KEY, 2); // an earlier reconcile's creates, not cached yet
        cluster.clearActions();

        context.reconcile(controller, KEY);

        assertThat(cluster.actions("create", "Deployment")).isEmpty();
        assertThat(cluster.actions("create", "Service")).isEmpty();
    }

    @Test
    void aFailedCreateIsReportedAndRetriedWithoutWaitingForIt() throws Exception {
        createWebsite(1, "hi", null);
        cluster.failNext("create", "Service", FakeCluster.error(500, "InternalError", "etcd is sad"));

        assertThatThrownBy(() -> context.reconcile(controller, KEY)).hasMessageContaining("etcd is sad");

        assertThat(context.expectations().satisfied(KEY)).isTrue();
        assertThat(context.events().events()).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo("Warning");
            assertThat(e.reason()).isEqualTo("FailedCreate");
            assertThat(e.message()).contains("Service home");
        });
        cluster.clearActions();

        context.reconcile(controller, KEY); // the retry creates only what is missing

        assertThat(cluster.actions("create", "Service")).hasSize(1);
        assertThat(cluster.actions("create", "Deployment")).isEmpty();
    }

    @Test
    void aMissingOrTerminatingWebsiteIsDone() throws Exception {
        assertThat(context.reconcile(controller, KEY)).isEqualTo(Result.done());
        assertThat(cluster.actions()).isEmpty();

        Website website = new Website("shop", "home", new WebsiteSpec(1, "hi", null));
        website.getMetadata().setFinalizers(List.of("example.com/hold"));
        cluster.create(website);
        cluster.delete(Website.class, "shop", "home", null);
        cluster.clearActions();

        assertThat(context.reconcile(controller, KEY)).isEqualTo(Result.done());
        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void theSpecOwnsDeploymentsAndServicesOfWebsites() {
        assertThat(controller.spec().primary()).isEqualTo(Website.class);
        assertThat(controller.spec().watches()).allSatisfy(w -> assertThat(w.owned()).isTrue())
                .extracting(w -> (Object) w.kind()).containsExactly(Deployment.class, Service.class);
        Service foreign = new ServiceBuilder().withNewMetadata().withNamespace("shop").withName("x")
                .addNewOwnerReference().withKind("Website").withName("home").withUid("u").withController(true)
                .endOwnerReference().endMetadata().build();
        assertThat(controller.spec().watches().get(1).mapper().keys(foreign, cluster)).containsExactly(KEY);
    }

    @Test
    void statusIsNotRewrittenWhileNothingChanges() throws Exception {
        createWebsite(1, "hi", null);
        context.reconcile(controller, KEY);
        deploymentReady(1);
        context.reconcile(controller, KEY);
        String since = available().getLastTransitionTime();
        cluster.clock().advance(Duration.ofMinutes(3));
        cluster.clearActions();

        context.reconcile(controller, KEY);

        assertThat(cluster.actions()).isEmpty();
        assertThat(available().getLastTransitionTime()).isEqualTo(since);
    }
}
