package io.karavel.kubelet.impl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.karavel.testing.Eventually;
import io.karavel.testing.Kubectl;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl logs} and {@code kubectl exec} end to end: the real kubectl (v1.32) against the
 * API server, which proxies to a {@link KubeletServer} registered as the pod's node agent (its
 * pod manager is {@link LocalPodStreams}: commands run as local processes).
 */
class KubectlStreamsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static MapDbStore store;
    static ApiServer api;
    static LocalPodStreams pods;
    static KubeletServer kubelet;
    static Path kubeconfig;

    @BeforeAll
    static void start() throws Exception {
        pods = new LocalPodStreams();
        kubelet = new KubeletServer("127.0.0.1", 0, pods);
        kubelet.start();
        kubeconfig = dir.resolve("kubeconfig");
        store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        api = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, kubeconfig));
        api.start();

        create("/api/v1/nodes", node("node-1", kubelet.port()));
        create("/api/v1/nodes", """
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"node-silent"},"status":{}}""");
        create("/api/v1/namespaces/default/pods", pod("web", "node-1", "", "app"));
        create("/api/v1/namespaces/default/pods", pod("two", "node-1", "", "a", "b"));
        create("/api/v1/namespaces/default/pods", pod("annotated", "node-1", "app", "sidecar", "app"));
        create("/api/v1/namespaces/default/pods", pod("pending", "", "", "app"));
        create("/api/v1/namespaces/default/pods", pod("ghost", "node-1", "", "app"));
        create("/api/v1/namespaces/default/pods", pod("unreachable", "node-silent", "", "app"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (api != null) {
            api.close();
        }
        if (store != null) {
            store.close();
        }
        if (kubelet != null) {
            kubelet.close();
        }
        if (pods != null) {
            pods.processes.forEach(Process::destroyForcibly);
        }
    }

    static String node(String name, int port) {
        return """
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"%s"},
                 "status":{"addresses":[{"type":"Hostname","address":"localhost"},{"type":"InternalIP","address":"127.0.0.1"}],
                           "daemonEndpoints":{"kubeletEndpoint":{"Port":%d}}}}""".formatted(name, port);
    }

    static String pod(String name, String nodeName, String defaultContainer, String... containers) {
        StringBuilder list = new StringBuilder();
        for (String c : containers) {
            list.append(list.length() == 0 ? "" : ",").append("{\"name\":\"").append(c).append("\",\"image\":\"busybox\"}");
        }
        String annotations = defaultContainer.isEmpty() ? "{}"
                : "{\"kubectl.kubernetes.io/default-container\":\"" + defaultContainer + "\"}";
        String node = nodeName.isEmpty() ? "" : "\"nodeName\":\"" + nodeName + "\",";
        return """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","annotations":%s},
                 "spec":{%s"containers":[%s]}}""".formatted(name, annotations, node, list);
    }

    static void create(String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api.url() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(api.url() + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static ProcessBuilder kubectl(String... args) {
        assumeTrue(Kubectl.installed(), "kubectl not found at " + Kubectl.BINARY);
        return new Kubectl(dir, kubeconfig).builder(args);
    }

    static Kubectl.Run run(String... args) throws Exception {
        assumeTrue(Kubectl.installed(), "kubectl not found at " + Kubectl.BINARY);
        return new Kubectl(dir, kubeconfig).run(args);
    }

    /** Runs kubectl with {@code input} as its stdin (the shared runner gives it none). */
    static Kubectl.Run runWithInput(String input, String... args) throws Exception {
        Process p = kubectl(args).start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        try (var in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not end within 60 s");
        }
        return new Kubectl.Run(p.exitValue(), new String(out.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8),
                new String(err.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Kubectl.Run ok(String... args) throws Exception {
        Kubectl.Run r = run(args);
        assertThat(r.exit()).as("kubectl " + String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    @Test
    void logs() throws Exception {
        assertThat(ok("logs", "web").out()).isEqualTo("line 1\nline 2\nline 3\n");
        assertThat(ok("logs", "web", "--tail=2").out()).isEqualTo("line 2\nline 3\n");
        assertThat(ok("logs", "web", "--timestamps").out()).isEqualTo("line 1\nline 2\nline 3\n");
        assertThat(pods.lastLogOptions.get().timestamps()).isTrue();
        ok("logs", "web", "--since=1h", "--limit-bytes=100");
        assertThat(pods.lastLogOptions.get().limitBytes()).isEqualTo(100);
        assertThat(pods.lastLogOptions.get().sinceTime()).isBetween(
                java.time.Instant.now().minusSeconds(3700), java.time.Instant.now().minusSeconds(3500));
        Kubectl.Run previous = run("logs", "web", "--previous");
        assertThat(previous.exit()).isEqualTo(1);
        assertThat(previous.err()).contains("previous terminated container");
    }

    @Test
    void logsFollowStreamsUntilTheContainerEnds() throws Exception {
        pods.followLines.clear();
        pods.followLines.add("first");
        Process p = kubectl("logs", "-f", "web").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("first");
            // written only after kubectl showed the first line: it streams
            pods.followLines.add("second");
            assertThat(out.readLine()).isEqualTo("second");
            pods.followLines.add(""); // the container ends its log
            assertThat(out.readLine()).isNull();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void stoppingKubectlLogsFollowEndsTheNodeAgentsStream() throws Exception {
        pods.followLines.clear();
        pods.followEnded.set(null);
        pods.followLines.add("first");
        Process p = kubectl("logs", "-f", "web").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("first");
        } finally {
            p.destroy();
        }
        // no further line is written: the API server and the node agent notice the end without one
        Eventually.eventually("the node agent's log stream ended", Duration.ofSeconds(10),
                () -> pods.followEnded.get() != null);
        assertThat(pods.followEnded.get()).contains("Interrupted");
    }

    @Test
    void logsErrors() throws Exception {
        Kubectl.Run missing = run("logs", "nope");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("pods \"nope\" not found");

        Kubectl.Run badContainer = run("logs", "web", "-c", "other");
        assertThat(badContainer.exit()).isEqualTo(1);
        assertThat(badContainer.err()).contains("container other is not valid for pod web");

        Kubectl.Run refused = run("logs", "ghost");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("NotFound").contains("pod default/ghost is not on this node");

        HttpResponse<String> ambiguous = get("/api/v1/namespaces/default/pods/two/log");
        assertThat(ambiguous.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(ambiguous.body()).path("message").asText())
                .isEqualTo("a container name must be specified for pod two, choose one of: [a b]");

        HttpResponse<String> annotated = get("/api/v1/namespaces/default/pods/annotated/log");
        assertThat(annotated.statusCode()).isEqualTo(404); // the annotated "app" was chosen; the fake knows only web
        assertThat(annotated.body()).contains("default/annotated");

        HttpResponse<String> pending = get("/api/v1/namespaces/default/pods/pending/log");
        assertThat(pending.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(pending.body()).path("message").asText()).isEqualTo("pod pending does not have a host assigned");

        HttpResponse<String> unreachable = get("/api/v1/namespaces/default/pods/unreachable/log");
        assertThat(unreachable.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(unreachable.body()).path("message").asText()).contains("node-silent");
    }

    @Test
    void execRoutesOutputAndTheExitCode() throws Exception {
        Kubectl.Run r = run("exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).isEqualTo("out\n");
        assertThat(r.err()).contains("err\n");

        Kubectl.Run success = ok("exec", "web", "--", "echo", "hello");
        assertThat(success.out()).isEqualTo("hello\n");
    }

    @Test
    void execWithStdin() throws Exception {
        String input = "one\ntwo\nthree\n".repeat(1000);
        Kubectl.Run r = runWithInput(input, "exec", "-i", "web", "--", "cat");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(input);
        assertThat(pods.lastExecFlags).containsEntry("stdin", true);
    }

    @Test
    void execMovesMegabytesBothWays() throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            lines.append(i).append('\n');
        }
        String input = lines.toString();
        Kubectl.Run r = runWithInput(input, "exec", "-i", "web", "--", "sh", "-c", "cat; seq 0 99999 >&2");
        assertThat(r.exit()).as(r.err().length() > 200 ? r.err().substring(0, 200) : r.err()).isZero();
        assertThat(r.out()).isEqualTo(input);
        assertThat(r.err()).isEqualTo(input);
    }

    @Test
    void stoppingKubectlExecKillsTheCommand() throws Exception {
        int before = pods.processes.size();
        Process p = kubectl("exec", "-i", "web", "--", "cat").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Process cat = Eventually.eventuallyGet("the command started", Duration.ofSeconds(20),
                    () -> pods.processes.size() > before ? pods.processes.get(pods.processes.size() - 1) : null);
            // kubectl's stdin stays open: only its end can stop the command
            p.destroy();
            Eventually.eventually("the command was killed", Duration.ofSeconds(20), () -> !cat.isAlive());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void fabric8ExecAndLogs() throws Exception {
        Config config = new ConfigBuilder().withMasterUrl(api.url()).build();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try (ExecWatch watch = client.pods().inNamespace("default").withName("web")
                    .writingOutput(out).writingError(err).exec("sh", "-c", "echo hi; echo oops >&2; exit 2")) {
                assertThat(watch.exitCode().get(20, TimeUnit.SECONDS)).isEqualTo(2);
            }
            Eventually.eventually("the command's output arrived", Duration.ofSeconds(10),
                    () -> out.toString(StandardCharsets.UTF_8).equals("hi\n") && err.toString(StandardCharsets.UTF_8).equals("oops\n"));
            assertThat(client.pods().inNamespace("default").withName("web").getLog()).isEqualTo("line 1\nline 2\nline 3\n");
        }
    }

    @Test
    void execErrors() throws Exception {
        Kubectl.Run missing = run("exec", "nope", "--", "true");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("pods \"nope\" not found");

        // refused by the node agent after the upgrade: its message reaches the user
        Kubectl.Run refused = run("exec", "ghost", "--", "true");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("pod default/ghost is not on this node");

        Kubectl.Run unreachable = run("exec", "unreachable", "--", "true");
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).contains("node-silent");
    }

    @Test
    void execV4ThroughTheApiServerAsFabric8SpeaksIt() throws Exception {
        URI uri = URI.create(api.url().replace("http://", "ws://")
                + "/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=echo%20hi;exit%202&stdout=true&stderr=true");
        ChannelClient client = ChannelClient.connect(uri, RemoteCommand.V4);
        assertThat(client.socket.getSubprotocol()).isEqualTo(RemoteCommand.V4);
        assertThat(client.awaitClose()).isEqualTo(1000);
        assertThat(client.text(1)).isEqualTo("hi\n");
        JsonNode status = JSON.readTree(client.text(3));
        assertThat(status.path("reason").asText()).isEqualTo("NonZeroExitCode");
        assertThat(status.path("details").path("causes").get(0).path("message").asText()).isEqualTo("2");
    }

    @Test
    void pingsThroughTheApiServerArePonged() throws Exception {
        // kubectl pings every 5 s and ends a session that got no pong for a minute
        URI uri = URI.create(api.url().replace("http://", "ws://")
                + "/api/v1/namespaces/default/pods/web/exec?command=cat&stdin=true&stdout=true");
        ChannelClient client = ChannelClient.connect(uri, RemoteCommand.V5);
        client.socket.sendPing(java.nio.ByteBuffer.wrap(new byte[] {1})).get(5, TimeUnit.SECONDS);
        Eventually.eventually("a pong came back", Duration.ofSeconds(10), () -> client.pongs.get() > 0);
        client.sendStdin("still here\n");
        client.closeStdin();
        assertThat(client.awaitClose()).isEqualTo(1000);
        assertThat(client.text(1)).isEqualTo("still here\n");
    }

    @Test
    void watchUpgradesStillGetThePlainAnswer() throws Exception {
        // fabric8 asks for WebSocket watches first; the API server answers 200 so it falls back to HTTP
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> ChannelClient.connect(
                URI.create(api.url().replace("http://", "ws://") + "/api/v1/namespaces/default/pods?watch=true")));
        assertThat(failure.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
        assertThat(((java.net.http.WebSocketHandshakeException) failure.getCause()).getResponse().statusCode()).isEqualTo(200);
    }
}
