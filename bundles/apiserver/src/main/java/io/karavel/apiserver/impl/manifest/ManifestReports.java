package io.karavel.apiserver.impl.manifest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.client.ManifestApplier.Outcome;
import io.karavel.api.client.ManifestApplier.Report;
import io.karavel.api.client.ManifestApplier.Result;
import io.karavel.apiserver.impl.rest.Json;
import java.util.Locale;

/** Renders a {@link Report}: the REST endpoint's JSON body, and kubectl-like text lines. */
public final class ManifestReports {
    private ManifestReports() {}

    /**
     * {@code {"results":[{"index":0,"apiVersion":"v1","kind":"ConfigMap","namespace":"default",
     * "name":"web","outcome":"CREATED","message":null,"code":0}],"succeeded":true}}: every field
     * present (null when unknown), outcomes as {@link Outcome} names.
     */
    public static ObjectNode toJson(Report report) {
        ObjectNode body = Json.object();
        ArrayNode results = body.putArray("results");
        for (Result r : report.results()) {
            ObjectNode o = results.addObject();
            o.put("index", r.index());
            o.put("apiVersion", r.apiVersion());
            o.put("kind", r.kind());
            o.put("namespace", r.namespace());
            o.put("name", r.name());
            o.put("outcome", r.outcome().name());
            o.put("message", r.message());
            o.put("code", r.code());
        }
        body.put("succeeded", report.succeeded());
        return body;
    }

    /**
     * One line per object, as {@code kubectl apply} prints them: {@code deployment.apps/web created},
     * {@code ... (server dry run)}, failures as {@code error: <object>: <message>}.
     */
    public static String toText(Report report, boolean dryRun) {
        StringBuilder text = new StringBuilder();
        for (Result r : report.results()) {
            String name = displayName(r.index(), r.apiVersion(), r.kind(), r.name());
            if (r.outcome() == Outcome.FAILED) {
                text.append("error: ").append(name).append(": ").append(r.message());
            } else {
                text.append(name).append(' ').append(r.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' '));
                if (dryRun) {
                    text.append(" (server dry run)");
                }
                if (r.message() != null) {
                    text.append(" (").append(r.message()).append(')');
                }
            }
            text.append('\n');
        }
        return text.toString();
    }

    /** kubectl's name of an object: {@code deployment.apps/web}, {@code service/web}; {@code object #3} when unknown. */
    static String displayName(int index, String apiVersion, String kind, String name) {
        if (kind == null || kind.isEmpty() || apiVersion == null) {
            return "object #" + index;
        }
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        return kind.toLowerCase(Locale.ROOT) + (group.isEmpty() ? "" : "." + group) + "/" + (name == null ? "" : name);
    }
}
