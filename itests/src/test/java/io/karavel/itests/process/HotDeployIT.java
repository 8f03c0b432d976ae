package io.karavel.itests.process;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * A controller bundle hot-deployed the way a user does it: the example Website controller's jar
 * ({@code examples/website-controller}) copied into {@code deploy/} of a running all-in-one whose
 * node runs pods on the process runtime. The bundle registers its CRD and reconciles at once;
 * taking the jar out pauses reconciliation cleanly (a change made meanwhile is left alone, no
 * error repeats in {@code karaf.log}); putting it back reconciles the change; updating the bundle
 * in place (a new jar, which file install applies with {@code Bundle.update}) carries on too; and
 * deleting the Website removes its Deployment and Service through the garbage collector.
 *
 * <p>The jar is found through the system property {@code karavel.example.website.jar}, else in
 * the example module's {@code target/}.
 */
public class HotDeployIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** How long a paused controller is watched for doing nothing. */
    private static final Duration PAUSED = Duration.ofSeconds(6);
    private static final String NAMESPACE = "hotdeploy";
    private static final String JAR_NAME = "website-controller.jar";

    private static KaravelProcess karavel;
    private static Kubectl kubectl;
    private static Path jar;

    @BeforeClass
    public static void start() throws Exception {
        assumeTrue("kubectl is not installed at " + Kubectl.BINARY, Files.isExecutable(Kubectl.BINARY));
        assumeTrue("busybox is not installed", Files.isExecutable(Paths.get("/usr/bin/busybox"))
                || Files.isExecutable(Paths.get("/bin/busybox")));
        jar = exampleJar();
        karavel = KaravelProcess.fromFreshCopy("hotdeploy", "all-in-one").start();
        kubectl = new Kubectl(karavel.kubeconfig(), Files.createDirectories(karavel.home().resolve("kubectl-cache")));
        Poll.until(WAIT, "the node to be Ready", () -> kubectl.run("get", "node", karavel.nodeName(), "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").stdout().equals("True"));
        kubectl.run("create", "namespace", NAMESPACE).assertSuccess();
    }

    @AfterClass
    public static void stop() {
        if (karavel == null) {
            return;
        }
        if (kubectl != null) {
            // process-runtime pods outlive the JVM: their node agent must stop them first
            kubectl.run("delete", "namespace", NAMESPACE, "--wait=false");
            Poll.until(WAIT, "no pods left in " + NAMESPACE, () -> kubectl.run("get", "pods", "-n", NAMESPACE,
                    "-o", "name").stdout().isBlank());
        }
        karavel.stop();
    }

    private static Path exampleJar() {
        String configured = System.getProperty("karavel.example.website.jar");
        Path path = configured != null ? Paths.get(configured)
                : Paths.get("../examples/website-controller/target/karavel-example-website-controller-"
                        + System.getProperty("karavel.version", "0.1.0-SNAPSHOT") + ".jar");
        assertTrue("the example controller is built: " + path.toAbsolutePath(), Files.isRegularFile(path));
        return path.toAbsolutePath();
    }

    @Test
    public void aControllerBundleComesAndGoesWithItsJarInDeploy() throws Exception {
        // 1. Hot deployment: the CRD is served and Websites are reconciled within seconds.
        long logStart = logSize();
        deploy();
        Poll.until(WAIT, "the Website CRD to be Established", () -> kubectl.run("get", "crd",
                "websites.examples.karavel.io", "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].status}")
                .stdout().equals("True"));
        awaitLog(logStart, "controller website starting");
        apply(2, "hello from a hot-deployed controller");

        Poll.until(WAIT, "the Website's Deployment and Service", () -> exists("deployment") && exists("service"));
        assertEquals("Website", jsonpath("deployment", "{.metadata.ownerReferences[0].kind}"));
        assertEquals("true", jsonpath("deployment", "{.metadata.ownerReferences[0].controller}"));
        assertEquals("true", jsonpath("service", "{.metadata.ownerReferences[0].controller}"));
        Poll.until(WAIT, "2 ready replicas in the Website's status", () -> websiteField("{.status.readyReplicas}").equals("2"));
        assertEquals("http://home." + NAMESPACE + ".svc.cluster.local:8080/", websiteField("{.status.url}"));
        assertEquals("True", websiteField("{.status.conditions[?(@.type==\"Available\")].status}"));
        String table = kubectl.run("get", "websites", "-n", NAMESPACE).assertSuccess().stdout();
        assertTrue(table, table.contains("READY") && table.contains("URL") && table.contains("home"));
        assertTrue(kubectl.run("get", "ws", "home", "-n", NAMESPACE).assertSuccess().stdout().contains("home"));
        assertEquals("hello from a hot-deployed controller", awaitPage("hello from a hot-deployed controller"));

        // 2. The jar goes: reconciliation stops cleanly; a change made meanwhile is left alone.
        long removedAt = logSize();
        Files.delete(deployed());
        awaitLog(removedAt, "controller website stopped");
        String generation = websiteField("{.metadata.generation}");
        patchSpec("{\"spec\":{\"replicas\":1}}");
        Poll.until(WAIT, "the Website's new generation", () -> !websiteField("{.metadata.generation}").equals(generation));
        staysFor(PAUSED, "the Deployment to stay at 2 replicas and the status untouched",
                () -> jsonpath("deployment", "{.spec.replicas}").equals("2")
                        && websiteField("{.status.observedGeneration}").equals(generation));
        assertTrue("the Website and its CRD survive the bundle",
                kubectl.run("get", "crd", "websites.examples.karavel.io").exitCode() == 0 && exists("website"));
        assertNoRepeatedErrors(removedAt);

        // 3. The jar comes back: the change is reconciled.
        long backAt = logSize();
        deploy();
        awaitLog(backAt, "controller website starting");
        Poll.until(WAIT, "the Deployment scaled to 1", () -> jsonpath("deployment", "{.spec.replicas}").equals("1"));
        Poll.until(WAIT, "the status of the new generation", () -> websiteField("{.status.observedGeneration}")
                .equals(websiteField("{.metadata.generation}")) && websiteField("{.status.readyReplicas}").equals("1"));

        // 4. The bundle is updated in place (a newer jar): it stops, starts, and reconciles on.
        long updatedAt = logSize();
        Files.setLastModifiedTime(deployed(), FileTime.from(Instant.now().plusSeconds(5)));
        awaitLog(updatedAt, "controller website stopped");
        awaitLog(updatedAt, "controller website starting");
        patchSpec("{\"spec\":{\"content\":\"new content after bundle update\"}}");
        assertEquals("new content after bundle update", awaitPage("new content after bundle update"));
        assertNoRepeatedErrors(removedAt);

        // 5. Deleting the Website takes its Deployment and Service with it.
        kubectl.run("delete", "website", "home", "-n", NAMESPACE).assertSuccess();
        Poll.until(WAIT, "the Deployment and Service to be garbage collected",
                () -> !exists("deployment") && !exists("service"));
    }

    // ---- the distribution's deploy/ -------------------------------------------------------------

    private static Path deployed() {
        return karavel.home().resolve("deploy").resolve(JAR_NAME);
    }

    /** Copies the jar next to deploy/, then moves it in, so file install never sees half a jar. */
    private static void deploy() throws IOException {
        Path staged = karavel.home().resolve(JAR_NAME + ".staged");
        Files.copy(jar, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, deployed(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    // ---- karaf.log --------------------------------------------------------------------------------

    private static Path karafLog() {
        return karavel.home().resolve("data/log/karaf.log");
    }

    private static long logSize() throws IOException {
        return Files.exists(karafLog()) ? Files.size(karafLog()) : 0;
    }

    /** The log's lines written since {@code offset} (the log does not roll over in a test this short). */
    private static List<String> logSince(long offset) {
        try {
            byte[] all = Files.readAllBytes(karafLog());
            int from = (int) Math.min(offset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits for the controller runtime's own report of a start or stop: the one signal of a
     * bundle's arrival or departure visible from outside the JVM without a shell session.
     */
    private static void awaitLog(long offset, String message) {
        Poll.until(WAIT, "\"" + message + "\" in karaf.log", () -> logSince(offset).stream()
                .anyMatch(line -> line.endsWith("| " + message) || line.contains("| " + message + " (")));
    }

    /**
     * No ERROR at all from the example or the controller runtime since {@code offset}, and no
     * WARN or ERROR message (timestamps aside) three times or more: nothing fails in a loop.
     */
    private static void assertNoRepeatedErrors(long offset) {
        List<String> problems = new ArrayList<>();
        for (String line : logSince(offset)) {
            String[] fields = line.split(" \\| ", 6);
            if (fields.length == 6 && (fields[1].startsWith("ERROR") || fields[1].startsWith("WARN"))) {
                problems.add(fields[1].trim() + " " + fields[3].trim() + " " + fields[5]);
            }
        }
        List<String> ours = problems.stream()
                .filter(p -> p.startsWith("ERROR") && (p.contains("website") || p.contains("Website")))
                .toList();
        assertEquals("errors about the website controller in karaf.log", List.of(), ours);
        Map<String, Long> counts = problems.stream().collect(Collectors.groupingBy(p -> p, Collectors.counting()));
        List<String> repeated = counts.entrySet().stream().filter(e -> e.getValue() >= 3)
                .map(e -> e.getValue() + "x " + e.getKey()).toList();
        assertEquals("warnings or errors repeated in karaf.log", List.of(), repeated);
    }

    // ---- kubectl ----------------------------------------------------------------------------------

    private static void apply(int replicas, String content) throws IOException {
        Path manifest = karavel.home().resolve("website.yaml");
        Files.writeString(manifest, """
                apiVersion: examples.karavel.io/v1
                kind: Website
                metadata:
                  name: home
                  namespace: %s
                spec:
                  replicas: %d
                  content: "%s"
                """.formatted(NAMESPACE, replicas, content));
        // the kind is served moments after the CRD is Established; kubectl's discovery may lag
        Poll.until(WAIT, "kubectl apply of the Website", () -> kubectl.run("apply", "-f", manifest.toString()).exitCode() == 0);
    }

    private static void patchSpec(String mergePatch) {
        kubectl.run("patch", "website", "home", "-n", NAMESPACE, "--type=merge", "-p", mergePatch).assertSuccess();
    }

    private static boolean exists(String kind) {
        return kubectl.run("get", kind, "home", "-n", NAMESPACE, "-o", "name").exitCode() == 0;
    }

    private static String jsonpath(String kind, String path) {
        Kubectl.Result result = kubectl.run("get", kind, "home", "-n", NAMESPACE, "-o", "jsonpath=" + path);
        return result.exitCode() == 0 ? result.stdout().trim() : "";
    }

    private static String websiteField(String path) {
        return jsonpath("website", path);
    }

    /** Checks {@code condition} every poll interval for {@code period}: something that must not happen. */
    private static void staysFor(Duration period, String what, BooleanSupplier condition) {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            assertTrue("expected " + what, condition.getAsBoolean());
            Poll.pause();
        }
    }

    // ---- the page, through the Service --------------------------------------------------------------

    /** Polls the Service's ClusterIP (the proxy serves it on loopback) until the page is {@code expected}. */
    private static String awaitPage(String expected) {
        String[] last = {""};
        Poll.until(WAIT, "the page \"" + expected + "\" through the Service", () -> {
            String ip = jsonpath("service", "{.spec.clusterIP}");
            if (ip.isEmpty()) {
                return false;
            }
            try {
                last[0] = Http.get(new InetSocketAddress(ip, 8080));
            } catch (IOException e) {
                last[0] = e.toString();
            }
            return last[0].equals(expected);
        });
        return last[0];
    }
}
