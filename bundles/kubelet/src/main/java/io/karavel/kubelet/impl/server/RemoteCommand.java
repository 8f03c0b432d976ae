package io.karavel.kubelet.impl.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Kubernetes remote-command protocol over WebSocket, as {@code kubectl exec} (client-go) and
 * the fabric8 client speak it: every binary message starts with a channel byte.
 *
 * <pre>
 * 0 stdin   client → server
 * 1 stdout  server → client
 * 2 stderr  server → client
 * 3 error   server → client: one meta/v1 Status once the command has ended
 * 4 resize  client → server: terminal size as JSON (ignored here)
 * 255 close client → server, v5 only: [255, n] = the client closed its stream n (stdin: EOF)
 * </pre>
 */
final class RemoteCommand {
    /** kubectl 1.30+: v4 plus the close signal (channel 255). */
    static final String V5 = "v5.channel.k8s.io";
    /** The fabric8 client and older kubectl: Status JSON on the error channel. */
    static final String V4 = "v4.channel.k8s.io";
    /** Subprotocols we accept, most capable first. */
    static final List<String> PROTOCOLS = List.of(V5, V4);

    static final byte STDIN = 0;
    static final byte STDOUT = 1;
    static final byte STDERR = 2;
    static final byte ERROR = 3;
    static final byte RESIZE = 4;
    static final byte CLOSE = (byte) 255;

    private static final ObjectMapper JSON = new ObjectMapper();

    private RemoteCommand() {}

    /** The first subprotocol the client offers that we speak (the client's preference wins), or null. */
    static String negotiate(List<String> offered) {
        for (String p : offered) {
            if (PROTOCOLS.contains(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The error-channel Status for an exit code, as the kubelet writes it: {@code Success} for 0,
     * else {@code Failure} with reason {@code NonZeroExitCode} and the code in an {@code ExitCode}
     * cause (client-go reads the code from there).
     */
    static byte[] exitStatus(int exitCode) {
        ObjectNode status = JSON.createObjectNode();
        status.putObject("metadata");
        if (exitCode == 0) {
            status.put("status", "Success");
        } else {
            status.put("status", "Failure");
            status.put("message", "command terminated with non-zero exit code: exit status " + exitCode);
            status.put("reason", "NonZeroExitCode");
            status.putObject("details").putArray("causes").addObject()
                    .put("reason", "ExitCode")
                    .put("message", Integer.toString(exitCode));
        }
        return bytes(status);
    }

    /** A failure Status on the error channel for a command that could not run to its end. */
    static byte[] failureStatus(String message) {
        ObjectNode status = JSON.createObjectNode();
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", message);
        status.put("reason", "InternalError");
        status.put("code", 500);
        return bytes(status);
    }

    /** A complete {@code Status} response body for an HTTP error answered before any upgrade. */
    static byte[] httpStatus(int code, String message) {
        ObjectNode status = JSON.createObjectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", message);
        status.put("reason", reason(code));
        status.put("code", code);
        return bytes(status);
    }

    private static String reason(int code) {
        return switch (code) {
            case 400 -> "BadRequest";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 409 -> "Conflict";
            case 503 -> "ServiceUnavailable";
            default -> code >= 500 ? "InternalError" : "BadRequest";
        };
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
