package io.karavel.controllers.endpoints;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.karavel.api.controller.ObjectKey;
import io.karavel.testing.controller.FakeCluster;
import io.karavel.testing.controller.FakeReconcileContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EndpointsControllerTest {
    private static final ObjectKey WEB = new ObjectKey("default", "web");

    private FakeCluster cluster;
    private EndpointsController controller;
    private FakeReconcileContext context;

    @BeforeEach
    void setUp() {
        cluster = new FakeCluster();
        controller = new EndpointsController(1, 100);
        context = cluster.context(controller.spec());
    }

    @Test
    void readyAndNotReadyPodsAreSplitWithTheirTargetPortResolvedByName() throws Exception {
        cluster.load(service("web", Map.of("app", "web"), new IntOrString("http")),
                pod("a", Map.of("app", "web"), "10.0.0.2", true, 8080),
                pod("b", Map.of("app", "web"), "10.0.0.1", false, 8080),
                pod("other", Map.of("app", "db"), "10.0.0.3", true, 8080),
                pod("no-ip", Map.of("app", "web"), null, false, 8080));

        context.reconcile(controller, WEB);

        Endpoints endpoints = cluster.get(Endpoints.class, "default", "web").orElseThrow();
        assertThat(endpoints.getSubsets()).hasSize(1);
        EndpointSubset subset = endpoints.getSubsets().get(0);
        assertThat(subset.getAddresses()).extracting(EndpointAddress::getIp).containsExactly("10.0.0.2");
        assertThat(subset.getNotReadyAddresses()).extracting(EndpointAddress::getIp).containsExactly("10.0.0.1");
        assertThat(subset.getAddresses().get(0).getNodeName()).isEqualTo("n1");
        assertThat(subset.getAddresses().get(0).getTargetRef().getName()).isEqualTo("a");
        assertThat(subset.getAddresses().get(0).getTargetRef().getKind()).isEqualTo("Pod");
        assertThat(subset.getAddresses().get(0).getTargetRef().getUid())
                .isEqualTo(cluster.get(Pod.class, "default", "a").orElseThrow().getMetadata().getUid());
        assertThat(subset.getPorts()).extracting(EndpointPort::getName, EndpointPort::getPort, EndpointPort::getProtocol)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("http", 8080, "TCP"));
    }

    @Test
    void podsResolvingANamedPortDifferentlyLandInDifferentSubsets() throws Exception {
        cluster.load(service("web", Map.of("app", "web"), new IntOrString("http")),
                pod("a", Map.of("app", "web"), "10.0.0.1", true, 8080),
                pod("b", Map.of("app", "web"), "10.0.0.2", true, 9090));

        context.reconcile(controller, WEB);

        Endpoints endpoints = cluster.get(Endpoints.class, "default", "web").orElseThrow();
        assertThat(endpoints.getSubsets()).extracting(s -> s.getPorts().get(0).getPort()).containsExactlyInAnyOrder(8080, 9090);
        assertThat(slices()).hasSize(2);
    }

    @Test
    void aPodWhoseSubdomainNamesTheServiceListsItsHostname() throws Exception {
        Pod named = new PodBuilder(pod("a", Map.of("app", "web"), "10.0.0.1", true, 8080))
                .editSpec().withHostname("db-0").withSubdomain("web").endSpec().build();
        Pod otherSubdomain = new PodBuilder(pod("b", Map.of("app", "web"), "10.0.0.2", true, 8080))
                .editSpec().withHostname("db-1").withSubdomain("elsewhere").endSpec().build();
        cluster.load(service("web", Map.of("app", "web"), new IntOrString("http")), named, otherSubdomain);

        context.reconcile(controller, WEB);

        // the DNS answers db-0.web.<ns>.svc for the first pod only
        assertThat(slices().get(0).getEndpoints()).extracting(Endpoint::getHostname).containsExactly("db-0", null);
        assertThat(cluster.get(Endpoints.class, "default", "web").orElseThrow().getSubsets().get(0).getAddresses())
                .extracting(EndpointAddress::getHostname).containsExactly("db-0", null);
    }

    @Test
    void aNumericTargetPortIsUsedAsIs() throws Exception {
        cluster.load(service("web", Map.of("app", "web"), new IntOrString(7000)),
                pod("a", Map.of("app", "web"), "10.0.0.1", true, 8080));

        context.reconcile(controller, WEB);

        assertThat(cluster.get(Endpoints.class, "default", "web").orElseThrow().getSubsets().get(0).getPorts().get(0).getPort())
                .isEqualTo(7000);
    }

    @Test
    void theSliceIsOwnedByTheServiceAndListsEveryEndpointWithItsConditions() throws Exception {
        cluster.load(service("web", Map.of("app", "web"), new IntOrString("http")),
                pod("a", Map.of("app", "web"), "10.0.0.1", true, 8080),
                pod("b", Map.of("app", "web"), "10.0.0.2", false, 8080));

        context.reconcile(controller, WEB);

        EndpointSlice slice = slices().get(0);
        Service service = cluster.get(Service.class, "default", "web").orElseThrow();
        assertThat(slices()).hasSize(1);
        assertThat(slice.getMetadata().getName()).startsWith("web-");
        assertThat(slice.getMetadata().getLabels()).containsEntry("kubernetes.io/service-name", "web")
                .containsEntry("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
        assertThat(slice.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
            assertThat(ref.getUid()).isEqualTo(service.getMetadata().getUid());
            assertThat(ref.getKind()).isEqualTo("Service");
            assertThat(ref.getController()).isTrue();
        });
        assertThat(slice.getAddressType()).isEqualTo("IPv4");
        assertThat(slice.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getPort()).isEqualTo(8080);
        });
        assertThat(slice.getEndpoints()).extracting(e -> e.getAddresses().get(0)).containsExactly("10.0.0.1", "10.0.0.2");
        Endpoint ready = slice.getEndpoints().get(0);
        Endpoint notReady = slice.getEndpoints().get(1);
        assertThat(ready.getConditions().getReady()).isTrue();
        assertThat(ready.getConditions().getServing()).isTrue();
        assertThat(ready.getConditions().getTerminating()).isFalse();
        assertThat(notReady.getConditions().getReady()).isFalse();
        assertThat(ready.getNodeName()).isEqualTo("n1");
        assertThat(ready.getTargetRef().getName()).isEqualTo("a");
    }

    @Test
    void nothingIsWrittenWhenNothingChanged() throws Exception {
        cluster.load(service("web", Map.of("app", "web"), new IntOrString("http")),
                pod("a", Map.of("app", "web"), "10.0.0.1", true, 8080),
                pod("b", Map.of("app", "web"), "10.0.0.2", false, 8080));
        context.reconcile(controller, WEB);
        assertThat(cluster.actions()).extracting(a -> a.verb() + " " + a.kind())
                .containsExactly("create Endpoints", "create EndpointSlice");
        cluster.clearActions();

        context.reconcile(controller, WEB);

        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void aPodBecomingReadyUpdatesEndpointsAndSliceInPlace() throws Exception {
        cluster.load(service("web", Map.of("app", "web"), new IntOrString("http")),
                pod("a", Map.of("app", "web"), "10.0.0.1", false, 8080));
        context.reconcile(controller, WEB);
        String sliceName = slices().get(0).getMetadata().getName();
        Pod a = cluster.get(Pod.class, "default", "a").orElseThrow();
        cluster.updateStatus(new PodBuilder(a).editStatus().editFirstCondition().withStatus("True").endCondition().endStatus().build());
        cluster.clearActions();

        context.reconcile(controller, WEB);

        assertThat(cluster.actions()).extracting(x -> x.verb() + " " + x.kind())
                .containsExactly("update Endpoints", "update EndpointSlice");
        assertThat(cluster.get(Endpoints.class, "default", "web").orElseThrow().getSubsets().get(0).getAddresses())
                .extracting(EndpointAddress::getIp).containsExactly("10.0.0.1");
        assertThat(slices()).singleElement().satisfies(s -> {
            assertThat(s.getMetadata().getName()).isEqualTo(sliceName);
            assertThat(s.getEndpoints().get(0).getConditions().getReady()).isTrue();
        });
    }

    @Test
    void terminatingPodsAreLeftOut() throws Exception {
        Pod terminating = new PodBuilder(pod("a", Map.of("app", "web"), "10.0.0.1", true, 8080))
                .editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").withFinalizers("keep").endMetadata().build();
        cluster.load(service("web", Map.of("app", "web"), new IntOrString("http")), terminating);

        context.reconcile(controller, WEB);

        assertThat(cluster.get(Endpoints.class, "default", "web").orElseThrow().getSubsets()).isNullOrEmpty();
        assertThat(slices()).singleElement().satisfies(s -> assertThat(s.getEndpoints()).isNullOrEmpty());
    }

    @Test
    void aServiceWithoutSelectorKeepsItsHandWrittenEndpoints() throws Exception {
        Service manual = new ServiceBuilder(service("web", Map.of(), new IntOrString(80)))
                .editSpec().withSelector(null).endSpec().build();
        Endpoints handWritten = new EndpointsBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .addNewSubset().addNewAddress().withIp("192.168.1.1").endAddress().endSubset().build();
        cluster.load(manual, handWritten, pod("a", Map.of("app", "web"), "10.0.0.1", true, 8080));

        context.reconcile(controller, WEB);

        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void theEndpointsGoWithTheirService() throws Exception {
        cluster.load(service("web", Map.of("app", "web"), new IntOrString("http")));
        context.reconcile(controller, WEB);
        cluster.delete(Service.class, "default", "web", null);

        context.reconcile(controller, WEB);

        assertThat(cluster.get(Endpoints.class, "default", "web")).isEmpty();
    }

    @Test
    void slicesAreSplitAtTheConfiguredSizeAndSurplusSlicesDeleted() throws Exception {
        controller = new EndpointsController(1, 2);
        context = cluster.context(controller.spec());
        cluster.load(service("web", Map.of("app", "web"), new IntOrString("http")),
                pod("a", Map.of("app", "web"), "10.0.0.1", true, 8080),
                pod("b", Map.of("app", "web"), "10.0.0.2", true, 8080),
                pod("c", Map.of("app", "web"), "10.0.0.3", true, 8080));
        context.reconcile(controller, WEB);
        assertThat(slices()).extracting(s -> s.getEndpoints().size()).containsExactlyInAnyOrder(2, 1);

        cluster.delete(Pod.class, "default", "c", null);
        cluster.delete(Pod.class, "default", "b", null);
        context.reconcile(controller, WEB);

        assertThat(slices()).singleElement().satisfies(s ->
                assertThat(s.getEndpoints()).extracting(e -> e.getAddresses().get(0)).containsExactly("10.0.0.1"));
    }

    @Test
    void podsMapToTheServicesSelectingThemAndToThoseStillListingThem() throws Exception {
        cluster.load(service("web", Map.of("app", "web"), new IntOrString("http")),
                service("db", Map.of("app", "db"), new IntOrString("http")),
                pod("a", Map.of("app", "web"), "10.0.0.1", true, 8080));
        context.reconcile(controller, WEB);
        Pod relabelled = new PodBuilder(cluster.get(Pod.class, "default", "a").orElseThrow())
                .editMetadata().withLabels(Map.of("app", "db")).endMetadata().build();

        assertThat(EndpointsController.servicesOfPod(relabelled, cluster))
                .containsExactlyInAnyOrder(new ObjectKey("default", "db"), WEB);
    }

    private List<EndpointSlice> slices() {
        return cluster.list(EndpointSlice.class, "default");
    }

    private static Service service(String name, Map<String, String> selector, IntOrString targetPort) {
        return new ServiceBuilder()
                .withNewMetadata().withNamespace("default").withName(name).endMetadata()
                .withNewSpec().withSelector(selector)
                .addNewPort().withName("http").withPort(80).withProtocol("TCP").withTargetPort(targetPort).endPort()
                .endSpec()
                .build();
    }

    private static Pod pod(String name, Map<String, String> labels, String ip, boolean ready, int containerPort) {
        return new PodBuilder()
                .withNewMetadata().withNamespace("default").withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withNodeName("n1")
                .addNewContainer().withName("c").withImage("nginx")
                .addNewPort().withName("http").withContainerPort(containerPort).withProtocol("TCP").endPort()
                .endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip)
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .endStatus()
                .build();
    }
}
