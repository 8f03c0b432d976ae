package io.karavel.itests.paxexam;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetSpec;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.ControllerInfo;
import io.karavel.api.controller.ControllerRuntime;
import io.karavel.api.network.ServiceNetwork;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.api.scheduler.SchedulerRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The checks of {@link BundleRestartIT}, in a class of their own for the reason given in
 * {@link ApiServerView}. The Aries whiteboard lifecycle-test pattern: stop a bundle, see what
 * depends on it go, bring it back, see everything recover without duplicate work.
 */
final class RestartView {
    private static final String NAMESPACE = "restart";
    private static final int REPLICAS = 3;
    private static final Map<String, String> LABELS = Map.of("app", "web");
    /** How the pods serve their own name on their own IP (process runtime: POD_IP is set by the runtime). */
    private static final String COMMAND = "d=/tmp/karavel-restart-it-$HOSTNAME && mkdir -p $d && echo $HOSTNAME > $d/index.html"
            + " && echo ok > $d/ready && exec busybox httpd -f -p $POD_IP:8080 -h $d";

    private final KaravelKarafTestSupport test;
    private final ObjectClient client;
    private String clusterIP;
    /** The most pods of the ReplicaSet seen alive (not terminating) at once, at any check. */
    private int mostAlive;

    private RestartView(KaravelKarafTestSupport test) {
        this.test = test;
        this.client = test.awaitService(ObjectClient.class, null);
    }

    static void restartEachSwappableBundle(KaravelKarafTestSupport test) throws Exception {
        RestartView view = new RestartView(test);
        view.deploy();
        try {
            view.restart("io.karavel.proxy", ServiceNetwork.class, null);
            view.update("io.karavel.proxy");
            view.restart("io.karavel.scheduler", SchedulerRuntime.class, null);
            view.update("io.karavel.scheduler");
            view.restart("io.karavel.controllers", "its controllers unbound", () -> view.controllers().controllers()
                    .stream().noneMatch(c -> "io.karavel.controllers".equals(c.bundle())));
            view.update("io.karavel.controllers");
            view.restart("io.karavel.runtime.process", ContainerRuntime.class, "(runtime.name=process)");
            view.update("io.karavel.runtime.process");
            view.restart("io.karavel.controller.runtime", ControllerRuntime.class, null);
            view.update("io.karavel.controller.runtime");
            view.restart("io.karavel.kubelet", "the node agent stopped",
                    () -> !view.componentActive("io.karavel.kubelet"));
            view.update("io.karavel.kubelet");
            assertEquals("never more than " + REPLICAS + " pods alive at once", REPLICAS, view.mostAlive);
        } finally {
            // the process runtime's pods outlive Karaf: let the node agent stop them
            view.client.delete(Namespace.class, null, NAMESPACE, null);
            KaravelKarafTestSupport.await("the test's pods gone", () -> view.client.list(Pod.class, NAMESPACE).isEmpty());
        }
    }

    /** A Service and a ReplicaSet of three; waits until the Service reaches all three. */
    private void deploy() {
        Namespace namespace = new Namespace();
        namespace.setMetadata(meta(NAMESPACE, null));
        client.create(namespace);
        Service service = new Service();
        service.setMetadata(meta("web", NAMESPACE));
        ServiceSpec serviceSpec = new ServiceSpec();
        serviceSpec.setSelector(LABELS);
        ServicePort port = new ServicePort();
        port.setName("http");
        port.setPort(80);
        port.setTargetPort(new IntOrString("http"));
        serviceSpec.setPorts(List.of(port));
        service.setSpec(serviceSpec);
        clusterIP = client.create(service).getSpec().getClusterIP();
        assertNotNull("a ClusterIP", clusterIP);
        client.create(replicaSet());
        awaitHealthy(Set.of());
    }

    /** The ControllerRuntime registered now (a restart of its bundle replaces it). */
    private ControllerRuntime controllers() {
        return test.awaitService(ControllerRuntime.class, null);
    }

    /** {@code bundle:restart}: stop (what it provides goes), start, recovery. */
    private void restart(String symbolicName, Class<?> provided, String filter) throws Exception {
        restart(symbolicName, provided.getSimpleName() + " gone", () -> services(provided, filter) == 0);
    }

    private void restart(String symbolicName, String gone, java.util.function.BooleanSupplier isGone) throws Exception {
        Set<String> before = aliveUids();
        Bundle bundle = bundle(symbolicName);
        bundle.stop();
        KaravelKarafTestSupport.await(symbolicName + " stopped: " + gone, isGone);
        bundle.start();
        recovered(symbolicName + " restarted", before);
    }

    /** {@code bundle:update} then a refresh: a new revision of the same bundle. */
    private void update(String symbolicName) throws Exception {
        Set<String> before = aliveUids();
        Bundle bundle = bundle(symbolicName);
        bundle.update();
        FrameworkWiring wiring = test.bundleContext.getBundle(0).adapt(FrameworkWiring.class);
        CountDownLatch refreshed = new CountDownLatch(1);
        wiring.refreshBundles(List.of(bundle), event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshed.countDown();
            }
        });
        assertTrue("refresh of " + symbolicName + " done", refreshed.await(KaravelKarafTestSupport.TIMEOUT.toSeconds(),
                TimeUnit.SECONDS));
        recovered(symbolicName + " updated", before);
    }

    /**
     * The same pods, all Ready and reached through the Service; then a deleted pod is replaced
     * (the ReplicaSet controller), placed (the scheduler), started (the node agent and runtime)
     * and reached (endpoints, proxy).
     */
    private void recovered(String what, Set<String> before) {
        KaravelKarafTestSupport.await(what + ": bundle active and components back", () -> {
            for (Bundle b : test.bundleContext.getBundles()) {
                if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("io.karavel.")
                        && b.getHeaders().get("Fragment-Host") == null && b.getState() != Bundle.ACTIVE) {
                    return false;
                }
            }
            return services(ServiceNetwork.class, null) > 0 && services(SchedulerRuntime.class, null) > 0
                    && services(ContainerRuntime.class, "(runtime.name=process)") > 0
                    && controllers().controllers().stream().filter(c -> c.state().equals("running")).count() >= 6;
        });
        test.assertComponentActive("io.karavel.kubelet");
        test.assertComponentActive("io.karavel.scheduler");
        awaitHealthy(before);
        assertEquals(what + ": the same pods", before, aliveUids());

        String victim = alive().get(0).getMetadata().getName();
        client.delete(Pod.class, NAMESPACE, victim, null);
        KaravelKarafTestSupport.await(what + ": " + victim + " replaced", () -> {
            Set<String> uids = aliveUids();
            return uids.size() == REPLICAS && !uids.containsAll(before);
        });
        awaitHealthy(Set.of());
        for (ControllerInfo c : controllers().controllers()) {
            assertEquals(what + ": controller " + c.name(), "running", c.state());
        }
    }

    /**
     * Exactly three pods alive, all Ready (and, when given, exactly these), and the Service
     * answering from each of them.
     */
    private void awaitHealthy(Set<String> expectedUids) {
        KaravelKarafTestSupport.await("three Ready pods" + (expectedUids.isEmpty() ? "" : " " + expectedUids), () -> {
            List<Pod> pods = alive();
            return pods.size() == REPLICAS && pods.stream().allMatch(RestartView::ready)
                    && (expectedUids.isEmpty() || uids(pods).equals(expectedUids));
        });
        Set<String> names = alive().stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
        Set<String> answered = new HashSet<>();
        KaravelKarafTestSupport.await("the Service reaches " + names + " (so far " + answered + ")", () -> {
            String body = get();
            if (body != null) {
                answered.add(body);
            }
            return answered.containsAll(names);
        });
        assertTrue("only the ReplicaSet's pods answer: " + answered, names.containsAll(answered));
    }

    private List<Pod> alive() {
        List<Pod> pods = client.list(Pod.class, NAMESPACE).stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> p.getMetadata().getLabels() != null && "web".equals(p.getMetadata().getLabels().get("app")))
                .toList();
        mostAlive = Math.max(mostAlive, pods.size());
        return pods;
    }

    private Set<String> aliveUids() {
        return uids(alive());
    }

    private static Set<String> uids(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
    }

    private static boolean ready(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    /** One request to the Service; the answering pod's name, or null on any failure. */
    private String get() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + clusterIP + "/").toURL()
                    .openConnection(Proxy.NO_PROXY);
            c.setConnectTimeout(1000);
            c.setReadTimeout(1000);
            try (InputStream in = c.getInputStream()) {
                return c.getResponseCode() == 200 ? new String(in.readAllBytes(), StandardCharsets.UTF_8).strip() : null;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return null;
        }
    }

    private boolean componentActive(String name) {
        for (var description : test.serviceComponentRuntime.getComponentDescriptionDTOs()) {
            if (description.name.equals(name)) {
                for (var configuration : test.serviceComponentRuntime.getComponentConfigurationDTOs(description)) {
                    if (configuration.state == org.osgi.service.component.runtime.dto.ComponentConfigurationDTO.ACTIVE) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private int services(Class<?> type, String filter) {
        try {
            return test.bundleContext.getServiceReferences(type.getName(), filter) == null ? 0
                    : test.bundleContext.getServiceReferences(type.getName(), filter).length;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle bundle : test.bundleContext.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    // Plain setters rather than fabric8 builders: see ControlPlaneView.
    private static ObjectMeta meta(String name, String namespace) {
        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        meta.setNamespace(namespace);
        return meta;
    }

    private static ReplicaSet replicaSet() {
        Container container = new Container();
        container.setName("httpd");
        container.setImage("busybox");
        container.setCommand(List.of("sh", "-c", COMMAND));
        ContainerPort port = new ContainerPort();
        port.setName("http");
        port.setContainerPort(8080);
        container.setPorts(List.of(port));
        Probe probe = new Probe();
        HTTPGetAction get = new HTTPGetAction();
        get.setPath("/ready");
        get.setPort(new IntOrString(8080));
        probe.setHttpGet(get);
        probe.setPeriodSeconds(1);
        probe.setFailureThreshold(1);
        container.setReadinessProbe(probe);
        PodSpec spec = new PodSpec();
        spec.setContainers(List.of(container));
        spec.setTerminationGracePeriodSeconds(1L);
        PodTemplateSpec template = new PodTemplateSpec();
        ObjectMeta templateMeta = new ObjectMeta();
        templateMeta.setLabels(LABELS);
        template.setMetadata(templateMeta);
        template.setSpec(spec);
        LabelSelector selector = new LabelSelector();
        selector.setMatchLabels(LABELS);
        ReplicaSetSpec rsSpec = new ReplicaSetSpec();
        rsSpec.setReplicas(REPLICAS);
        rsSpec.setSelector(selector);
        rsSpec.setTemplate(template);
        ReplicaSet rs = new ReplicaSet();
        rs.setMetadata(meta("web", NAMESPACE));
        rs.setSpec(rsSpec);
        return rs;
    }
}
