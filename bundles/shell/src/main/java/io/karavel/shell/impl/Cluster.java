package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.client.ObjectClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.karaf.shell.support.CommandException;

/**
 * What the commands share: the in-process API ({@link ObjectClient}) with kind resolution, and
 * kubectl's one-line error messages. Every failure a user can cause ends as a
 * {@link CommandException}, which Karaf prints as its message alone (no stack trace).
 */
final class Cluster {

    /** Where the control-plane services run, for the line printed when they are absent. */
    static final String CONTROL_PLANE_PROFILES = "the master and all-in-one profiles";

    private final ObjectClient client;

    private Cluster(ObjectClient client) {
        this.client = client;
    }

    /** The API, or the one-line error saying which profile has it. */
    static Cluster require(ObjectClient client, String command) throws CommandException {
        if (client == null) {
            throw absent(command, "the API server (ObjectClient)");
        }
        return new Cluster(client);
    }

    /** For completers, which never fail: the caller checked that the client is there. */
    static Cluster requireQuietly(ObjectClient client) {
        return new Cluster(client);
    }

    /** A control-plane service this instance does not run. */
    static CommandException absent(String command, String what) {
        return fail("error: karavel:" + command + " needs " + what + ", which runs in " + CONTROL_PLANE_PROFILES
                + "; this instance has none");
    }

    static CommandException fail(String line) {
        return new CommandException(line, line);
    }

    /** kubectl's line for a refused request: {@code Error from server (NotFound): pods "x" not found}. */
    static CommandException fromServer(ApiStatusException e) {
        return fail(serverLine(e.reason(), e.code(), e.getMessage()));
    }

    static String serverLine(String reason, int code, String message) {
        String why = reason == null || reason.isEmpty() ? reasonOf(code) : reason;
        return "Error from server (" + why + "): " + message;
    }

    /** The Status reason of an HTTP code, for results that carry only the code. */
    static String reasonOf(int code) {
        return switch (code) {
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 409 -> "Conflict";
            case 410 -> "Expired";
            case 422 -> "Invalid";
            case 429 -> "TooManyRequests";
            case 504 -> "Timeout";
            default -> "InternalError";
        };
    }

    ObjectClient client() {
        return client;
    }

    /** The kinds served now, with the short names of custom resources from their definitions. */
    Kinds kinds() {
        List<ApiResource> resources = client.resources();
        Map<String, List<String>> custom = new HashMap<>();
        for (ApiResource resource : resources) {
            if (resource.group().equals("apiextensions.k8s.io") && resource.plural().equals("customresourcedefinitions")) {
                for (GenericKubernetesResource crd : client.list(resource, null)) {
                    JsonNode spec = Json.tree(crd).path("spec");
                    List<String> shortNames = new ArrayList<>();
                    spec.path("names").path("shortNames").forEach(n -> shortNames.add(n.asText()));
                    custom.put(spec.path("names").path("plural").asText() + "." + spec.path("group").asText(), shortNames);
                }
            }
        }
        return new Kinds(resources, custom);
    }

    /** The served resource for what the user typed, or kubectl's unknown-kind line. */
    ApiResource resolve(String typed) throws CommandException {
        return kinds().resolve(typed).orElseThrow(() -> fail(Kinds.unknownKind(typed)));
    }

    /**
     * The namespace a namespaced command works in: {@code default} unless given; a namespace
     * that does not exist is an error (kubectl would print an empty list, which hides a typo).
     */
    String namespace(ApiResource resource, String namespace) throws CommandException {
        if (!resource.namespaced()) {
            return null;
        }
        String chosen = namespace == null || namespace.isEmpty() ? "default" : namespace;
        requireNamespace(chosen);
        return chosen;
    }

    void requireNamespace(String namespace) throws CommandException {
        ApiResource namespaces = resolve("namespaces");
        if (call(() -> client.get(namespaces, null, namespace)).isEmpty()) {
            throw fail(notFound(namespaces, namespace));
        }
    }

    /** The object, or kubectl's NotFound line. */
    GenericKubernetesResource get(ApiResource resource, String namespace, String name) throws CommandException {
        Optional<GenericKubernetesResource> found = call(() -> client.get(resource, namespace, name));
        return found.orElseThrow(() -> fail(notFound(resource, name)));
    }

    static String notFound(ApiResource resource, String name) {
        String what = resource.group().isEmpty() ? resource.plural() : resource.plural() + "." + resource.group();
        return "Error from server (NotFound): " + what + " \"" + name + "\" not found";
    }

    /** Runs an API call, turning a refusal into its one-line error. */
    static <T> T call(ApiCall<T> call) throws CommandException {
        try {
            return call.run();
        } catch (ApiStatusException e) {
            throw fromServer(e);
        }
    }

    /** An API call that may be refused. */
    @FunctionalInterface
    interface ApiCall<T> {
        T run();
    }
}
