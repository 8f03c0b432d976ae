package io.karavel.itests.process;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.CoreMatchers.equalTo;
import static org.hamcrest.CoreMatchers.instanceOf;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Services end to end, as a user sees them: an all-in-one Karavel whose node runs pods on podman,
 * plus a second JVM in the node profile whose node runs them on the process runtime; each JVM
 * runs its node's service proxy and cluster DNS. The same scenario runs on both runtimes: three
 * busybox httpd replicas behind a ClusterIP Service and a NodePort Service; traffic reaches all
 * of them, leaves a pod that stops being Ready, follows a deleted pod's replacement without a
 * failed request, and is refused at once when no pod is Ready; pods reach the Service by DNS
 * name and by their environment variables.
 */
public class ServicesIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Path MANIFEST = Paths.get("src/test/resources/services/web.yaml");
    private static final String DNS_NAME = "web.%s.svc.cluster.local";

    private static KaravelProcess master;
    private static KaravelProcess processNode;
    private static Kubectl kubectl;
    private static KubernetesClient client;

    @BeforeClass
    public static void startCluster() throws Exception {
        assumeTrue("kubectl is not installed at " + Kubectl.BINARY, Files.isExecutable(Kubectl.BINARY));
        assumeTrue("podman is not installed", Files.isExecutable(Paths.get("/usr/bin/podman")));
        master = KaravelProcess.fromFreshCopy("services", "all-in-one").withEnv("KARAVEL_RUNTIME", "podman").start();
        processNode = KaravelProcess.fromFreshCopy("services-process", "node")
                .withEnv("KARAVEL_API_SERVER", master.apiUrl())
                .withEnv("KARAVEL_RUNTIME", "process");
        processNode.start();
        kubectl = new Kubectl(master.kubeconfig(), Files.createDirectories(master.home().resolve("kubectl-cache")));
        client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder().withMasterUrl(master.apiUrl()).withNamespace("default").build())
                .build();
        Poll.until(WAIT, "two Ready nodes", () -> client.nodes().list().getItems().stream()
                .filter(n -> n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus()
                        .getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")))
                .count() == 2);
    }

    @AfterClass
    public static void stopCluster() {
        if (client != null) {
            // Process-runtime pods outlive the JVM: let their node agent stop them first.
            kubectl.run("delete", "namespace", "svc-podman", "svc-process", "--wait=false");
            Poll.until(WAIT, "no pods left", () -> client.pods().inAnyNamespace().list().getItems().isEmpty());
            client.close();
        }
        if (processNode != null) {
            processNode.stop();
        }
        if (master != null) {
            master.stop();
        }
    }

    @Test
    public void servicesOnPodman() throws Exception {
        exercise("svc-podman", master.nodeName());
    }

    @Test
    public void servicesOnTheProcessRuntime() throws Exception {
        exercise("svc-process", processNode.nodeName());
    }

    private void exercise(String namespace, String node) throws Exception {
        Path manifest = master.home().resolve("web-" + namespace + ".yaml");
        Files.writeString(manifest, Files.readString(MANIFEST).replace("NAMESPACE", namespace).replace("NODE", node));
        kubectl.run("apply", "-f", manifest.toString()).assertSuccess();
        awaitReadyEndpoints(namespace, 3);
        Set<String> pods = readyPodNames(namespace);
        String clusterIP = kubectl.run("get", "service", "web", "-n", namespace, "-o", "jsonpath={.spec.clusterIP}")
                .assertSuccess().stdout();
        assertTrue("a loopback ClusterIP: " + clusterIP, clusterIP.startsWith("127."));
        InetSocketAddress service = new InetSocketAddress(clusterIP, 80);

        // 300 requests from the host through the ClusterIP reach all three replicas.
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            answered.add(Http.get(service));
        }
        assertEquals(pods, answered);

        // The NodePort Service answers on the node's address.
        int nodePort = Integer.parseInt(kubectl.run("get", "service", "web-nodeport", "-n", namespace, "-o",
                "jsonpath={.spec.ports[0].nodePort}").assertSuccess().stdout());
        assertTrue(pods.contains(Http.get(new InetSocketAddress("127.0.0.1", nodePort))));

        // Inside a pod: the Service by DNS name, and by its environment variables.
        String somePod = pods.iterator().next();
        assertTrue(pods.contains(kubectl.run("exec", somePod, "-n", namespace, "--", "busybox", "wget", "-q", "-O", "-",
                "http://" + String.format(DNS_NAME, namespace) + "/").assertSuccess().stdout().trim()));
        assertTrue(pods.contains(kubectl.run("exec", somePod, "-n", namespace, "--", "sh", "-c",
                "busybox wget -q -O - http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/").assertSuccess().stdout().trim()));
        // ... and the host by name, through the cluster DNS.
        assertThat(hostLookup(String.format(DNS_NAME, namespace)), containsString(clusterIP));

        // A pod that stops being Ready leaves the endpoints and gets no new request.
        String unready = somePod;
        kubectl.run("exec", unready, "-n", namespace, "--", "rm", "/tmp/www-" + unready + "/ready").assertSuccess();
        awaitReadyEndpoints(namespace, 2);
        for (int i = 0; i < 100; i++) {
            assertFalse("the unready pod got a request", Http.get(service).equals(unready));
        }

        // Deleting a Ready pod: a client retrying through the Service sees no failed request, and
        // the replacement (a new IP) gets traffic once Ready.
        String deleted = pods.stream().filter(p -> !p.equals(unready)).findFirst().orElseThrow();
        AtomicBoolean stop = new AtomicBoolean();
        List<String> failures = new CopyOnWriteArrayList<>();
        Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicInteger requests = new AtomicInteger();
        Thread retryingClient = new Thread(() -> {
            while (!stop.get()) {
                try {
                    seen.add(getWithRetries(service));
                    requests.incrementAndGet();
                } catch (IOException e) {
                    failures.add(e.toString());
                }
            }
        });
        retryingClient.start();
        try {
            kubectl.run("delete", "pod", deleted, "-n", namespace, "--wait=false").assertSuccess();
            Poll.until(WAIT, "a replacement pod to get traffic", () -> seen.stream()
                    .anyMatch(name -> !pods.contains(name)));
        } finally {
            stop.set(true);
            retryingClient.join(10_000);
        }
        assertEquals("failed requests out of " + requests.get(), List.of(), failures);

        // No Ready pod: the Service refuses connections at once instead of hanging.
        kubectl.run("scale", "deployment", "web", "-n", namespace, "--replicas=0").assertSuccess();
        awaitReadyEndpoints(namespace, 0);
        // The proxy sees the empty endpoints a moment after the API server does: poll, then check once more.
        Poll.until(WAIT, "the ClusterIP to refuse connections", () -> connectError(service) instanceof ConnectException);
        assertThat("connecting with no Ready endpoint", connectError(service), instanceOf(ConnectException.class));
    }

    private static Set<String> readyPodNames(String namespace) {
        return client.pods().inNamespace(namespace).withLabel("app", "web").list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && isReady(p))
                .map(p -> p.getMetadata().getName())
                .collect(Collectors.toSet());
    }

    private static boolean isReady(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if (c.getType().equals("Ready")) {
                return c.getStatus().equals("True");
            }
        }
        return false;
    }

    private static void awaitReadyEndpoints(String namespace, int count) {
        Poll.until(WAIT, count + " ready endpoints of " + namespace + "/web", () -> client.discovery().v1().endpointSlices()
                .inNamespace(namespace).withLabel("kubernetes.io/service-name", "web").list().getItems().stream()
                .flatMap(s -> s.getEndpoints() == null ? java.util.stream.Stream.<Endpoint>empty() : s.getEndpoints().stream())
                .filter(e -> e.getConditions() != null && !Boolean.FALSE.equals(e.getConditions().getReady()))
                .count() == count && (count == 0 || readyPodNames(namespace).size() == count));
    }


    /** What a client behind a Service does: retry a failed request a few times. */
    private static String getWithRetries(InetSocketAddress address) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return Http.get(address);
            } catch (IOException e) {
                last = e;
                Poll.pause();
            }
        }
        throw last;
    }

    /** Why a connection to {@code address} failed, or null when it succeeded. */
    private static IOException connectError(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 5_000);
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    /** The host resolving a name through the cluster DNS (its address is kube-dns's ClusterIP). */
    private static String hostLookup(String name) throws Exception {
        String dns = kubectl.run("get", "service", "kube-dns", "-n", "kube-system", "-o", "jsonpath={.spec.clusterIP}")
                .assertSuccess().stdout();
        Process lookup = new ProcessBuilder("busybox", "nslookup", name, dns).redirectErrorStream(true).start();
        String output = new String(lookup.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(output, lookup.waitFor(), equalTo(0));
        return output;
    }
}
