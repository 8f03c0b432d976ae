package io.karavel.apiserver.impl.manifest;

import io.karavel.api.client.ManifestApplier.Options;
import io.karavel.api.client.ManifestApplier.Outcome;
import io.karavel.api.client.ManifestApplier.Report;
import io.karavel.apiserver.impl.auth.Authorizer;
import io.karavel.apiserver.impl.auth.UserInfo;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.Json;
import io.karavel.apiserver.impl.rest.Statuses;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code POST /karavel/v1/manifests}: applies the body (YAML, or JSON when the Content-Type says
 * so) with {@link InProcessManifestApplier} as the authenticated caller. Query parameters:
 * {@code namespace} (for objects naming none), {@code atomic=true}, {@code dryRun=All},
 * {@code fieldManager}, {@code output=text}. Answers 200 with the report when every object
 * succeeded, 422 with the same report when some failed, 503 with the same report when the store
 * refused writes (no leader: the objects after the first refused one are not attempted), 400 (a
 * {@code Status}) when the body is not YAML or JSON at all. Outside the {@code /api} and {@code /apis} trees, so discovery does
 * not see it.
 */
public final class ManifestEndpoint {
    /** The endpoint's path. */
    public static final String PATH = "/karavel/v1/manifests";

    /** Manifests may hold many objects: larger than one object's 3 MiB. */
    private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final InProcessManifestApplier applier;
    private final Authorizer authorizer;

    /** @param authorizer checks every request made on the caller's behalf, one per object and step */
    public ManifestEndpoint(InProcessManifestApplier applier, Authorizer authorizer) {
        this.applier = applier;
        this.authorizer = authorizer;
    }

    /** Whether this endpoint serves {@code path}. */
    public static boolean serves(String path) {
        return path.equals(PATH) || path.equals(PATH + "/");
    }

    /**
     * Handles one request the HTTP layer has authenticated and authorized for the path.
     *
     * @throws ApiException for a request that is wrong as a whole (method, parameters, body)
     */
    public void handle(Request request, Response response, Callback callback, Map<String, String> query, UserInfo user) {
        if (!request.getMethod().equals("POST")) {
            throw ApiException.methodNotAllowed("only POST is allowed on " + PATH);
        }
        boolean text = "text".equals(query.get("output"));
        if (query.get("output") != null && !text && !"json".equals(query.get("output"))) {
            throw ApiException.badRequest("invalid output: " + query.get("output") + ": supported values: \"json\", \"text\"");
        }
        Options options = new Options(query.get("namespace"), flag(query, "atomic"), dryRun(query), query.get("fieldManager"));
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String body = readBody(request);
        Report report;
        try {
            report = applier.apply(body, isJson(contentType), options, user, authorizer);
        } catch (ManifestSyntaxException e) {
            if (text) {
                write(response, callback, 400, "text/plain; charset=utf-8", "error: " + e.getMessage() + "\n");
            } else {
                write(response, callback, 400, "application/json", new String(Json.bytes(Statuses.failure(ApiException.badRequest(e.getMessage()))),
                        StandardCharsets.UTF_8));
            }
            return;
        }
        // 503 when the store refused writes (no leader): the caller may retry, here or on another master
        boolean unavailable = report.results().stream().anyMatch(r -> r.outcome() == Outcome.FAILED && r.code() == 503);
        int code = report.succeeded() ? 200 : unavailable ? 503 : 422;
        if (text) {
            write(response, callback, code, "text/plain; charset=utf-8", ManifestReports.toText(report, options.dryRun()));
        } else {
            write(response, callback, code, "application/json",
                    new String(Json.bytes(ManifestReports.toJson(report)), StandardCharsets.UTF_8));
        }
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String media = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        return media.equals("application/json") || media.endsWith("+json");
    }

    private static boolean flag(Map<String, String> query, String name) {
        String value = query.get(name);
        if (value == null || value.isEmpty() || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw ApiException.badRequest("invalid " + name + ": " + value + ": supported values: \"true\", \"false\"");
    }

    private static boolean dryRun(Map<String, String> query) {
        String value = query.get("dryRun");
        if (value == null || value.isEmpty()) {
            return false;
        }
        if (value.equals("All")) {
            return true;
        }
        throw ApiException.badRequest("invalid dryRun: " + value + ": supported values: \"All\"");
    }

    private static String readBody(Request request) {
        ByteBuffer buffer;
        try {
            buffer = Content.Source.asByteBuffer(request);
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
        }
        if (buffer.remaining() > MAX_BODY_BYTES) {
            throw new ApiException(413, "RequestEntityTooLarge", "the manifest is larger than 16 MiB");
        }
        if (!buffer.hasRemaining()) {
            throw ApiException.badRequest("the request body is empty: POST a YAML or JSON manifest");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(buffer)
                    .toString();
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("the manifest is not UTF-8 text");
        }
    }

    private static void write(Response response, Callback callback, int code, String contentType, String body) {
        response.setStatus(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
