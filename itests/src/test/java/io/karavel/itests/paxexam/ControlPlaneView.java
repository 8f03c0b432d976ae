package io.karavel.itests.paxexam;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.ControllerInfo;
import io.karavel.api.controller.ControllerRuntime;
import io.karavel.api.scheduler.ProfileInfo;
import io.karavel.api.scheduler.SchedulerRuntime;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;

/**
 * The control plane's checks for {@link MasterFeatureIT}. A separate class for the reason given in
 * {@link ApiServerView}: the controller and scheduler API packages reach the probe only once the
 * test has installed its feature.
 */
final class ControlPlaneView {

    private ControlPlaneView() {}

    /** The built-in controllers run, stop with their bundle and run again when it starts. */
    static void controllersComeAndGoWithTheirBundle(KaravelKarafTestSupport test) throws Exception {
        ControllerRuntime runtime = test.awaitService(ControllerRuntime.class, null);
        List<String> builtIn = List.of("deployment", "endpoints", "garbagecollector", "namespace", "nodelifecycle", "replicaset");
        KaravelKarafTestSupport.await("the built-in controllers running", () -> running(runtime).containsAll(builtIn));
        assertTrue(runtime.leading());

        // hot swap: stopping the bundle stops its controllers (drained); starting it brings them back
        Bundle controllers = bundle(test, "io.karavel.controllers");
        controllers.stop();
        KaravelKarafTestSupport.await("controllers unbound", () -> runtime.controllers().stream().noneMatch(c -> builtIn.contains(c.name())));
        controllers.start();
        KaravelKarafTestSupport.await("controllers running again", () -> running(runtime).containsAll(builtIn));
    }

    /**
     * A strategy bundle stopped: its profile is gone and a pod asking for it waits with an event;
     * started again: the pod is scheduled, without a restart.
     */
    static void strategiesComeAndGoWithTheirBundles(KaravelKarafTestSupport test) throws Exception {
        SchedulerRuntime scheduler = test.awaitService(SchedulerRuntime.class, null);
        KaravelKarafTestSupport.await("spread and binpack ready", () -> readyProfiles(scheduler).containsAll(List.of("spread", "binpack")));
        assertEquals("spread", scheduler.defaultProfile());

        // a Ready node for the scheduler to bind to (no node agent in this profile: a Node object)
        ObjectClient client = test.awaitService(ObjectClient.class, null);
        client.create(readyNode("swap-node"));

        // without the binpack bundle, a pod asking for it waits with an event saying why
        Bundle binpack = bundle(test, "io.karavel.scheduler.binpack");
        binpack.stop();
        KaravelKarafTestSupport.await("binpack gone", () -> !readyProfiles(scheduler).contains("binpack"));
        assertTrue(readyProfiles(scheduler).contains("spread"));
        client.create(pod("wants-binpack", "binpack"));
        KaravelKarafTestSupport.await("an event about the missing profile", () -> client.list(Event.class, "default").stream()
                .anyMatch(e -> "wants-binpack".equals(e.getInvolvedObject().getName())
                        && e.getMessage() != null && e.getMessage().contains("binpack")));
        assertEquals(null, client.get(Pod.class, "default", "wants-binpack").orElseThrow().getSpec().getNodeName());

        // installing it again schedules the waiting pod, without a restart
        binpack.start();
        KaravelKarafTestSupport.await("binpack back", () -> readyProfiles(scheduler).contains("binpack"));
        KaravelKarafTestSupport.await("the pod bound", () -> "swap-node".equals(
                client.get(Pod.class, "default", "wants-binpack").orElseThrow().getSpec().getNodeName()));
        client.delete(Pod.class, "default", "wants-binpack", null);
        client.delete(Node.class, null, "swap-node", null);
    }

    // Plain setters rather than fabric8 builders: the probe runs against the server's model
    // bundles, whose generated builder API may differ from the newer model the tests compile with.
    private static Node readyNode(String name) {
        Node node = new Node();
        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        node.setMetadata(meta);
        NodeStatus status = new NodeStatus();
        NodeCondition ready = new NodeCondition();
        ready.setType("Ready");
        ready.setStatus("True");
        status.setConditions(List.of(ready));
        status.setAllocatable(Map.of("cpu", new Quantity("4"), "memory", new Quantity("8Gi"), "pods", new Quantity("10")));
        status.setCapacity(status.getAllocatable());
        node.setStatus(status);
        return node;
    }

    private static Pod pod(String name, String schedulerName) {
        Pod pod = new Pod();
        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        meta.setNamespace("default");
        pod.setMetadata(meta);
        PodSpec spec = new PodSpec();
        spec.setSchedulerName(schedulerName);
        Container container = new Container();
        container.setName("c");
        container.setImage("busybox");
        spec.setContainers(List.of(container));
        pod.setSpec(spec);
        return pod;
    }

    private static List<String> running(ControllerRuntime runtime) {
        return runtime.controllers().stream().filter(c -> c.state().equals("running")).map(ControllerInfo::name).toList();
    }

    private static List<String> readyProfiles(SchedulerRuntime scheduler) {
        return scheduler.profiles().stream().filter(ProfileInfo::ready).map(ProfileInfo::name).toList();
    }

    private static Bundle bundle(KaravelKarafTestSupport test, String symbolicName) {
        for (Bundle bundle : test.bundleContext.getBundles()) {
            if (bundle.getSymbolicName().equals(symbolicName)) {
                return bundle;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }
}
