package io.karavel.kube.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One master of a fake HA control plane: a real HTTP server on a free loopback port serving the
 * Kubernetes REST calls of ConfigMaps in namespace {@code default} (list, watch, get, create,
 * replace) from {@link SharedObjects}. It can be stopped, made to answer 503 to everything as a
 * master without a leader does, or paused as by SIGSTOP (connections accepted, nothing answered);
 * it records the requests it got.
 */
final class FakeMaster implements AutoCloseable {
    private static final String COLLECTION = "/api/v1/namespaces/default/configmaps";
    private static final String UNAVAILABLE = "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\","
            + "\"message\":\"no leader\",\"reason\":\"ServiceUnavailable\",\"code\":503}";

    private final SharedObjects objects;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-master");
        t.setDaemon(true);
        return t;
    });
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile boolean unavailable;
    private volatile boolean stopped;
    private volatile boolean paused;
    private int openWatches; // guarded by this

    FakeMaster(SharedObjects objects) throws IOException {
        this.objects = objects;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * true: answer 503 to every request and end the open watches (returns once they ended, so no
     * later change goes out through this master); false: serve again.
     */
    void unavailable(boolean unavailable) throws InterruptedException {
        this.unavailable = unavailable;
        objects.wakeWatches();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (this) {
            while (unavailable && openWatches > 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError("the watches of " + url() + " did not end within 10 s");
                }
                wait(left);
            }
        }
    }

    /**
     * Pauses this master as SIGSTOP would: it accepts connections but answers no request and sends
     * nothing more on its open watches, until {@link #stop}.
     */
    void pause() {
        paused = true;
    }

    /** Stops listening and drops every connection, as a killed master does. */
    void stop() {
        stopped = true;
        synchronized (this) {
            notifyAll(); // the paused handlers
        }
        server.stop(0);
        threads.shutdownNow();
    }

    /** How many requests this master got whose "METHOD path?query" starts with {@code prefix}. */
    long requests(String prefix) {
        return requests.stream().filter(r -> r.startsWith(prefix)).count();
    }

    long requests() {
        return requests.size();
    }

    /** How many watch streams are open on this master. */
    synchronized int openWatches() {
        return openWatches;
    }

    @Override
    public void close() {
        if (!stopped) {
            stop();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery();
        String method = exchange.getRequestMethod();
        requests.add(method + " " + path + (query.isEmpty() ? "" : "?" + query));
        try (exchange) {
            if (awaitStopIfPaused()) {
                return;
            }
            if (unavailable) {
                reply(exchange, 503, UNAVAILABLE);
            } else if (path.equals(COLLECTION) && method.equals("GET") && param(query, "watch").equals("true")) {
                watch(exchange, param(query, "resourceVersion"));
            } else if (path.equals(COLLECTION) && method.equals("GET")) {
                reply(exchange, 200, objects.list());
            } else if (path.equals(COLLECTION) && method.equals("POST")) {
                Optional<ConfigMap> created = objects.create(body(exchange));
                reply(exchange, created.isPresent() ? 201 : 409, created.map(this::json).orElse(status(409, "AlreadyExists")));
            } else if (path.startsWith(COLLECTION + "/") && method.equals("GET")) {
                Optional<ConfigMap> found = objects.get(path.substring(COLLECTION.length() + 1));
                reply(exchange, found.isPresent() ? 200 : 404, found.map(this::json).orElse(status(404, "NotFound")));
            } else if (path.startsWith(COLLECTION + "/") && method.equals("PUT")) {
                Optional<ConfigMap> replaced = objects.replace(body(exchange));
                reply(exchange, replaced.isPresent() ? 200 : 404, replaced.map(this::json).orElse(status(404, "NotFound")));
            } else {
                reply(exchange, 404, status(404, "NotFound"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Streams the changes after {@code resourceVersion} until this master stops or becomes unavailable. */
    private void watch(HttpExchange exchange, String resourceVersion) throws IOException {
        long seen = resourceVersion.isEmpty() || resourceVersion.equals("0") ? objects.revision()
                : Long.parseLong(resourceVersion);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        synchronized (this) {
            openWatches++;
        }
        try {
            while (!stopped && !unavailable) {
                for (SharedObjects.Change change : objects.changesAfter(seen, 100)) {
                    if (awaitStopIfPaused() || stopped || unavailable) {
                        break;
                    }
                    out.write((change.line() + "\n").getBytes(StandardCharsets.UTF_8));
                    seen = change.revision();
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (this) {
                openWatches--;
                notifyAll();
            }
        }
    }

    /** When paused, waits until this master stops, and returns true; else returns false at once. */
    private boolean awaitStopIfPaused() throws InterruptedException {
        if (!paused) {
            return false;
        }
        synchronized (this) {
            while (!stopped) {
                wait();
            }
        }
        return true;
    }

    private static void reply(HttpExchange exchange, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, body.length);
        exchange.getResponseBody().write(body);
    }

    private static ConfigMap body(HttpExchange exchange) throws IOException {
        return SharedObjects.JSON.readValue(exchange.getRequestBody(), ConfigMap.class);
    }

    private String json(ConfigMap configMap) {
        return SharedObjects.JSON.valueToTree(configMap).toString();
    }

    private static String status(int code, String reason) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"" + reason
                + "\",\"code\":" + code + "}";
    }

    private static String param(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }
}
