package io.karavel.apiserver.impl.stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.Json;
import java.nio.charset.StandardCharsets;

/** Turns what a node agent answered instead of a stream into the API server's own {@code Status}. */
final class KubeletErrors {
    private KubeletErrors() {}

    /**
     * A refusal from the node agent: its own {@code Status} message and reason when the body is
     * one, else its text; the HTTP status is kept.
     */
    static ApiException refusal(PodStreamTarget target, int code, byte[] body) {
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8).trim();
        try {
            JsonNode status = Json.MAPPER.readTree(text);
            if (status != null && status.hasNonNull("message")) {
                String reason = status.path("reason").asText("");
                return new ApiException(code, reason.isEmpty() ? reason(code) : reason, status.path("message").asText());
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not JSON: the text itself is the message
        }
        return new ApiException(code, reason(code), "the node agent of node " + target.node() + " answered " + code
                + (text.isEmpty() ? "" : ": " + text));
    }

    /** The node agent could not be reached at all. */
    static ApiException unreachable(PodStreamTarget target, Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return ApiException.unavailable("cannot reach the node agent of node " + target.node() + " at "
                + target.host() + ":" + target.port() + ": " + root);
    }

    static String reason(int code) {
        return switch (code) {
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 409 -> "Conflict";
            case 503 -> "ServiceUnavailable";
            case 504 -> "Timeout";
            default -> code >= 500 ? "InternalError" : "BadRequest";
        };
    }
}
