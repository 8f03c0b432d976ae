package io.karavel.kubelet.impl.server;

import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.LogOptions;
import io.karavel.jetty.ClientDisconnect;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's HTTP server, on the real kubelet's paths, which the API server proxies
 * {@code kubectl logs} and {@code kubectl exec} to:
 *
 * <pre>
 * GET /healthz                                        ok
 * GET /containerLogs/{namespace}/{pod}/{container}    text/plain, streamed (follow, tailLines,
 *                                                     timestamps, previous, sinceSeconds,
 *                                                     sinceTime, limitBytes)
 * GET /exec/{namespace}/{pod}/{container}?command=…   WebSocket, v5.channel.k8s.io or
 *                                                     v4.channel.k8s.io (stdin, stdout, stderr, tty)
 * </pre>
 *
 * Errors before a stream starts are a Kubernetes {@code Status} with the HTTP status the
 * {@link PodStreams} gave. Plain Java on Jetty 12's core API (no servlets): the node agent
 * component constructs it, then {@link #start()} and {@link #close()}.
 */
public final class KubeletServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubeletServer.class);
    /** How long an exec WebSocket or a followed log may stay silent (Kubernetes' streaming idle timeout). */
    static final Duration STREAM_IDLE_TIMEOUT = Duration.ofHours(4);

    private final String host;
    private final int requestedPort;
    private final PodStreams podStreams;
    private final Handshaker handshaker = Handshaker.newInstance();
    private Server server;
    private ServerConnector connector;
    private WebSocketComponents webSocketComponents;
    private ExecutorService streamThreads;

    /**
     * @param host address to listen on ({@code 0.0.0.0} for all)
     * @param port port to listen on; 0 picks a free one (see {@link #port()})
     * @param podStreams the pod manager's logs and exec
     */
    public KubeletServer(String host, int port, PodStreams podStreams) {
        this.host = host;
        this.requestedPort = port;
        this.podStreams = podStreams;
    }

    /** Opens the listener. */
    public synchronized void start() throws Exception {
        if (server != null) {
            return;
        }
        QueuedThreadPool threads = new QueuedThreadPool(64, 2);
        threads.setName("karavel-kubelet-http");
        threads.setDaemon(true);
        Server jetty = new Server(threads);
        ServerConnector listener = new ServerConnector(jetty, 1, 1);
        listener.setHost(host);
        listener.setPort(requestedPort);
        listener.setIdleTimeout(60_000);
        jetty.addConnector(listener);
        webSocketComponents = WebSocketServerComponents.ensureWebSocketComponents(jetty);
        AtomicInteger count = new AtomicInteger();
        streamThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "karavel-kubelet-stream-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        jetty.setHandler(new Routes());
        jetty.start();
        server = jetty;
        connector = listener;
        LOG.info("Node agent HTTP server listening on {}:{}", host, listener.getLocalPort());
    }

    /** The bound port (the chosen one when constructed with 0); -1 when not started. */
    public synchronized int port() {
        return connector == null ? -1 : connector.getLocalPort();
    }

    /** Stops the listener, ends open streams and kills the commands of open exec sessions. */
    @Override
    public synchronized void close() throws Exception {
        if (server == null) {
            return;
        }
        try {
            server.stop();
        } finally {
            streamThreads.shutdownNow();
            server = null;
            connector = null;
        }
    }

    /** Routes a request by its first path segment. */
    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            List<String> path = segments(request.getHttpURI().getDecodedPath());
            String method = request.getMethod();
            try {
                if (path.size() == 1 && path.get(0).equals("healthz")) {
                    writeText(response, callback, 200, "ok");
                } else if (path.size() == 4 && path.get(0).equals("containerLogs")) {
                    requireGet(method);
                    containerLogs(request, response, callback, path.get(1), path.get(2), path.get(3));
                } else if (path.size() == 4 && path.get(0).equals("exec")) {
                    exec(request, response, callback, path.get(1), path.get(2), path.get(3));
                } else {
                    throw new PodStreams.StreamException(404, "the server could not find the requested resource");
                }
            } catch (PodStreams.StreamException e) {
                writeStatus(response, callback, e.code(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("node agent request {} {} failed", method, request.getHttpURI().getPath(), e);
                writeStatus(response, callback, 500, "an internal error occurred: " + e);
            }
            return true;
        }
    }

    private void containerLogs(Request request, Response response, Callback callback,
                               String namespace, String pod, String container) {
        Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        boolean follow = bool(query, "follow");
        boolean previous = bool(query, "previous");
        LogOptions options = new LogOptions(follow, nonNegative(query, "tailLines"), bool(query, "timestamps"),
                since(query), positive(query, "limitBytes"));
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        StreamThread streamThread = new StreamThread();
        if (follow) {
            // a quiet container may print nothing for hours: no idle timeout while streaming
            request.getConnectionMetaData().getConnection().getEndPoint().setIdleTimeout(STREAM_IDLE_TIMEOUT.toMillis());
            // the pod manager follows a log until its thread is interrupted: do so when the client leaves
            ClientDisconnect.watch(request, response, streamThread::clientLeft);
        }
        // The pod manager blocks while it follows a log: on a thread of our own, not one of the
        // HTTP server's (a few dozen followed logs would otherwise leave none for other requests).
        streamThreads.execute(() -> streamLogs(response, callback, namespace, pod, container, previous, options, streamThread));
    }

    private void streamLogs(Response response, Callback callback, String namespace, String pod, String container,
                            boolean previous, LogOptions options, StreamThread streamThread) {
        // Each write goes out at once as a chunk; nothing is committed before the first write,
        // so a refusal from the pod manager can still become an error status.
        OutputStream out = Content.Sink.asOutputStream(response);
        try {
            streamThread.enter();
            try {
                podStreams.logs(namespace, pod, container, previous, options, out);
            } finally {
                streamThread.exit();
            }
            out.close();
            callback.succeeded();
        } catch (PodStreams.StreamException e) {
            writeStatus(response, callback, e.code(), e.getMessage());
        } catch (IOException e) {
            // the client went away (or the runtime's log source failed mid-stream)
            LOG.debug("log stream of {}/{}/{} ended: {}", namespace, pod, container, e.toString());
            callback.failed(e);
        } catch (RuntimeException e) {
            LOG.warn("log stream of {}/{}/{} failed", namespace, pod, container, e);
            writeStatus(response, callback, 500, "an internal error occurred: " + e);
        }
    }

    /**
     * The thread streaming one followed log, to interrupt when its client leaves: only while it
     * streams (it is a pooled thread that serves other streams afterwards).
     */
    private static final class StreamThread {
        private Thread thread;
        private boolean clientLeft;

        synchronized void enter() {
            thread = Thread.currentThread();
            if (clientLeft) {
                thread.interrupt();
            }
        }

        synchronized void exit() {
            thread = null;
            Thread.interrupted(); // clears an interrupt that came too late to matter
        }

        synchronized void clientLeft() {
            clientLeft = true;
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    private void exec(Request request, Response response, Callback callback,
                      String namespace, String pod, String container) {
        if (!handshaker.isWebSocketUpgradeRequest(request)) {
            throw new PodStreams.StreamException(400,
                    "exec needs a WebSocket upgrade with subprotocol " + String.join(" or ", RemoteCommand.PROTOCOLS));
        }
        String protocol = RemoteCommand.negotiate(request.getHeaders().getCSV(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL, true));
        if (protocol == null) {
            throw new PodStreams.StreamException(400,
                    "no supported WebSocket subprotocol offered: this node agent speaks " + String.join(", ", RemoteCommand.PROTOCOLS));
        }
        Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        List<String> command = query.getValues("command");
        if (command == null || command.isEmpty()) {
            throw new PodStreams.StreamException(400, "you must specify at least one command for the container");
        }
        ExecSession.ExecOptions options = new ExecSession.ExecOptions(
                bool(query, "stdin"), bool(query, "stdout"), bool(query, "stderr"), bool(query, "tty"));
        if (!options.stdin() && !options.stdout() && !options.stderr()) {
            throw new PodStreams.StreamException(400, "you must specify at least 1 of stdin, stdout, stderr");
        }
        ExecProcess process;
        try {
            process = podStreams.exec(namespace, pod, container, command, options.stdin(), options.tty());
        } catch (IOException e) {
            throw new PodStreams.StreamException(500, "cannot run the command in container " + container + ": " + e.getMessage());
        }
        ExecSession session = new ExecSession(process, options, protocol, streamThreads);
        WebSocketNegotiator.AbstractNegotiator negotiator = new WebSocketNegotiator.AbstractNegotiator() {
            @Override
            public FrameHandler negotiate(ServerUpgradeRequest upgrade, ServerUpgradeResponse upgraded, Callback cb) {
                upgraded.setAcceptedSubProtocol(protocol);
                return session;
            }
        };
        negotiator.setIdleTimeout(STREAM_IDLE_TIMEOUT);
        boolean accepted;
        try {
            accepted = handshaker.upgradeRequest(negotiator, request, response, callback, webSocketComponents, null);
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
        if (!accepted) {
            process.close();
            throw new PodStreams.StreamException(400, "the WebSocket upgrade failed");
        }
    }

    private static void requireGet(String method) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new PodStreams.StreamException(405, "the server does not allow this method on the requested resource");
        }
    }

    /** Kubernetes booleans (strconv.ParseBool): 1, t, true in any case; absent is false. */
    private static boolean bool(Fields query, String name) {
        String v = query.getValue(name);
        if (v == null) {
            return false;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "t", "true" -> true;
            case "", "0", "f", "false" -> false;
            default -> throw new PodStreams.StreamException(400, "invalid boolean for " + name + ": " + v);
        };
    }

    /** A count that must be at least 0; -1 (none) when absent. */
    private static long nonNegative(Fields query, String name) {
        long n = number(query, name);
        if (n < -1 || (n == -1 && query.getValue(name) != null)) {
            throw new PodStreams.StreamException(400, name + " must be greater than or equal to 0");
        }
        return n;
    }

    /** A count that must be at least 1; -1 (none) when absent. */
    private static long positive(Fields query, String name) {
        long n = number(query, name);
        if (query.getValue(name) != null && n < 1) {
            throw new PodStreams.StreamException(400, name + " must be greater than 0");
        }
        return n;
    }

    private static long number(Fields query, String name) {
        String v = query.getValue(name);
        if (v == null || v.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new PodStreams.StreamException(400, "invalid number for " + name + ": " + v);
        }
    }

    /** {@code sinceTime} (RFC 3339) or {@code sinceSeconds} (relative to now), at most one. */
    private static Instant since(Fields query) {
        String time = query.getValue("sinceTime");
        long seconds = number(query, "sinceSeconds");
        if (time != null && !time.isEmpty() && seconds != -1) {
            throw new PodStreams.StreamException(400, "at most one of sinceTime or sinceSeconds may be specified");
        }
        if (time != null && !time.isEmpty()) {
            try {
                return OffsetDateTime.parse(time).toInstant();
            } catch (DateTimeParseException e) {
                throw new PodStreams.StreamException(400, "invalid sinceTime (RFC 3339 expected): " + time);
            }
        }
        if (seconds != -1) {
            if (seconds < 1) {
                throw new PodStreams.StreamException(400, "sinceSeconds must be greater than 0");
            }
            return Instant.now().minusSeconds(seconds);
        }
        return null;
    }

    private static List<String> segments(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : path == null ? new String[0] : path.split("/")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        return parts;
    }

    private static void writeText(Response response, Callback callback, int code, String text) {
        response.setStatus(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
    }

    private static void writeStatus(Response response, Callback callback, int code, String message) {
        if (response.isCommitted()) {
            callback.failed(new IOException(message));
            return;
        }
        response.setStatus(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(RemoteCommand.httpStatus(code, message)), callback);
    }
}
