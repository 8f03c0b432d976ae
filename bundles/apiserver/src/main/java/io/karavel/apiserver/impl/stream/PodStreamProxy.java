package io.karavel.apiserver.impl.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.store.Store;
import io.karavel.apiserver.impl.http.RequestInfo;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.Json;
import io.karavel.apiserver.impl.rest.Statuses;
import io.karavel.jetty.ClientDisconnect;
import io.karavel.jetty.HttpClients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.UpgradeListener;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.eclipse.jetty.websocket.core.exception.UpgradeException;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code pods/log} and {@code pods/exec} by proxying to the node agent of the pod's node,
 * like the Kubernetes API server does to the kubelet:
 *
 * <ul>
 *   <li>{@code log}: {@code GET http://<node>:<port>/containerLogs/ns/pod/container?...}, streamed
 *       to the client chunk by chunk ({@code kubectl logs -f} sees each line as it comes).
 *   <li>{@code exec}: the client's WebSocket (subprotocol {@code v5.channel.k8s.io} for kubectl,
 *       {@code v4.channel.k8s.io} for fabric8) is joined frame by frame to a WebSocket to
 *       {@code /exec/ns/pod/container?...} on the node agent ({@link ExecBridge}). SPDY, which
 *       kubectl tries only after a refused WebSocket upgrade, is not served.
 * </ul>
 *
 * Problems found from the store (no such pod, ambiguous container, unscheduled pod, unknown node
 * address) are answered as a {@code Status} before any stream, as for any request. For logs, a
 * refusal of the node agent is relayed as a {@code Status} with its HTTP code. For exec, a node
 * agent that refuses or cannot be reached still gets the client's upgrade accepted, and the
 * failure arrives as a {@code Status} on the error channel (as Kubernetes' stream translator
 * does): a refused upgrade would make kubectl retry with SPDY and print that error instead.
 */
public final class PodStreamProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PodStreamProxy.class);
    /** Subprotocols served for exec, most capable first. */
    static final List<String> EXEC_PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io");
    /** How long a followed log or an exec stream may stay silent (Kubernetes: 4 hours). */
    static final Duration STREAM_IDLE_TIMEOUT = Duration.ofHours(4);
    private static final List<String> LOG_PARAMETERS =
            List.of("follow", "tailLines", "timestamps", "previous", "sinceSeconds", "sinceTime", "limitBytes");
    private static final long CONNECT_TIMEOUT_MS = 5_000;
    private static final long RESPONSE_TIMEOUT_MS = 30_000;

    private final Store store;
    private final Handshaker handshaker = Handshaker.newInstance();
    private HttpClient http;
    private ExecutorService streamThreads;
    private WebSocketComponents webSockets;
    private WebSocketCoreClient webSocketClient;

    public PodStreamProxy(Store store) {
        this.store = store;
    }

    /** Starts the HTTP and WebSocket clients to the node agents. */
    public synchronized void start() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(50, 2);
        threads.setName("karavel-api-kubelet-client");
        threads.setDaemon(true);
        http = new HttpClient();
        http.setExecutor(threads);
        http.setConnectTimeout(CONNECT_TIMEOUT_MS);
        http.setIdleTimeout(60_000);
        http.setFollowRedirects(false);
        HttpClients.identityEncodingOnly(http);
        http.start();
        webSockets = new WebSocketComponents();
        webSockets.start();
        webSocketClient = new WebSocketCoreClient(http, webSockets);
        webSocketClient.start();
        AtomicInteger count = new AtomicInteger();
        streamThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "karavel-api-log-stream-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public synchronized void close() throws Exception {
        if (webSocketClient != null) {
            streamThreads.shutdownNow();
            webSocketClient.stop();
            webSockets.stop();
            http.stop();
            webSocketClient = null;
        }
    }

    /**
     * Serves one {@code log} or {@code exec} request.
     *
     * @throws ApiException for everything refused before the stream starts
     */
    public void handle(String subresource, Request request, Response response, Callback callback, RequestInfo info) {
        Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        String method = request.getMethod();
        if (subresource.equals("log")) {
            if (!method.equals("GET")) {
                throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
            }
            logs(request, response, callback,
                    PodStreamTarget.resolve(store, info.namespace(), info.name(), query.getValue("container"), false), query);
        } else {
            if (!method.equals("GET") && !method.equals("POST")) {
                throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
            }
            exec(request, response, callback,
                    PodStreamTarget.resolve(store, info.namespace(), info.name(), query.getValue("container"), true), query);
        }
    }

    private void logs(Request request, Response response, Callback callback, PodStreamTarget target, Fields query) {
        Map<String, List<String>> forwarded = new LinkedHashMap<>();
        for (String name : LOG_PARAMETERS) {
            String value = query.getValue(name);
            if (value != null) {
                forwarded.put(name, List.of(value));
            }
        }
        boolean follow = isTrue(query.getValue("follow"));
        URI uri = target.kubeletUri("http", "containerLogs", forwarded);
        InputStreamResponseListener listener = new InputStreamResponseListener();
        org.eclipse.jetty.client.Request toKubelet = http.newRequest(uri)
                .idleTimeout(follow ? STREAM_IDLE_TIMEOUT.toMillis() : 60_000, TimeUnit.MILLISECONDS);
        // aborting closes the connection to the node agent, which is how it learns that we left
        Runnable stop = () -> {
            toKubelet.abort(new IOException("the client of the log stream went away"));
            closeQuietly(listener);
        };
        if (follow) {
            // the client waits silently for new lines: no idle timeout on its connection meanwhile
            request.getConnectionMetaData().getConnection().getEndPoint().setIdleTimeout(STREAM_IDLE_TIMEOUT.toMillis());
            // a client that leaves while no line comes: stop reading from the node agent, whose
            // own server then notices that we left
            ClientDisconnect.watch(request, response, stop);
        }
        request.addFailureListener(failure -> stop.run());
        toKubelet.send(listener);
        // Relaying blocks for as long as the log is followed (a silent container's node agent
        // does not even answer before its first line, like a kubelet): on a thread of our own,
        // not one of the HTTP server's, which every other request (watches included) needs.
        streamThreads.execute(() -> relay(listener, response, callback, target, follow, stop));
    }

    private static void relay(InputStreamResponseListener listener, Response response, Callback callback,
                              PodStreamTarget target, boolean follow, Runnable stop) {
        org.eclipse.jetty.client.Response kubelet;
        try {
            kubelet = listener.get(follow ? STREAM_IDLE_TIMEOUT.toMillis() : RESPONSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            fail(response, callback, KubeletErrors.unreachable(target, e.getCause()));
            return;
        } catch (TimeoutException e) {
            stop.run();
            fail(response, callback, KubeletErrors.unreachable(target, e));
            return;
        } catch (InterruptedException e) {
            stop.run();
            fail(response, callback, ApiException.unavailable("the API server is stopping"));
            return;
        }
        InputStream in = listener.getInputStream();
        if (kubelet.getStatus() != 200) {
            byte[] body;
            try (in) {
                body = in.readNBytes(64 * 1024);
            } catch (IOException e) {
                body = new byte[0];
            }
            fail(response, callback, KubeletErrors.refusal(target, kubelet.getStatus(), body));
            return;
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        OutputStream out = Content.Sink.asOutputStream(response);
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            // each read returns what one chunk from the node agent brought: written and flushed at once
            while ((n = in.read(buffer)) >= 0) {
                if (n > 0) {
                    out.write(buffer, 0, n);
                }
            }
            out.close();
            callback.succeeded();
        } catch (IOException e) {
            // the client went away, or the node agent's stream broke
            LOG.debug("log stream of {}/{}/{} ended: {}", target.namespace(), target.pod(), target.container(), e.toString());
            stop.run();
            callback.failed(e);
        }
    }

    /** Answers a failure that happened after the request was handed to a stream thread. */
    private static void fail(Response response, Callback callback, ApiException e) {
        if (response.isCommitted()) {
            callback.failed(e);
            return;
        }
        response.setStatus(e.code());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(Json.bytes(Statuses.failure(e))), callback);
    }

    private void exec(Request request, Response response, Callback callback, PodStreamTarget target, Fields query) {
        List<String> command = query.getValues("command");
        if (command == null || command.isEmpty()) {
            throw ApiException.badRequest("you must specify at least one command for the container");
        }
        boolean stdin = isTrue(query.getValue("stdin"));
        boolean stdout = isTrue(query.getValue("stdout"));
        boolean stderr = isTrue(query.getValue("stderr"));
        boolean tty = isTrue(query.getValue("tty"));
        if (!stdin && !stdout && !stderr) {
            throw ApiException.badRequest("you must specify at least 1 of stdin, stdout, stderr");
        }
        if (!handshaker.isWebSocketUpgradeRequest(request)) {
            throw ApiException.badRequest("exec is served over WebSocket only (subprotocols "
                    + String.join(", ", EXEC_PROTOCOLS) + "); upgrading to SPDY is not supported");
        }
        String protocol = negotiate(request.getHeaders().getCSV(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL, true));
        if (protocol == null) {
            throw ApiException.badRequest("no supported WebSocket subprotocol requested: this server speaks "
                    + String.join(", ", EXEC_PROTOCOLS));
        }
        Map<String, List<String>> forwarded = new LinkedHashMap<>();
        forwarded.put("command", command);
        forwarded.put("stdin", List.of(Boolean.toString(stdin)));
        forwarded.put("stdout", List.of(Boolean.toString(stdout)));
        forwarded.put("stderr", List.of(Boolean.toString(stderr)));
        forwarded.put("tty", List.of(Boolean.toString(tty)));

        ExecBridge bridge = new ExecBridge();
        FrameHandler clientSide;
        try {
            connectToKubelet(target, target.kubeletUri("ws", "exec", forwarded), protocol, bridge);
            clientSide = bridge.clientSide;
        } catch (ApiException refused) {
            LOG.debug("exec in {}/{}/{} refused: {}", target.namespace(), target.pod(), target.container(), refused.getMessage());
            clientSide = new ExecBridge.Refusal(errorChannelStatus(refused));
        }
        FrameHandler handler = clientSide;
        WebSocketNegotiator.AbstractNegotiator negotiator = new WebSocketNegotiator.AbstractNegotiator() {
            @Override
            public FrameHandler negotiate(ServerUpgradeRequest upgrade, ServerUpgradeResponse upgraded, Callback cb) {
                upgraded.setAcceptedSubProtocol(protocol);
                return handler;
            }
        };
        negotiator.setIdleTimeout(STREAM_IDLE_TIMEOUT);
        boolean upgraded;
        try {
            upgraded = handshaker.upgradeRequest(negotiator, request, response, callback, webSockets, null);
        } catch (RuntimeException e) {
            bridge.abandon();
            throw e;
        }
        if (!upgraded) {
            bridge.abandon();
            throw ApiException.badRequest("the WebSocket upgrade failed");
        }
    }

    /**
     * Opens the WebSocket to the node agent, blocking until it is up.
     *
     * @throws ApiException with the node agent's own status and message when it refused the
     *     upgrade, 503 when it cannot be reached
     */
    private void connectToKubelet(PodStreamTarget target, URI uri, String protocol, ExecBridge bridge) {
        CoreClientUpgradeRequest upgrade = CoreClientUpgradeRequest.from(webSocketClient, uri, bridge.kubeletSide);
        upgrade.setSubProtocols(protocol);
        Configuration.ConfigurationCustomizer configuration = new Configuration.ConfigurationCustomizer();
        configuration.setIdleTimeout(STREAM_IDLE_TIMEOUT);
        upgrade.setConfiguration(configuration);
        // keep the body of a refused upgrade: it is the node agent's Status with the reason
        ByteArrayOutputStream refusalBody = new ByteArrayOutputStream();
        upgrade.addListener(new UpgradeListener() {
            @Override
            public void onHandshakeRequest(org.eclipse.jetty.client.Request handshake) {
                handshake.onResponseContent((r, chunk) -> {
                    synchronized (refusalBody) {
                        byte[] bytes = new byte[chunk.remaining()];
                        chunk.get(bytes);
                        refusalBody.writeBytes(bytes);
                    }
                });
            }
        });
        try {
            webSocketClient.connect(upgrade).get(RESPONSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause != null && !(cause instanceof UpgradeException)) {
                cause = cause.getCause();
            }
            if (cause instanceof UpgradeException u && u.getResponseStatusCode() > 0) {
                byte[] body;
                synchronized (refusalBody) {
                    body = refusalBody.toByteArray();
                }
                throw KubeletErrors.refusal(target, u.getResponseStatusCode(), body);
            }
            throw KubeletErrors.unreachable(target, e.getCause());
        } catch (TimeoutException e) {
            throw KubeletErrors.unreachable(target, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while connecting to the node agent");
        } catch (IOException e) {
            throw KubeletErrors.unreachable(target, e);
        }
    }

    /** The remote-command error-channel Status for a refused exec (no kind: as the kubelet writes it). */
    private static byte[] errorChannelStatus(ApiException e) {
        ObjectNode status = Json.object();
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", e.getMessage());
        status.put("reason", e.reason());
        status.put("code", e.code());
        return Json.bytes(status);
    }

    static String negotiate(List<String> offered) {
        for (String p : offered) {
            if (EXEC_PROTOCOLS.contains(p)) {
                return p;
            }
        }
        return null;
    }

    private static boolean isTrue(String value) {
        if (value == null) {
            return false;
        }
        String v = value.toLowerCase(Locale.ROOT);
        return v.equals("true") || v.equals("1") || v.equals("t");
    }

    private static void closeQuietly(InputStreamResponseListener listener) {
        try {
            listener.close();
        } catch (IOException e) {
            // already failed
        }
    }
}
