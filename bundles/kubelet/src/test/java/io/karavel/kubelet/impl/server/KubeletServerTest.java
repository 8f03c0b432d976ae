package io.karavel.kubelet.impl.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.karavel.testing.Eventually;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The node agent's HTTP server against a fake pod manager whose "containers" are local processes. */
class KubeletServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static LocalPodStreams pods;
    static KubeletServer server;

    @BeforeAll
    static void start() throws Exception {
        pods = new LocalPodStreams();
        server = new KubeletServer("127.0.0.1", 0, pods);
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        for (Process p : pods.processes) {
            p.destroyForcibly();
        }
    }

    static URI http(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    static URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(http(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String execPath(String query) {
        return "/exec/default/web/app?" + query;
    }

    @Test
    void healthz() throws Exception {
        HttpResponse<String> r = get("/healthz");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
    }

    @Test
    void logsAreTextWithTheOptionsPassedOn() throws Exception {
        HttpResponse<String> r = get("/containerLogs/default/web/app?tailLines=2&timestamps=true&limitBytes=100");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(r.body()).isEqualTo("line 2\nline 3\n");
        assertThat(pods.lastLogOptions.get().tailLines()).isEqualTo(2);
        assertThat(pods.lastLogOptions.get().timestamps()).isTrue();
        assertThat(pods.lastLogOptions.get().limitBytes()).isEqualTo(100);
        assertThat(pods.lastLogOptions.get().follow()).isFalse();
        assertThat(pods.lastLogOptions.get().sinceTime()).isNull();
    }

    @Test
    void sinceSecondsBecomesAnInstant() throws Exception {
        assertThat(get("/containerLogs/default/web/app?sinceSeconds=60").statusCode()).isEqualTo(200);
        assertThat(pods.lastLogOptions.get().sinceTime()).isBetween(
                java.time.Instant.now().minusSeconds(70), java.time.Instant.now().minusSeconds(50));
    }

    @Test
    void refusalsAreStatusBodies() throws Exception {
        HttpResponse<String> missing = get("/containerLogs/default/nope/app");
        assertThat(missing.statusCode()).isEqualTo(404);
        JsonNode status = JSON.readTree(missing.body());
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("reason").asText()).isEqualTo("NotFound");
        assertThat(status.path("message").asText()).contains("default/nope");

        HttpResponse<String> previous = get("/containerLogs/default/web/app?previous=true");
        assertThat(previous.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(previous.body()).path("message").asText()).contains("previous terminated container");

        assertThat(get("/containerLogs/default/web/app?tailLines=x").statusCode()).isEqualTo(400);
        assertThat(get("/containerLogs/default/web/app?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z").statusCode()).isEqualTo(400);
        assertThat(get("/nothing/here").statusCode()).isEqualTo(404);
    }

    @Test
    void followStreamsLinesAsTheyComeAndStopsWhenTheClientLeaves() throws Exception {
        pods.followEnded.set(null);
        pods.followLines.add("first");
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(http("/containerLogs/default/web/app?follow=true")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        assertThat(lines.readLine()).isEqualTo("first");
        // the second line is written only now: the first one reached us while the stream stayed open
        pods.followLines.add("second");
        assertThat(lines.readLine()).isEqualTo("second");
        lines.close();
        // the client is gone: the pod manager's logs call is interrupted without another line
        eventually("the followed log stream ends after the client left", () -> pods.followEnded.get() != null);
        assertThat(pods.followEnded.get()).contains("Interrupted");
        // the interrupted thread serves the next request unharmed
        assertThat(get("/healthz").body()).isEqualTo("ok");
        assertThat(get("/containerLogs/default/web/app").body()).isEqualTo("line 1\nline 2\nline 3\n");
    }

    @Test
    void execRoutesStdoutStderrAndTheExitCode() throws Exception {
        ChannelClient client = ChannelClient.connect(ws(execPath(
                "command=sh&command=-c&command=echo%20out;%20echo%20err%20%3E%262;%20exit%203&stdout=true&stderr=true")),
                RemoteCommand.V5, RemoteCommand.V4);
        assertThat(client.socket.getSubprotocol()).isEqualTo(RemoteCommand.V5);
        assertThat(client.awaitClose()).isEqualTo(1000);
        assertThat(client.text(1)).isEqualTo("out\n");
        assertThat(client.text(2)).isEqualTo("err\n");
        JsonNode status = JSON.readTree(client.text(3));
        assertThat(status.path("status").asText()).isEqualTo("Failure");
        assertThat(status.path("reason").asText()).isEqualTo("NonZeroExitCode");
        assertThat(status.path("details").path("causes").get(0).path("reason").asText()).isEqualTo("ExitCode");
        assertThat(status.path("details").path("causes").get(0).path("message").asText()).isEqualTo("3");
        assertThat(pods.lastExecFlags).containsEntry("stdin", false).containsEntry("tty", false);
    }

    @Test
    void execStdinEndsWithTheV5CloseSignal() throws Exception {
        ChannelClient client = ChannelClient.connect(ws(execPath("command=cat&stdin=true&stdout=true&stderr=true")),
                RemoteCommand.V5);
        client.sendStdin("hello ");
        client.sendStdin("world\n");
        client.closeStdin();
        assertThat(client.awaitClose()).isEqualTo(1000);
        assertThat(client.text(1)).isEqualTo("hello world\n");
        assertThat(JSON.readTree(client.text(3)).path("status").asText()).isEqualTo("Success");
        assertThat(pods.lastExecFlags).containsEntry("stdin", true);
    }

    @Test
    void pingsArePonged() throws Exception {
        ChannelClient client = ChannelClient.connect(ws(execPath("command=cat&stdin=true&stdout=true")), RemoteCommand.V5);
        client.socket.sendPing(java.nio.ByteBuffer.wrap(new byte[] {7})).get(5, TimeUnit.SECONDS);
        eventually("a pong came back", () -> client.pongs.get() > 0);
        client.closeStdin();
        assertThat(client.awaitClose()).isEqualTo(1000);
    }

    @Test
    void execSpeaksV4ForTheFabric8Client() throws Exception {
        ChannelClient client = ChannelClient.connect(ws(execPath("command=echo&command=hi&stdout=true")),
                RemoteCommand.V4, "base64.channel.k8s.io");
        assertThat(client.socket.getSubprotocol()).isEqualTo(RemoteCommand.V4);
        assertThat(client.awaitClose()).isEqualTo(1000);
        assertThat(client.text(1)).isEqualTo("hi\n");
        assertThat(JSON.readTree(client.text(3)).path("status").asText()).isEqualTo("Success");
    }

    @Test
    void closingTheWebSocketKillsTheCommand() throws Exception {
        int before = pods.processes.size();
        ChannelClient client = ChannelClient.connect(ws(execPath("command=cat&stdin=true&stdout=true")), RemoteCommand.V5);
        eventually("the command started", () -> pods.processes.size() > before);
        Process cat = pods.processes.get(pods.processes.size() - 1);
        assertThat(cat.isAlive()).isTrue();
        client.socket.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        eventually("the command was killed", () -> !cat.isAlive());
    }

    @Test
    void execRefusalsComeBeforeTheUpgrade() {
        assertThat(handshakeStatus(ws("/exec/default/nope/app?command=true&stdout=true"), RemoteCommand.V5)).isEqualTo(404);
        assertThat(handshakeStatus(ws("/exec/default/web/other?command=true&stdout=true"), RemoteCommand.V5)).isEqualTo(404);
        assertThat(handshakeStatus(ws(execPath("stdout=true")), RemoteCommand.V5)).isEqualTo(400);
        assertThat(handshakeStatus(ws(execPath("command=true")), RemoteCommand.V5)).isEqualTo(400);
        assertThat(handshakeStatus(ws(execPath("command=true&stdout=true")), "v3.channel.k8s.io")).isEqualTo(400);
    }

    @Test
    void execWithoutUpgradeIsABadRequest() throws Exception {
        HttpResponse<String> r = get(execPath("command=true&stdout=true"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("message").asText()).contains("WebSocket");
    }

    private static int handshakeStatus(URI uri, String protocol) {
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> ChannelClient.connect(uri, protocol));
        assertThat(failure).isInstanceOf(ExecutionException.class);
        assertThat(failure.getCause()).isInstanceOf(WebSocketHandshakeException.class);
        return ((WebSocketHandshakeException) failure.getCause()).getResponse().statusCode();
    }

    static void eventually(String what, Callable<Boolean> check) throws Exception {
        Eventually.eventually(what, Duration.ofSeconds(10), check);
    }
}
