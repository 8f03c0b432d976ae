package io.karavel.apiserver.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.karavel.api.store.Store;
import io.karavel.apiserver.impl.cluster.ControlPlaneServices;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** An API server on a free loopback port over an in-memory MapDB store, with a small HTTP client. */
final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final MapDbStore store;
    final ApiServer server;
    /** Completes when the server is ready. */
    final CompletableFuture<Void> ready;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestServer(MapDbStore.Options options, Path kubeconfig) throws Exception {
        this(new ApiServerSettings("127.0.0.1", 0, kubeconfig), options);
    }

    TestServer(ApiServerSettings settings, MapDbStore.Options options) throws Exception {
        this(MapDbStore.openInMemory(options), null, settings, ControlPlaneServices.standalone(), true);
    }

    /**
     * A server as one of several masters would run it.
     *
     * @param served what the server uses, e.g. a wrapper of {@code store} that refuses writes; null: {@code store}
     * @param awaitReady false: return once it listens, with the startup writes still running
     */
    TestServer(MapDbStore store, Store served, ApiServerSettings settings, ControlPlaneServices controlPlane, boolean awaitReady)
            throws Exception {
        this.store = store;
        this.server = new ApiServer(served == null ? store : served, settings, controlPlane);
        this.ready = server.open();
        if (awaitReady) {
            ready.get();
        }
    }

    TestServer() throws Exception {
        this(MapDbStore.Options.defaults(), null);
    }

    String url() {
        return server.url();
    }

    /** A response with its body parsed as JSON (null when it is not JSON). */
    record Reply(int code, JsonNode json, String text, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    Reply send(String method, String path, String contentType, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(20));
        HttpRequest.BodyPublisher publisher =
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, publisher);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        try {
            json = JSON.readTree(r.body());
        } catch (IOException e) {
            // not JSON (health endpoints)
        }
        return new Reply(r.statusCode(), json, r.body(), r);
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send("GET", path, null, null);
    }

    Reply post(String path, String json) throws IOException, InterruptedException {
        return send("POST", path, "application/json", json);
    }

    Reply put(String path, String json) throws IOException, InterruptedException {
        return send("PUT", path, "application/json", json);
    }

    Reply patch(String path, String type, String json) throws IOException, InterruptedException {
        return send("PATCH", path, type, json);
    }

    Reply delete(String path) throws IOException, InterruptedException {
        return send("DELETE", path, null, null);
    }

    @Override
    public void close() throws Exception {
        server.close();
        store.close();
    }
}
