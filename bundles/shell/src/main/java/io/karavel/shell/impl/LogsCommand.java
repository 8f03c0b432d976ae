package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;

/**
 * {@code karavel:logs POD}: a container's log through the API server's {@code pods/log}
 * (which proxies to the node agent of the pod's node), streamed as it arrives; with {@code -f}
 * until the container stops or the user presses Ctrl-C.
 */
@Service
@Command(scope = "karavel", name = "logs", description = "Prints a container's log (like kubectl logs).")
public final class LogsCommand implements Action {

    @Argument(index = 0, name = "pod", required = true, description = "Pod name")
    @Completion(PodNameCompleter.class)
    String pod;

    @Argument(index = 1, name = "options", multiValued = true,
            description = "Options may also follow the arguments, as with kubectl")
    List<String> more;

    @Option(name = "-c", aliases = "--container", description = "Container (needed when the pod has several)")
    String container;

    @Option(name = "-f", aliases = "--follow", description = "Keep printing new lines")
    boolean follow;

    @Option(name = "--tail", description = "Only the last N lines")
    Integer tail;

    @Option(name = "--timestamps", description = "Prefix each line with its time")
    boolean timestamps;

    @Option(name = "-p", aliases = "--previous", description = "The previous instance of the container")
    boolean previous;

    @Option(name = "-n", aliases = "--namespace", description = "Namespace (default: default)")
    @Completion(NamespaceCompleter.class)
    String namespace;

    /** The API server is looked up by name: its package may be missing here (see ApiServerLines). */
    @Reference
    BundleContext context;

    @Override
    public Object execute() throws Exception {
        if (!TrailingOptions.positional(this, null, more).isEmpty()) {
            throw Cluster.fail("error: expected one pod name, got more: " + String.join(" ", more));
        }
        ApiServerLines.Lines api = context.getServiceReference(ApiServerLines.SERVICE) == null ? null : ApiServerLines.read(context);
        if (api == null) {
            throw Cluster.absent("logs", "the API server");
        }
        URI uri = URI.create(api.url() + path(namespace == null ? "default" : namespace, pod, query()));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw Cluster.fail("error: cannot reach the API server at " + api.url() + ": " + e.getMessage());
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw Cluster.fail(refusal(response.statusCode(), body.readAllBytes()));
            }
            copy(body);
        }
        return null;
    }

    /** Copies chunk by chunk, so that a followed log shows each line as it comes. */
    private static void copy(InputStream body) throws IOException {
        byte[] buffer = new byte[8192];
        try {
            int read;
            while ((read = body.read(buffer)) >= 0) {
                System.out.write(buffer, 0, read);
                System.out.flush();
            }
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt(); // Ctrl-C: the user is done
        } catch (IOException e) {
            if (!Thread.currentThread().isInterrupted()) {
                throw e;
            }
        }
    }

    static String path(String namespace, String pod, String query) {
        return "/api/v1/namespaces/" + encode(namespace) + "/pods/" + encode(pod) + "/log" + (query.isEmpty() ? "" : "?" + query);
    }

    private String query() {
        List<String> parameters = new ArrayList<>();
        if (container != null) {
            parameters.add("container=" + encode(container));
        }
        if (follow) {
            parameters.add("follow=true");
        }
        if (tail != null && tail >= 0) {
            parameters.add("tailLines=" + tail);
        }
        if (timestamps) {
            parameters.add("timestamps=true");
        }
        if (previous) {
            parameters.add("previous=true");
        }
        return String.join("&", parameters);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The server's Status as kubectl prints it. */
    static String refusal(int code, byte[] body) {
        try {
            JsonNode status = Json.MAPPER.readTree(body);
            if (status.hasNonNull("message")) {
                return Cluster.serverLine(Json.text(status, "reason"), code, status.path("message").asText());
            }
        } catch (IOException e) {
            // not a Status: report the text
        }
        return Cluster.serverLine(null, code, new String(body, StandardCharsets.UTF_8).strip());
    }
}
