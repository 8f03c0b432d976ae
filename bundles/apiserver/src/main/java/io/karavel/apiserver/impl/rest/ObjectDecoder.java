package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.apiserver.impl.protobuf.ProtobufException;
import io.karavel.apiserver.impl.protobuf.ProtobufObjects;
import io.karavel.apiserver.impl.registry.ResourceType;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns request bodies into fabric8 model objects, with Kubernetes' strictness: the body's
 * {@code apiVersion}/{@code kind} must match the URL, and fields the model does not know are
 * rejected, reported or dropped according to {@link FieldValidation}.
 *
 * <p>fabric8 model classes keep unknown JSON fields in an {@code additionalProperties} map
 * instead of failing; this class walks the decoded object tree to find them, with their JSON
 * path, and empties those maps so unknown fields are never stored.
 */
public final class ObjectDecoder {

    /** A decoded object and the warnings to send back ({@link FieldValidation#WARN}). */
    public record Decoded(HasMetadata object, List<String> warnings) {}

    private record Property(String name, AnnotatedMember accessor) {}

    private record BeanShape(List<Property> properties, Method additionalProperties) {}

    private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

    private final Map<Class<?>, BeanShape> shapes = new ConcurrentHashMap<>();

    private static final ProtobufObjects PROTOBUF = ProtobufObjects.builtin();

    /**
     * Parses a JSON request body into an object node; a Kubernetes protobuf body
     * ({@code application/vnd.kubernetes.protobuf}, sent by kubectl's imperative commands) becomes
     * the JSON object a JSON client would have sent, so the rest of the pipeline is shared.
     *
     * @throws ApiException 415 for other non-JSON bodies and protobuf kinds without a schema, 400
     *     for malformed JSON or protobuf
     */
    public static ObjectNode parseJsonBody(byte[] body, String contentType) {
        if (ProtobufObjects.isProtobuf(contentType)) {
            try {
                return PROTOBUF.decode(body);
            } catch (ProtobufException e) {
                throw e.unsupported()
                        ? new ApiException(415, "UnsupportedMediaType", e.getMessage())
                        : ApiException.badRequest("the body of the request is not valid protobuf: " + e.getMessage());
            }
        }
        checkJsonMediaType(contentType);
        if (body.length == 0) {
            throw ApiException.badRequest("the request body is empty");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("the body of the request is not valid JSON: " + shortMessage(e));
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("the body of the request must be a JSON object");
        }
        return object;
    }

    /** Accepts {@code application/json} (with parameters) or no content type; 415 otherwise. */
    public static void checkJsonMediaType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return;
        }
        String mediaType = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json") && !mediaType.equals("*/*")) {
            throw ApiException.unsupportedMediaType(contentType);
        }
    }

    /**
     * Decodes an object of {@code type}.
     *
     * @throws ApiException 400 for a mismatched apiVersion/kind, a type error or (strict) an
     *     unknown field
     */
    public Decoded decode(ObjectNode node, ResourceType type, FieldValidation validation) {
        String apiVersion = Json.text(node, "apiVersion");
        String kind = Json.text(node, "kind");
        if (apiVersion != null && !apiVersion.equals(type.apiVersion()) && !type.strategy().acceptsApiVersion(apiVersion)) {
            throw ApiException.badRequest(
                    "the API version in the data (" + apiVersion + ") does not match the expected API version ("
                            + type.apiVersion() + ")");
        }
        if (kind != null && !kind.equals(type.kind())) {
            throw ApiException.badRequest(
                    kind + " in version \"" + type.version() + "\" cannot be handled as a " + type.kind()
                            + ": the kind in the data does not match the URL");
        }
        node.put("apiVersion", type.apiVersion());
        node.put("kind", type.kind());
        List<String> unknown = new ArrayList<>(type.strategy().pruneUnknownFields(node));
        HasMetadata object;
        try {
            object = Json.MAPPER.treeToValue(node, type.modelClass());
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw ApiException.badRequest(cannotHandle(type) + shortMessage(e));
        }
        collectUnknown(object, null, unknown);
        if (unknown.isEmpty()) {
            return new Decoded(object, List.of());
        }
        List<String> messages = unknown.stream().map(f -> "unknown field \"" + f + "\"").toList();
        return switch (validation) {
            case STRICT -> throw ApiException.badRequest(
                    cannotHandle(type) + "strict decoding error: " + String.join(", ", messages));
            case WARN -> new Decoded(object, messages);
            case IGNORE -> new Decoded(object, List.of());
        };
    }

    private static String cannotHandle(ResourceType type) {
        return type.kind() + " in version \"" + type.version() + "\" cannot be handled as a " + type.kind() + ": ";
    }

    /**
     * Where a value sits in the object, spelled only when an unknown field is found: walking
     * every field of every write made string paths a visible share of a write's cost.
     */
    private record FieldPath(FieldPath parent, String field, int index) {
        FieldPath child(String name) {
            return new FieldPath(this, name, -1);
        }

        FieldPath element(int i) {
            return new FieldPath(this, null, i);
        }

        @Override
        public String toString() {
            String prefix = parent == null ? "" : parent.toString();
            if (field == null) {
                return prefix + "[" + index + "]";
            }
            return prefix.isEmpty() ? field : prefix + "." + field;
        }
    }

    private static FieldPath child(FieldPath path, String name) {
        return path == null ? new FieldPath(null, name, -1) : path.child(name);
    }

    /** Walks model objects, lists and maps; records and clears each {@code additionalProperties} entry. */
    private void collectUnknown(Object value, FieldPath path, List<String> out) {
        if (value == null) {
            return;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                collectUnknown(list.get(i), path == null ? new FieldPath(null, null, i) : path.element(i), out);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                collectUnknown(e.getValue(), child(path, String.valueOf(e.getKey())), out);
            }
            return;
        }
        Class<?> c = value.getClass();
        if (!c.getName().startsWith(MODEL_PACKAGE) || isOpaque(c)) {
            return;
        }
        BeanShape shape = shapes.computeIfAbsent(c, ObjectDecoder::introspect);
        if (shape.additionalProperties() != null) {
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> extra = (Map<String, Object>) shape.additionalProperties().invoke(value);
                if (extra != null && !extra.isEmpty()) {
                    for (String field : extra.keySet()) {
                        out.add(child(path, field).toString());
                    }
                    extra.clear();
                }
            } catch (ReflectiveOperationException | UnsupportedOperationException e) {
                // an immutable or inaccessible map: nothing unknown can be stored through it
            }
        }
        for (Property p : shape.properties()) {
            collectUnknown(p.accessor().getValue(value), child(path, p.name()), out);
        }
    }

    /** Types whose content is free-form or custom-serialized: nothing in them is "unknown". */
    private static boolean isOpaque(Class<?> c) {
        String name = c.getSimpleName();
        return name.equals("AnyType")
                || name.equals("GenericKubernetesResource")
                || name.equals("RawExtension")
                || name.equals("IntOrString")
                || name.equals("Quantity")
                || name.equals("MicroTime")
                || name.equals("FieldsV1")
                || name.startsWith("JSONSchemaProps");
    }

    private static BeanShape introspect(Class<?> c) {
        List<Property> properties = new ArrayList<>();
        for (BeanPropertyDefinition def :
                Json.MAPPER.getSerializationConfig().introspect(Json.MAPPER.constructType(c)).findProperties()) {
            AnnotatedMember getter = def.getGetter();
            if (getter == null) {
                continue;
            }
            boolean stringMap = Map.class.isAssignableFrom(getter.getRawType()) && !isModelMap(def);
            if (!stringMap) {
                properties.add(new Property(def.getName(), getter));
            }
        }
        Method additional = null;
        try {
            additional = c.getMethod("getAdditionalProperties");
        } catch (NoSuchMethodException e) {
            // not every model class has one
        }
        return new BeanShape(List.copyOf(properties), additional);
    }

    /** Maps of model objects (rare) are walked; maps of strings (labels, data) are skipped cheaply. */
    private static boolean isModelMap(BeanPropertyDefinition def) {
        AnnotatedMember getter = def.getGetter();
        if (getter == null || !Map.class.isAssignableFrom(getter.getRawType())) {
            return false;
        }
        var valueType = getter.getType().getContentType();
        return valueType != null && valueType.getRawClass().getName().startsWith(MODEL_PACKAGE);
    }

    private static String shortMessage(Exception e) {
        if (e instanceof JsonMappingException jme) {
            String at = jme.getPathReference();
            String msg = jme.getOriginalMessage();
            int nl = msg == null ? -1 : msg.indexOf('\n');
            if (nl > 0) {
                msg = msg.substring(0, nl);
            }
            return msg + (at == null ? "" : " (at " + at.replace("io.fabric8.kubernetes.api.model.", "") + ")");
        }
        if (e instanceof JsonProcessingException jpe) {
            return jpe.getOriginalMessage();
        }
        return e.getMessage();
    }
}
