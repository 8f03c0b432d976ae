package io.karavel.apiserver.impl.stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreKeys;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a pod's logs or exec stream is served: the pod's container, the node it is bound to and
 * that node's agent (kubelet) address, resolved from the store the way Kubernetes'
 * {@code LogLocation}/{@code ExecLocation} do, with the same error messages.
 *
 * @param namespace the pod's namespace
 * @param pod the pod's name
 * @param container the container, defaulted when the request named none
 * @param node the node the pod is bound to ({@code spec.nodeName})
 * @param host the node agent's address (the Node's {@code InternalIP}, else {@code Hostname})
 * @param port the node agent's port ({@code status.daemonEndpoints.kubeletEndpoint.Port})
 */
public record PodStreamTarget(String namespace, String pod, String container, String node, String host, int port) {
    /** The annotation kubectl and the API server use to pick a container when none is named. */
    public static final String DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

    /**
     * Resolves a pod's stream target.
     *
     * @param requestedContainer the {@code container} parameter, null or empty when absent
     * @param forExec exec refuses pods that have completed
     * @throws ApiException 404 for a missing pod, 400 for an invalid or ambiguous container or an
     *     unscheduled or completed pod, 503 when the node or its agent's address is unknown
     */
    public static PodStreamTarget resolve(Store store, String namespace, String name, String requestedContainer,
                                          boolean forExec) {
        KeyValue podKv = store.get(StoreKeys.key("", "pods", namespace, name))
                .orElseThrow(() -> ApiException.notFound("pods", "", name));
        JsonNode pod = Json.readObject(podKv.value());
        String container = container(pod, name, requestedContainer);
        String node = pod.path("spec").path("nodeName").asText("");
        if (node.isEmpty()) {
            throw ApiException.badRequest("pod " + name + " does not have a host assigned");
        }
        String phase = pod.path("status").path("phase").asText("");
        if (forExec && (phase.equals("Succeeded") || phase.equals("Failed"))) {
            throw ApiException.badRequest("cannot exec into a container in a completed pod; current phase is " + phase);
        }
        JsonNode nodeObject = store.get(StoreKeys.key("", "nodes", null, node))
                .map(kv -> (JsonNode) Json.readObject(kv.value()))
                .orElseThrow(() -> ApiException.unavailable(
                        "node \"" + node + "\" of pod " + namespace + "/" + name + " is not registered: no node agent to ask"));
        String host = address(nodeObject.path("status").path("addresses"));
        int port = nodeObject.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
        if (host == null || port <= 0) {
            throw ApiException.unavailable("node \"" + node + "\" does not publish its node agent's address"
                    + " (status.addresses and status.daemonEndpoints.kubeletEndpoint.Port)");
        }
        return new PodStreamTarget(namespace, name, container, node, host, port);
    }

    /** Kubernetes' container choice: the named one (must exist), else the annotated default, else the only one. */
    static String container(JsonNode pod, String podName, String requested) {
        List<String> containers = names(pod.path("spec").path("containers"));
        List<String> initContainers = names(pod.path("spec").path("initContainers"));
        List<String> ephemeral = names(pod.path("spec").path("ephemeralContainers"));
        if (requested != null && !requested.isEmpty()) {
            if (!containers.contains(requested) && !initContainers.contains(requested) && !ephemeral.contains(requested)) {
                throw ApiException.badRequest("container " + requested + " is not valid for pod " + podName);
            }
            return requested;
        }
        String annotated = pod.path("metadata").path("annotations").path(DEFAULT_CONTAINER_ANNOTATION).asText("");
        if (!annotated.isEmpty() && containers.contains(annotated)) {
            return annotated;
        }
        if (containers.size() == 1) {
            return containers.get(0);
        }
        if (containers.isEmpty()) {
            throw ApiException.badRequest("a container name must be specified for pod " + podName);
        }
        String message = "a container name must be specified for pod " + podName
                + ", choose one of: [" + String.join(" ", containers) + "]";
        if (!initContainers.isEmpty()) {
            message += " or one of the init containers: [" + String.join(" ", initContainers) + "]";
        }
        throw ApiException.badRequest(message);
    }

    private static List<String> names(JsonNode list) {
        List<String> names = new ArrayList<>();
        for (JsonNode c : list) {
            names.add(c.path("name").asText());
        }
        return names;
    }

    /** The address to reach a node by, as the API server's kubelet client prefers it. */
    static String address(JsonNode addresses) {
        for (String type : List.of("InternalIP", "Hostname", "ExternalIP")) {
            for (JsonNode a : addresses) {
                if (type.equals(a.path("type").asText()) && !a.path("address").asText("").isEmpty()) {
                    return a.path("address").asText();
                }
            }
        }
        return null;
    }

    /**
     * The node agent URL of this target: {@code <scheme>://host:port/<endpoint>/ns/pod/container?query}.
     *
     * @param query parameters in order; a list value becomes a repeated parameter
     */
    URI kubeletUri(String scheme, String endpoint, Map<String, List<String>> query) {
        StringBuilder url = new StringBuilder(scheme).append("://");
        url.append(host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host).append(':').append(port);
        url.append('/').append(endpoint).append('/').append(encode(namespace)).append('/').append(encode(pod))
                .append('/').append(encode(container));
        char separator = '?';
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            for (String value : e.getValue()) {
                url.append(separator).append(encode(e.getKey())).append('=').append(encode(value));
                separator = '&';
            }
        }
        return URI.create(url.toString());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
