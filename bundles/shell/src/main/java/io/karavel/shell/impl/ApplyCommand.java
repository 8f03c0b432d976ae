package io.karavel.shell.impl;

import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ManifestApplier;
import io.karavel.api.client.ManifestApplier.Outcome;
import io.karavel.api.client.ManifestApplier.Result;
import io.karavel.api.client.ObjectClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

/**
 * {@code karavel:apply -f FILE|URL}: applies a manifest through the API server's
 * {@link ManifestApplier} and prints one line per object as kubectl does
 * ({@code deployment.apps/web created}, {@code configured}, {@code unchanged}); each failed
 * object gets one error line with the server's reason, and the command fails.
 */
@Service
@Command(scope = "karavel", name = "apply", description = "Creates or updates the objects of a manifest file or URL (like kubectl apply -f).")
public final class ApplyCommand implements Action {

    @Option(name = "-f", aliases = "--filename", required = true, description = "Manifest file (relative to the Karavel directory) or http(s) URL")
    @Completion(FileCompleter.class)
    String file;

    @Option(name = "-n", aliases = "--namespace", description = "Namespace of objects that name none (default: default)")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Option(name = "--dry-run", description = "Check everything, store nothing")
    boolean dryRun;

    @Option(name = "--atomic", description = "All or nothing: roll back what was applied when an object fails")
    boolean atomic;

    @Reference(optional = true)
    ManifestApplier applier;

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        if (applier == null) {
            throw client == null
                    ? Cluster.absent("apply", "the API server's ManifestApplier")
                    : Cluster.fail("error: karavel:apply needs the ManifestApplier service, which this instance's API server does not provide");
        }
        String manifest = read(file);
        ManifestApplier.Report report = applier.apply(manifest,
                new ManifestApplier.Options(namespace, atomic, dryRun, "karavel-shell"));
        List<String> failures = new ArrayList<>();
        for (Result result : report.results()) {
            if (result.outcome() == Outcome.FAILED) {
                failures.add(failureLine(result, file));
            } else {
                System.out.println(successLine(result, client, dryRun));
            }
        }
        if (!failures.isEmpty()) {
            throw Cluster.fail(String.join("\n", failures));
        }
        return null;
    }

    /** kubectl's line for an object applied (or rolled back or skipped). */
    static String successLine(Result result, ObjectClient client, boolean dryRun) {
        String line = name(result, client) + " " + switch (result.outcome()) {
            case CREATED -> "created";
            case CONFIGURED -> "configured";
            case UNCHANGED -> "unchanged";
            case ROLLED_BACK -> "rolled back" + (result.message() == null ? "" : " (" + result.message() + ")");
            case SKIPPED -> "skipped";
            case FAILED -> throw new IllegalArgumentException("a failure");
        };
        return dryRun ? line + " (server dry run)" : line;
    }

    /** kubectl's line for an object the server refused, or for text that is no manifest. */
    static String failureLine(Result result, String source) {
        if (result.kind() == null) {
            // the applier's message says what and where ("error parsing YAML at line 3: ...")
            return "error: " + source + ": " + result.message();
        }
        return Cluster.serverLine(null, result.code(), "error when applying \"" + source + "\": " + result.message());
    }

    /** {@code deployment.apps/web}: the kind as kubectl names it, then the object name. */
    private static String name(Result result, ObjectClient client) {
        Optional<ApiResource> resource = client == null || result.apiVersion() == null
                ? Optional.empty() : client.resource(result.apiVersion(), result.kind());
        String kind;
        if (resource.isPresent()) {
            kind = Kinds.displayKind(resource.get());
        } else {
            String apiVersion = result.apiVersion() == null ? "" : result.apiVersion();
            int slash = apiVersion.indexOf('/');
            kind = String.valueOf(result.kind()).toLowerCase(Locale.ROOT) + (slash > 0 ? "." + apiVersion.substring(0, slash) : "");
        }
        return kind + "/" + result.name();
    }

    /** The manifest text from a file or an http(s) URL. */
    private static String read(String source) throws Exception {
        if (source.startsWith("http://") || source.startsWith("https://")) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
            HttpResponse<String> response;
            try {
                response = http.send(HttpRequest.newBuilder(URI.create(source)).timeout(Duration.ofSeconds(30)).GET().build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw Cluster.fail("error: unable to read URL \"" + source + "\": " + e.getMessage());
            }
            if (response.statusCode() != 200) {
                throw Cluster.fail("error: unable to read URL \"" + source + "\", server reported " + response.statusCode()
                        + ", status code=" + response.statusCode());
            }
            return response.body();
        }
        Path path = Path.of(source.startsWith("file:") ? URI.create(source).getPath() : source);
        String base = System.getProperty("karaf.base");
        if (!path.isAbsolute() && base != null) {
            path = Path.of(base).resolve(path);
        }
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw Cluster.fail("error: the path \"" + source + "\" does not exist");
        } catch (IOException e) {
            throw Cluster.fail("error: cannot read \"" + source + "\": " + e.getMessage());
        }
    }
}
