package io.karavel.apiserver.impl.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.apiserver.impl.strategy.FieldErrors;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One version's {@code openAPIV3Schema} (as JSON) applied to custom resources: pruning of unknown
 * fields, defaults, and validation with Kubernetes' messages ({@code spec.replicas in body should
 * be less than or equal to 10}). Also checks that a CRD's schema is structural and uses only
 * keywords this server enforces or knowingly ignores.
 *
 * <p>Enforced: {@code type}, {@code properties}, {@code items}, {@code additionalProperties},
 * {@code required}, {@code enum}, {@code minimum}/{@code maximum} (and their exclusive flags),
 * {@code multipleOf}, {@code minLength}/{@code maxLength}, {@code pattern},
 * {@code minItems}/{@code maxItems}, {@code minProperties}/{@code maxProperties},
 * {@code nullable}, {@code default}, {@code x-kubernetes-preserve-unknown-fields},
 * {@code x-kubernetes-int-or-string}. Accepted and not enforced: {@code format},
 * {@code anyOf}/{@code allOf}/{@code oneOf}/{@code not} and {@code x-kubernetes-validations}
 * (CEL), list/map type hints, documentation keywords. Rejected as Kubernetes does:
 * {@code $ref}, {@code $schema}, {@code id}, {@code definitions}, {@code dependencies},
 * {@code patternProperties}, {@code additionalItems}, {@code uniqueItems: true}.
 */
final class StructuralSchema {
    private static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");

    private static final Set<String> ENFORCED = Set.of(
            "type", "properties", "items", "additionalProperties", "required", "enum", "minimum", "maximum",
            "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "minItems",
            "maxItems", "minProperties", "maxProperties", "nullable", "default", "x-kubernetes-preserve-unknown-fields",
            "x-kubernetes-int-or-string");
    private static final Set<String> IGNORED = Set.of(
            "description", "title", "example", "externalDocs", "format", "anyOf", "allOf", "oneOf", "not",
            "x-kubernetes-validations", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
            "x-kubernetes-embedded-resource", "uniqueItems");
    private static final Set<String> TYPES = Set.of("object", "array", "string", "integer", "number", "boolean");

    private final JsonNode root;

    StructuralSchema(JsonNode root) {
        this.root = root;
    }

    // ------------------------------------------------------------------ schema checks (CRD validation)

    /** Checks that a CRD version's schema is structural and uses only known keywords. */
    static void checkSchema(JsonNode schema, String path, FieldErrors errors) {
        if (!"object".equals(schema.path("type").asText(null))) {
            errors.invalid(path + ".type", schema.path("type").asText(""), "must be object at the root");
        }
        checkNode(schema, path, true, errors);
    }

    private static void checkNode(JsonNode schema, String path, boolean root, FieldErrors errors) {
        if (!schema.isObject()) {
            errors.invalid(path, schema.toString(), "must be a schema object");
            return;
        }
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String keyword = it.next();
            if (keyword.equals("uniqueItems") && schema.get(keyword).asBoolean(false)) {
                errors.forbidden(path + ".uniqueItems",
                        "uniqueItems cannot be set to true since the runtime complexity becomes quadratic");
            } else if (!ENFORCED.contains(keyword) && !IGNORED.contains(keyword)) {
                errors.forbidden(path + "." + keyword, keyword + " is not supported");
            }
        }
        boolean intOrString = schema.path("x-kubernetes-int-or-string").asBoolean(false);
        boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        String type = schema.path("type").asText("");
        if (type.isEmpty() && !intOrString && !preserve) {
            errors.required(path + ".type", "must not be empty for specified object fields");
        } else if (!type.isEmpty() && !TYPES.contains(type)) {
            errors.notSupported(path + ".type", type, List.of("array", "boolean", "integer", "number", "object", "string"));
        }
        if (schema.has("pattern")) {
            try {
                Pattern.compile(schema.get("pattern").asText());
            } catch (PatternSyntaxException e) {
                errors.invalid(path + ".pattern", schema.get("pattern").asText(), "must be a valid regular expression");
            }
        }
        JsonNode properties = schema.get("properties");
        if (properties != null) {
            if (!type.equals("object") && !type.isEmpty()) {
                errors.forbidden(path + ".properties", "must be empty for type " + type);
            }
            for (Map.Entry<String, JsonNode> e : iterable(properties)) {
                if (root && e.getKey().equals("metadata")) {
                    continue; // ObjectMeta is typed: its schema (name, generateName) is not walked
                }
                checkNode(e.getValue(), path + ".properties[" + e.getKey() + "]", false, errors);
            }
        }
        JsonNode items = schema.get("items");
        if (type.equals("array")) {
            if (items == null || !items.isObject()) {
                errors.required(path + ".items", "must be specified");
            } else {
                checkNode(items, path + ".items", false, errors);
            }
        }
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && additional.isObject()) {
            if (properties != null) {
                errors.forbidden(path + ".additionalProperties", "additionalProperties and properties are mutual exclusive");
            }
            checkNode(additional, path + ".additionalProperties", false, errors);
        }
    }

    // ------------------------------------------------------------------ pruning and defaults

    /** Removes unknown fields (and nulls of non-nullable fields), fills defaults; returns the pruned paths. */
    List<String> prune(ObjectNode object) {
        List<String> unknown = new ArrayList<>();
        prune(object, root, "", true, unknown);
        return unknown;
    }

    private static void prune(JsonNode value, JsonNode schema, String path, boolean isRoot, List<String> unknown) {
        if (schema == null || value == null) {
            return;
        }
        if (value instanceof ObjectNode object) {
            JsonNode properties = schema.get("properties");
            JsonNode additional = schema.get("additionalProperties");
            boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                if (isRoot && ROOT_FIELDS.contains(name)) {
                    continue;
                }
                JsonNode child = properties == null ? null : properties.get(name);
                if (child == null && additional != null && additional.isObject()) {
                    child = additional;
                }
                if (child != null) {
                    if (e.getValue().isNull() && !child.path("nullable").asBoolean(false)) {
                        it.remove();
                        continue;
                    }
                    prune(e.getValue(), child, join(path, name), false, unknown);
                } else if (!preserve && !(additional != null && additional.asBoolean(false))) {
                    unknown.add(join(path, name));
                    it.remove();
                }
            }
            if (properties != null) {
                for (Map.Entry<String, JsonNode> p : iterable(properties)) {
                    JsonNode def = p.getValue().get("default");
                    if (def != null && !object.has(p.getKey()) && !(isRoot && ROOT_FIELDS.contains(p.getKey()))) {
                        object.set(p.getKey(), def.deepCopy());
                        prune(object.get(p.getKey()), p.getValue(), join(path, p.getKey()), false, unknown);
                    }
                }
            }
        } else if (value instanceof ArrayNode array) {
            JsonNode items = schema.get("items");
            for (int i = 0; i < array.size(); i++) {
                prune(array.get(i), items, path + "[" + i + "]", false, unknown);
            }
        }
    }

    // ------------------------------------------------------------------ validation

    /** Validates a custom resource (apiVersion, kind and metadata aside). */
    void validate(JsonNode object, FieldErrors errors) {
        validateObjectFields(object, root, "", true, errors);
    }

    private static void validate(JsonNode value, JsonNode schema, String path, FieldErrors errors) {
        if (value == null || value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) {
                errors.invalidRendered(path, "\"null\"", path + " in body must be of type " + typeName(schema) + ": \"null\"");
            }
            return;
        }
        String type = schema.path("type").asText("");
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!isInteger(value) && !value.isTextual()) {
                errors.invalidRendered(path, render(value),
                        path + " in body must be of type integer-or-string: \"" + jsonType(value) + "\"");
                return;
            }
        } else if (!type.isEmpty() && !hasType(value, type)) {
            errors.invalidRendered(path, render(value),
                    path + " in body must be of type " + type + ": \"" + jsonType(value) + "\"");
            return;
        }
        JsonNode enumValues = schema.get("enum");
        if (enumValues != null && enumValues.isArray()) {
            boolean found = false;
            List<String> allowed = new ArrayList<>();
            for (JsonNode v : enumValues) {
                allowed.add(v.isTextual() ? v.asText() : v.toString());
                found |= sameValue(v, value);
            }
            if (!found) {
                errors.notSupported(path, value.isTextual() ? value.asText() : (Object) render(value), allowed);
            }
        }
        if (value.isNumber()) {
            validateNumber(value, schema, path, errors);
        } else if (value.isTextual()) {
            String s = value.asText();
            int length = s.codePointCount(0, s.length());
            if (schema.has("maxLength") && length > schema.get("maxLength").asLong()) {
                errors.tooLong(path, schema.get("maxLength").asLong());
            }
            if (schema.has("minLength") && length < schema.get("minLength").asLong()) {
                errors.invalid(path, s, path + " in body should be at least " + schema.get("minLength").asLong() + " chars long");
            }
            if (schema.has("pattern")) {
                String pattern = schema.get("pattern").asText();
                if (!Pattern.compile(pattern).matcher(s).find()) {
                    errors.invalid(path, s, path + " in body should match '" + pattern + "'");
                }
            }
        } else if (value.isArray()) {
            int size = value.size();
            if (schema.has("maxItems") && size > schema.get("maxItems").asLong()) {
                errors.tooMany(path, size, schema.get("maxItems").asLong());
            }
            if (schema.has("minItems") && size < schema.get("minItems").asLong()) {
                errors.invalidRendered(path, Integer.toString(size),
                        path + " in body should have at least " + schema.get("minItems").asLong() + " items");
            }
            JsonNode items = schema.get("items");
            if (items != null && items.isObject()) {
                for (int i = 0; i < size; i++) {
                    validate(value.get(i), items, path + "[" + i + "]", errors);
                }
            }
        } else if (value.isObject()) {
            validateObjectFields(value, schema, path, false, errors);
        }
    }

    private static void validateObjectFields(JsonNode value, JsonNode schema, String path, boolean isRoot, FieldErrors errors) {
        int size = 0;
        for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!(isRoot && ROOT_FIELDS.contains(field))) {
                size++;
            }
        }
        if (schema.has("maxProperties") && size > schema.get("maxProperties").asLong()) {
            errors.tooMany(path, size, schema.get("maxProperties").asLong());
        }
        if (schema.has("minProperties") && size < schema.get("minProperties").asLong()) {
            errors.invalidRendered(path, Integer.toString(size),
                    path + " in body should have at least " + schema.get("minProperties").asLong() + " properties");
        }
        for (JsonNode required : schema.path("required")) {
            String name = required.asText();
            if (!value.has(name) && !(isRoot && name.equals("metadata"))) {
                errors.required(join(path, name));
            }
        }
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (isRoot && ROOT_FIELDS.contains(e.getKey())) {
                continue;
            }
            JsonNode child = properties == null ? null : properties.get(e.getKey());
            if (child == null && additional != null && additional.isObject()) {
                child = additional;
            }
            if (child != null) {
                validate(e.getValue(), child, join(path, e.getKey()), errors);
            }
        }
    }

    private static void validateNumber(JsonNode value, JsonNode schema, String path, FieldErrors errors) {
        double v = value.asDouble();
        if (schema.has("maximum")) {
            double max = schema.get("maximum").asDouble();
            boolean exclusive = schema.path("exclusiveMaximum").asBoolean(false);
            if (exclusive ? v >= max : v > max) {
                errors.invalidRendered(path, render(value), path + " in body should be less than "
                        + (exclusive ? "" : "or equal to ") + number(max));
            }
        }
        if (schema.has("minimum")) {
            double min = schema.get("minimum").asDouble();
            boolean exclusive = schema.path("exclusiveMinimum").asBoolean(false);
            if (exclusive ? v <= min : v < min) {
                errors.invalidRendered(path, render(value), path + " in body should be greater than "
                        + (exclusive ? "" : "or equal to ") + number(min));
            }
        }
        if (schema.has("multipleOf")) {
            double factor = schema.get("multipleOf").asDouble();
            if (factor > 0 && Math.abs(v / factor - Math.rint(v / factor)) > 1e-9) {
                errors.invalidRendered(path, render(value), path + " in body should be a multiple of " + number(factor));
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> isInteger(value);
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
    }

    /** Integers as JSON numbers without a fraction (Go decodes 2.0 as an integer too). */
    private static boolean isInteger(JsonNode value) {
        return value.isIntegralNumber() || (value.isNumber() && value.asDouble() == Math.rint(value.asDouble()));
    }

    private static String jsonType(JsonNode value) {
        if (value.isObject()) {
            return "object";
        }
        if (value.isArray()) {
            return "array";
        }
        if (value.isTextual()) {
            return "string";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        if (value.isNull()) {
            return "null";
        }
        return isInteger(value) ? "integer" : "number";
    }

    private static String typeName(JsonNode schema) {
        return schema.path("type").asText("object");
    }

    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.asDouble() == b.asDouble();
        }
        return a.equals(b);
    }

    /** A value as Go's {@code %v}/JSON would show it in a message: strings quoted, 10.0 as 10. */
    private static String render(JsonNode value) {
        if (value.isTextual()) {
            return "\"" + value.asText() + "\"";
        }
        if (value.isNumber()) {
            return number(value.asDouble()).equals(value.asText()) || value.isIntegralNumber()
                    ? value.asText() : number(value.asDouble());
        }
        return value.toString();
    }

    private static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
        return node::fields;
    }
}
