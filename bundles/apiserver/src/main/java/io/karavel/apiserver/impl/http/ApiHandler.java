package io.karavel.apiserver.impl.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.apiserver.impl.auth.Authenticator;
import io.karavel.apiserver.impl.auth.Authorizer;
import io.karavel.apiserver.impl.auth.UserInfo;
import io.karavel.apiserver.impl.cluster.ClusterStatusEndpoint;
import io.karavel.apiserver.impl.discovery.Discovery;
import io.karavel.apiserver.impl.discovery.OpenApiV3;
import io.karavel.apiserver.impl.manifest.ManifestEndpoint;
import io.karavel.apiserver.impl.registry.ResourceRegistry;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.Json;
import io.karavel.apiserver.impl.rest.ResourceService;
import io.karavel.apiserver.impl.rest.RestRequest;
import io.karavel.apiserver.impl.rest.RestResponse;
import io.karavel.apiserver.impl.rest.Statuses;
import io.karavel.apiserver.impl.rest.WatchPlan;
import io.karavel.apiserver.impl.stream.PodStreamProxy;
import io.karavel.apiserver.impl.table.Tables;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front of the API server, on Jetty 12's core {@link Handler} API (no servlet layer: it
 * gives direct non-blocking writes for watch streams and needs no servlet jars). It routes
 * non-resource paths (version, health, discovery, OpenAPI) and runs resource requests through the
 * pipeline: parse {@link RequestInfo} → authenticate → authorize → look the type up → REST
 * semantics ({@link ResourceService}) → write the JSON or the {@code Status}.
 */
public final class ApiHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    private static final String JSON = "application/json";
    private static final int MAX_BODY_BYTES = 3 * 1024 * 1024;

    private final ResourceRegistry registry;
    private final ResourceService service;
    private final Discovery discovery;
    private final OpenApiV3 openApi;
    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final Readyz readyz;
    private final java.time.Duration bookmarkInterval;
    private final PodStreamProxy podStreams;
    private final ManifestEndpoint manifests;
    private final ClusterStatusEndpoint cluster;

    public ApiHandler(
            ResourceRegistry registry,
            ResourceService service,
            Authenticator authenticator,
            Authorizer authorizer,
            Executor executor,
            ScheduledExecutorService scheduler,
            Readyz readyz,
            java.time.Duration bookmarkInterval,
            PodStreamProxy podStreams,
            ManifestEndpoint manifests,
            ClusterStatusEndpoint cluster) {
        this.manifests = manifests;
        this.cluster = cluster;
        this.bookmarkInterval = bookmarkInterval;
        this.podStreams = podStreams;
        this.registry = registry;
        this.service = service;
        this.discovery = new Discovery(registry);
        this.openApi = new OpenApiV3(registry);
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.executor = executor;
        this.scheduler = scheduler;
        this.readyz = readyz;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getDecodedPath();
        String method = request.getMethod();
        try {
            Map<String, String> query = queryParameters(request);
            RequestInfo info = RequestInfoParser.parse(method, path, query.get("watch"));
            UserInfo user = authenticator.authenticate(request);
            authorizer.authorize(user, info);
            if (ManifestEndpoint.serves(path)) {
                // Karavel's own endpoint, outside /api and /apis: each object it applies is
                // authorized again as the request it stands for
                manifests.handle(request, response, callback, query, user);
                return true;
            }
            if (ClusterStatusEndpoint.serves(path)) {
                // authorized above as a non-resource request (get on its path), like /readyz
                writeJson(response, callback, 200, cluster.get(method), List.of());
                return true;
            }
            if (!info.resourceRequest()) {
                handleNonResource(request, response, callback, path, method, query);
                return true;
            }
            handleResource(request, response, callback, info, query, user);
        } catch (ApiException e) {
            writeStatus(response, callback, e);
        } catch (StoreUnavailableException e) {
            writeStatus(response, callback, ApiException.unavailable(e.getMessage()));
        } catch (StoreException e) {
            LOG.warn("store failure on {} {}", method, path, e);
            writeStatus(response, callback, ApiException.internal(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warn("internal error on {} {}", method, path, e);
            writeStatus(response, callback, ApiException.internal("an internal error occurred: " + e));
        }
        return true;
    }

    private void handleNonResource(
            Request request, Response response, Callback callback, String path, String method, Map<String, String> query) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        switch (p) {
            case "/version" -> writeJson(response, callback, 200, discovery.version(), List.of());
            case "/healthz", "/livez" -> writeText(response, callback, 200, "ok");
            case "/readyz" -> {
                Readyz.Answer answer = readyz.answer(query.containsKey("verbose"));
                writeText(response, callback, answer.code(), answer.text());
            }
            case "/api", "/apis" -> {
                boolean core = p.equals("/api");
                if (Discovery.wantsAggregated(request.getHeaders().get(HttpHeader.ACCEPT))) {
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Discovery.AGGREGATED_V2);
                    response.getHeaders().put(HttpHeader.VARY, "Accept");
                    response.write(true, ByteBuffer.wrap(Json.bytes(discovery.aggregated(core))), callback);
                } else if (core) {
                    writeJson(response, callback, 200,
                            discovery.apiVersions(Request.getLocalAddr(request) + ":" + Request.getLocalPort(request)), List.of());
                } else {
                    writeJson(response, callback, 200, discovery.apiGroupList(), List.of());
                }
            }
            case "/openapi/v3" -> writeJson(response, callback, 200, openApi.index(), List.of());
            default -> {
                JsonNode doc = null;
                String[] parts = p.substring(1).split("/");
                if (p.startsWith("/openapi/v3/")) {
                    doc = openApi.document(p.substring("/openapi/v3/".length()));
                } else if (parts.length == 2 && parts[0].equals("api")) {
                    doc = discovery.resourceList("", parts[1]);
                } else if (parts.length == 2 && parts[0].equals("apis")) {
                    doc = discovery.apiGroup(parts[1]);
                } else if (parts.length == 3 && parts[0].equals("apis")) {
                    doc = discovery.resourceList(parts[1], parts[2]);
                }
                if (doc == null) {
                    throw notFoundPath();
                }
                writeJson(response, callback, 200, doc, List.of());
            }
        }
    }

    private void handleResource(
            Request request, Response response, Callback callback, RequestInfo info, Map<String, String> query, UserInfo user) {
        ResourceType type = registry.find(info.group(), info.version(), info.resource()).orElseThrow(ApiHandler::notFoundPath);
        if (type.namespaced() && info.namespace() == null && info.name() != null) {
            throw notFoundPath();
        }
        if (!type.namespaced() && info.namespace() != null) {
            throw notFoundPath();
        }
        String sub = info.subresource();
        if (sub != null && type.subresource(sub).isEmpty()) {
            throw notFoundPath();
        }
        if (("log".equals(sub) || "exec".equals(sub)) && type.group().isEmpty() && type.plural().equals("pods")) {
            // streamed from the pod's node agent, not from the store
            podStreams.handle(sub, request, response, callback, info);
            return;
        }
        byte[] body = readBody(request, info.verb());
        RestRequest req = new RestRequest(info, type, query, body,
                request.getHeaders().get(HttpHeader.CONTENT_TYPE), user);

        if ("scale".equals(sub)) {
            RestResponse scale = switch (info.verb()) {
                case "get" -> service.getScale(req);
                case "update" -> service.updateScale(req);
                case "patch" -> service.patchScale(req);
                default -> throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
            };
            writeJson(response, callback, scale.code(), scale.body(), scale.warnings());
            return;
        }
        if ("binding".equals(sub) && info.verb().equals("create")) {
            RestResponse bound = service.bind(req);
            writeJson(response, callback, bound.code(), bound.body(), bound.warnings());
            return;
        }
        boolean finalize = "finalize".equals(sub) && info.verb().equals("update");
        if (sub != null && !sub.equals("status") && !finalize) {
            throw ApiException.methodNotAllowed(
                    "the " + type.plural() + "/" + sub + " subresource is not implemented yet");
        }
        if (sub != null && !List.of("get", "update", "patch").contains(info.verb())) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        RestResponse result = switch (info.verb()) {
            case "get" -> service.get(req);
            case "list" -> service.list(req);
            case "watch" -> {
                startWatch(request, response, callback, req);
                yield null;
            }
            case "create" -> {
                if (info.name() != null) {
                    throw ApiException.methodNotAllowed("POST is not allowed on a named " + type.singular() + ": post to the collection");
                }
                yield service.create(req);
            }
            case "update" -> service.update(req);
            case "patch" -> service.patch(req);
            case "delete" -> service.delete(req);
            case "deletecollection" -> service.deleteCollection(req);
            default -> throw ApiException.methodNotAllowed(
                    "the server does not allow this method on the requested resource");
        };
        if (result != null) {
            JsonNode out = result.body();
            if ((info.verb().equals("get") || info.verb().equals("list")) && sub == null
                    && Tables.wanted(request.getHeaders().get(HttpHeader.ACCEPT))) {
                out = Tables.toTable(out, type.strategy().tableColumns(), type.strategy().tableAgeColumn(),
                        req.param("includeObject"), Clock.systemUTC());
            }
            writeJson(response, callback, result.code(), out, result.warnings());
        }
    }

    private void startWatch(Request request, Response response, Callback callback, RestRequest req) {
        WatchPlan plan = WatchPlan.of(req, Tables.wanted(request.getHeaders().get(HttpHeader.ACCEPT)), service.decodedChanges());
        String upgrade = request.getHeaders().get(HttpHeader.UPGRADE);
        if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
            // fabric8 first asks for a WebSocket watch. We do not speak WebSocket yet: answer a
            // 200 whose stream ends at once, and fabric8 falls back to a plain HTTP watch. (Any
            // error status breaks its informers; and a long-lived 200 stream would stall the JDK
            // client's handshake, which reads the whole body, until timeoutSeconds.)
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            response.write(true, ByteBuffer.allocate(0), callback);
            return;
        }
        new WatchStream(plan, request, response, callback, executor).start(service.store(), scheduler, bookmarkInterval);
    }

    private static byte[] readBody(Request request, String verb) {
        if (!List.of("create", "update", "patch", "delete", "deletecollection").contains(verb)) {
            return new byte[0];
        }
        try {
            ByteBuffer buffer = org.eclipse.jetty.io.Content.Source.asByteBuffer(request);
            if (buffer.remaining() > MAX_BODY_BYTES) {
                throw new ApiException(413, "RequestEntityTooLarge", "the request body is larger than 3 MiB");
            }
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
        }
    }

    private static Map<String, String> queryParameters(Request request) {
        Map<String, String> query = new HashMap<>();
        Fields fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        for (Fields.Field f : fields) {
            query.put(f.getName(), f.getValue());
        }
        return query;
    }

    private static ApiException notFoundPath() {
        return new ApiException(404, "NotFound", "the server could not find the requested resource");
    }

    static void writeJson(Response response, Callback callback, int code, JsonNode body, List<String> warnings) {
        response.setStatus(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
        for (String w : warnings) {
            response.getHeaders().add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\"");
        }
        response.write(true, ByteBuffer.wrap(Json.bytes(body)), callback);
    }

    static void writeStatus(Response response, Callback callback, ApiException e) {
        if (response.isCommitted()) {
            callback.failed(e);
            return;
        }
        writeJson(response, callback, e.code(), Statuses.failure(e), List.of());
    }

    private static void writeText(Response response, Callback callback, int code, String text) {
        response.setStatus(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
