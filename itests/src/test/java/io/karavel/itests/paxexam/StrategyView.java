package io.karavel.itests.paxexam;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.client.PatchType;
import io.karavel.api.scheduler.ProfileInfo;
import io.karavel.api.scheduler.SchedulerRuntime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.framework.Bundle;

/**
 * The checks of {@link SchedulerStrategyIT}, in a class of their own for the reason given in
 * {@link ApiServerView}: the scheduler SPI reaches the probe only once the feature is installed.
 */
final class StrategyView {
    private static final String NAMESPACE = "default";
    /** Only the test's Node objects carry it, and the test's pods select it: the real node stays out. */
    private static final String TEST_LABEL = "karavel.test/strategy";
    /** Alphabetical order is firstfit's rule: ff-a first. */
    private static final List<String> NODES = List.of("ff-a", "ff-b", "ff-c");

    private final KaravelKarafTestSupport test;
    private final SchedulerRuntime scheduler;
    private final ObjectClient client;
    private final List<String> pods = new java.util.ArrayList<>();

    private StrategyView(KaravelKarafTestSupport test) {
        this.test = test;
        this.scheduler = test.awaitService(SchedulerRuntime.class, null);
        this.client = test.awaitService(ObjectClient.class, null);
    }

    static void installSwitchAndRemove(KaravelKarafTestSupport test, String firstFitLocation) throws Exception {
        new StrategyView(test).run(firstFitLocation);
    }

    private void run(String firstFitLocation) throws Exception {
        KaravelKarafTestSupport.await("spread and binpack ready", () -> ready().containsAll(List.of("spread", "binpack")));
        assertEquals("spread", scheduler.defaultProfile());
        for (String name : NODES) {
            client.create(readyNode(name));
        }
        try {
            // spread: one pod after the other lands on the emptiest node, so three pods on three nodes
            Set<String> spread = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                spread.add(bound(createPod("spread-" + i, null)));
            }
            assertEquals(Set.copyOf(NODES), spread);

            // a third-party strategy bundle, installed into the running scheduler and selected
            Bundle firstFit = test.bundleContext.installBundle(firstFitLocation);
            firstFit.start();
            KaravelKarafTestSupport.await("firstfit ready", () -> ready().contains("firstfit"));
            scheduler.setDefaultProfile("firstfit");
            assertEquals("firstfit", scheduler.defaultProfile());
            for (int i = 0; i < 3; i++) {
                assertEquals("firstfit places on the first node", "ff-a", bound(createPod("firstfit-" + i, null)));
            }

            // switching changes the next pod's placement: spread avoids the fullest node
            scheduler.setDefaultProfile("spread");
            assertNotEquals("ff-a", bound(createPod("spread-again", null)));
            scheduler.setDefaultProfile("firstfit");
            assertEquals("ff-a", bound(createPod("firstfit-again", null)));

            // A pod waits under firstfit for a node labelled "late"; the selected strategy's bundle
            // goes: the configured default (spread) takes over, with a WARN in the log and an event
            // on the pods it places for the missing one.
            createPod("waiting", Map.of("karavel.test/late", "yes"));
            KaravelKarafTestSupport.await("waiting is unschedulable", () -> hasEvent("waiting", "FailedScheduling", "0/"));
            firstFit.uninstall();
            KaravelKarafTestSupport.await("firstfit gone", () -> !ready().contains("firstfit"));
            assertEquals("the configured default serves", "spread", scheduler.defaultProfile());
            String next = bound(createPod("fallback", null));
            assertNotEquals("spread, not firstfit, placed it", "ff-a", next);
            assertTrue(hasEvent("fallback", "ProfileFallback", "no scheduling profile \"firstfit\" is installed"));
            client.patch(Node.class, null, "ff-c", PatchType.MERGE,
                    "{\"metadata\":{\"labels\":{\"karavel.test/late\":\"yes\"}}}");
            assertEquals("ff-c", bound("waiting"));
            KaravelKarafTestSupport.await("a fallback event on the waiting pod",
                    () -> hasEvent("waiting", "ProfileFallback", "\"spread\""));

            // without the configured default either, pods wait Pending and an event says why
            Bundle spreadBundle = bundle("io.karavel.scheduler.spread");
            spreadBundle.stop();
            try {
                KaravelKarafTestSupport.await("spread gone", () -> !ready().contains("spread"));
                createPod("stranded", null);
                KaravelKarafTestSupport.await("an event naming both profiles", () -> hasEvent("stranded",
                        "FailedScheduling", "nor can the configured default"));
                assertNull(nodeOf("stranded"));
            } finally {
                spreadBundle.start();
            }
            bound("stranded");

            // the strategy's bundle back (an update, say): the selection serves again, no new choice
            firstFit = test.bundleContext.installBundle(firstFitLocation);
            firstFit.start();
            KaravelKarafTestSupport.await("firstfit back", () -> "firstfit".equals(scheduler.defaultProfile()));
            assertEquals("ff-a", bound(createPod("firstfit-back", null)));
            firstFit.uninstall();
        } finally {
            if (scheduler.profiles().stream().anyMatch(p -> p.name().equals("spread"))) {
                scheduler.setDefaultProfile("spread");
            }
            // no node agent runs these pods: nothing would finish a graceful deletion
            DeleteOptions now = new DeleteOptions();
            now.setGracePeriodSeconds(0L);
            for (String pod : pods) {
                client.delete(Pod.class, NAMESPACE, pod, now);
            }
            for (String node : NODES) {
                client.delete(Node.class, null, node, null);
            }
        }
    }

    private List<String> ready() {
        return scheduler.profiles().stream().filter(ProfileInfo::ready).map(ProfileInfo::name).toList();
    }

    private String createPod(String name, Map<String, String> extraSelector) {
        Pod pod = new Pod();
        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        meta.setNamespace(NAMESPACE);
        pod.setMetadata(meta);
        PodSpec spec = new PodSpec();
        Map<String, String> selector = new java.util.HashMap<>(Map.of(TEST_LABEL, "yes"));
        if (extraSelector != null) {
            selector.putAll(extraSelector);
        }
        spec.setNodeSelector(selector);
        Container container = new Container();
        container.setName("c");
        container.setImage("busybox");
        spec.setContainers(List.of(container));
        pod.setSpec(spec);
        client.create(pod);
        pods.add(name);
        return name;
    }

    /** Waits until the pod is bound; its node. */
    private String bound(String pod) {
        KaravelKarafTestSupport.await(pod + " bound", () -> nodeOf(pod) != null);
        return nodeOf(pod);
    }

    private String nodeOf(String pod) {
        return client.get(Pod.class, NAMESPACE, pod).map(p -> p.getSpec().getNodeName()).orElse(null);
    }

    private boolean hasEvent(String pod, String reason, String messagePart) {
        return client.list(Event.class, NAMESPACE).stream().anyMatch(e -> pod.equals(e.getInvolvedObject().getName())
                && reason.equals(e.getReason()) && e.getMessage() != null && e.getMessage().contains(messagePart));
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle bundle : test.bundleContext.getBundles()) {
            if (bundle.getSymbolicName().equals(symbolicName)) {
                return bundle;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    // Plain setters rather than fabric8 builders: see ControlPlaneView.
    private static Node readyNode(String name) {
        Node node = new Node();
        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        meta.setLabels(Map.of(TEST_LABEL, "yes", "kubernetes.io/hostname", name));
        node.setMetadata(meta);
        NodeStatus status = new NodeStatus();
        NodeCondition ready = new NodeCondition();
        ready.setType("Ready");
        ready.setStatus("True");
        status.setConditions(List.of(ready));
        status.setAllocatable(Map.of("cpu", new Quantity("8"), "memory", new Quantity("16Gi"), "pods", new Quantity("110")));
        status.setCapacity(status.getAllocatable());
        node.setStatus(status);
        return node;
    }
}
