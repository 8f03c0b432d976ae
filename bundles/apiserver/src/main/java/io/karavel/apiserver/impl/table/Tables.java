package io.karavel.apiserver.impl.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.apiserver.impl.rest.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Server-side printing: turns objects and lists into {@code meta.k8s.io/v1 Table}s when the
 * client asks for them ({@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}), as
 * kubectl does for its default output. Columns come from each kind's strategy; Name (first) and
 * Age (after the default columns, before the {@code -o wide} ones) are added here.
 */
public final class Tables {
    private Tables() {}

    /** True when the Accept header asks for a Table. */
    public static boolean wanted(String accept) {
        if (accept == null) {
            return false;
        }
        for (String part : accept.split(",")) {
            String p = part.replace(" ", "").toLowerCase(Locale.ROOT);
            if (p.contains("as=table") && p.contains("g=meta.k8s.io") && p.contains("v=v1")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A Table for one object or a list ({@code items}).
     *
     * @param includeObject {@code None}, {@code Object} or {@code Metadata} (default): what each
     *     row carries besides its cells
     */
    public static ObjectNode toTable(JsonNode objectOrList, List<TableColumn> kindColumns, String includeObject, Clock clock) {
        return toTable(objectOrList, kindColumns, true, includeObject, clock);
    }

    /** Like {@link #toTable(JsonNode, List, String, Clock)}, with or without the Age column. */
    public static ObjectNode toTable(
            JsonNode objectOrList, List<TableColumn> kindColumns, boolean withAge, String includeObject, Clock clock) {
        List<TableColumn> columns = new ArrayList<>();
        columns.add(new TableColumn("Name", "string", "Name must be unique within a namespace.", 0,
                o -> o.path("metadata").path("name").asText()));
        // kubectl keeps the server's column order: Age ends the default columns, wide ones follow
        kindColumns.stream().filter(c -> c.priority() == 0).forEach(columns::add);
        if (withAge) {
            columns.add(new TableColumn("Age", "string", "CreationTimestamp is when the object was created.", 0,
                    o -> age(o.path("metadata").path("creationTimestamp").asText(null), clock)));
        }
        kindColumns.stream().filter(c -> c.priority() != 0).forEach(columns::add);

        ObjectNode table = Json.object();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/v1");
        ObjectNode meta = table.putObject("metadata");
        ArrayNode definitions = table.putArray("columnDefinitions");
        for (TableColumn c : columns) {
            ObjectNode d = definitions.addObject();
            d.put("name", c.name());
            d.put("type", c.type());
            d.put("format", c.name().equals("Name") ? "name" : "");
            d.put("description", c.description());
            d.put("priority", c.priority());
        }
        ArrayNode rows = table.putArray("rows");
        if (objectOrList.has("items")) {
            JsonNode listMeta = objectOrList.path("metadata");
            if (listMeta.has("resourceVersion")) {
                meta.set("resourceVersion", listMeta.get("resourceVersion"));
            }
            if (listMeta.has("continue")) {
                meta.set("continue", listMeta.get("continue"));
            }
            for (JsonNode item : objectOrList.get("items")) {
                rows.add(row(item, columns, includeObject));
            }
        } else {
            if (objectOrList.path("metadata").has("resourceVersion")) {
                meta.set("resourceVersion", objectOrList.path("metadata").get("resourceVersion"));
            }
            rows.add(row(objectOrList, columns, includeObject));
        }
        return table;
    }

    private static ObjectNode row(JsonNode object, List<TableColumn> columns, String includeObject) {
        ObjectNode row = Json.object();
        ArrayNode cells = row.putArray("cells");
        for (TableColumn c : columns) {
            Object v;
            try {
                v = c.cell().apply(object);
            } catch (RuntimeException e) {
                v = "<unknown>";
            }
            if (v instanceof Number n) {
                cells.add(n.longValue());
            } else if (v instanceof Boolean b) {
                cells.add(b);
            } else {
                cells.add(v == null ? "" : v.toString());
            }
        }
        if ("Object".equals(includeObject)) {
            row.set("object", object);
        } else if (!"None".equals(includeObject)) {
            ObjectNode partial = row.putObject("object");
            partial.put("kind", "PartialObjectMetadata");
            partial.put("apiVersion", "meta.k8s.io/v1");
            partial.set("metadata", object.path("metadata"));
        }
        return row;
    }

    /** Kubernetes' {@code duration.HumanDuration}: 45s, 3m20s, 17m, 5h12m, 30h, 6d3h, 40d, 2y3d. */
    public static String age(String timestamp, Clock clock) {
        if (timestamp == null || timestamp.isEmpty()) {
            return "<unknown>";
        }
        Duration d = Duration.between(Instant.parse(timestamp), Instant.now(clock));
        long seconds = d.getSeconds();
        if (seconds < -1) {
            return "<invalid>";
        }
        if (seconds < 0) {
            return "0s";
        }
        if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        }
        if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        }
        if (hours < 48) {
            return hours + "h";
        }
        if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        }
        if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        }
        if (hours < 24 * 365 * 8) {
            long dy = (hours / 24) % 365;
            return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
        }
        return hours / 24 / 365 + "y";
    }
}
