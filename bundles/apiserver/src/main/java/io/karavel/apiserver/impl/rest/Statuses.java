package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds {@code meta.k8s.io/v1 Status} bodies. */
public final class Statuses {
    private Statuses() {}

    public static ObjectNode failure(ApiException e) {
        ObjectNode status = base();
        status.put("status", "Failure");
        status.put("message", e.getMessage());
        status.put("reason", e.reason());
        if (e.detailName() != null || e.detailKind() != null || !e.causes().isEmpty()) {
            ObjectNode details = status.putObject("details");
            if (e.detailName() != null) {
                details.put("name", e.detailName());
            }
            if (e.detailGroup() != null && !e.detailGroup().isEmpty()) {
                details.put("group", e.detailGroup());
            }
            if (e.detailKind() != null) {
                details.put("kind", e.detailKind());
            }
            if (!e.causes().isEmpty()) {
                ArrayNode causes = details.putArray("causes");
                for (ApiException.Cause c : e.causes()) {
                    ObjectNode cause = causes.addObject();
                    cause.put("reason", c.reason());
                    cause.put("message", c.message());
                    cause.put("field", c.field());
                }
            }
        }
        status.put("code", e.code());
        return status;
    }

    public static ObjectNode success(String name, String group, String kind, String uid) {
        ObjectNode status = base();
        status.put("status", "Success");
        ObjectNode details = status.putObject("details");
        details.put("name", name);
        if (group != null && !group.isEmpty()) {
            details.put("group", group);
        }
        details.put("kind", kind);
        if (uid != null) {
            details.put("uid", uid);
        }
        return status;
    }

    private static ObjectNode base() {
        ObjectNode status = Json.object();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        return status;
    }
}
