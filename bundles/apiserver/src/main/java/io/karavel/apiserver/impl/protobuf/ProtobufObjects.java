package io.karavel.apiserver.impl.protobuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.apiserver.impl.protobuf.ProtobufSchema.Field;
import io.karavel.apiserver.impl.protobuf.ProtobufSchema.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;

/**
 * Kubernetes protobuf bodies ({@code application/vnd.kubernetes.protobuf}) to the JSON object a
 * JSON client would have sent for the same Go object.
 *
 * <p>The body is the magic {@code k8s\0} followed by a {@code runtime.Unknown}: {@code typeMeta}
 * (apiVersion, kind), {@code raw} (the object's message), {@code contentEncoding},
 * {@code contentType}. The object's fields become JSON fields of the same name (Kubernetes'
 * proto field names are the JSON names), with the Go JSON encoding's rules: a zero scalar of a
 * non-pointer Go field is left out (Go's {@code omitempty}; the protobuf encoder always writes
 * those), a pointer field keeps its zero, {@code bytes} become base64, map entries an object,
 * {@code IntOrString} an int or a string, {@code Quantity} a string, {@code Time} and
 * {@code MicroTime} RFC 3339 text (a zero time is left out), {@code RawExtension} and
 * {@code FieldsV1} the JSON they carry, and Go's embedded structs ({@code Volume.volumeSource},
 * {@code Probe.handler}) are flattened into their parent. A field number unknown to the schema
 * (a field newer than it) becomes {@code "protobuf:<number>"}, which the object decoder then
 * reports as an unknown field (400 with {@code fieldValidation=Strict}, as kubectl sends; a
 * warning otherwise) rather than dropping it silently.
 */
public final class ProtobufObjects {

    /** The 4 bytes before every Kubernetes protobuf body. */
    private static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};

    /** JSON name given to a field number the schema does not know: {@code protobuf:40}. */
    public static final String UNKNOWN_FIELD_PREFIX = "protobuf:";

    private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
    private static final String INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString";
    private static final String QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity";
    private static final String RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension";
    private static final DateTimeFormatter MICRO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper RAW_JSON = new ObjectMapper();

    private final ProtobufSchema schema;

    public ProtobufObjects(ProtobufSchema schema) {
        this.schema = schema;
    }

    /** With the schema shipped in this bundle. */
    public static ProtobufObjects builtin() {
        return new ProtobufObjects(ProtobufSchema.builtin());
    }

    /** True for {@code application/vnd.kubernetes.protobuf} (with or without parameters). */
    public static boolean isProtobuf(String contentType) {
        return contentType != null
                && contentType.split(";")[0].trim().toLowerCase(Locale.ROOT).equals("application/vnd.kubernetes.protobuf");
    }

    /**
     * Decodes a whole body: envelope and object.
     *
     * @return the object, with {@code apiVersion} and {@code kind} from the envelope first
     * @throws ProtobufException malformed (no magic, bad wire data) or unsupported (an encoding,
     *     or a kind without a schema)
     */
    public ObjectNode decode(byte[] body) {
        if (body.length < MAGIC.length || body[0] != MAGIC[0] || body[1] != MAGIC[1]
                || body[2] != MAGIC[2] || body[3] != MAGIC[3]) {
            throw ProtobufException.malformed("the body does not start with the Kubernetes protobuf magic k8s\\0");
        }
        String apiVersion = "";
        String kind = "";
        byte[] raw = new byte[0];
        String contentEncoding = "";
        Wire unknown = new Wire(body, MAGIC.length, body.length);
        while (unknown.more()) {
            int tag = unknown.tag();
            switch (tag >>> 3) {
                case 1 -> {
                    Wire typeMeta = unknown.nested(tag);
                    while (typeMeta.more()) {
                        int t = typeMeta.tag();
                        switch (t >>> 3) {
                            case 1 -> apiVersion = typeMeta.string(t);
                            case 2 -> kind = typeMeta.string(t);
                            default -> typeMeta.skip(t);
                        }
                    }
                }
                case 2 -> raw = unknown.bytes(tag);
                case 3 -> contentEncoding = unknown.string(tag);
                default -> unknown.skip(tag);
            }
        }
        if (!contentEncoding.isEmpty()) {
            throw ProtobufException.unsupported("protobuf bodies with contentEncoding \"" + contentEncoding
                    + "\" are not supported");
        }
        if (kind.isEmpty()) {
            throw ProtobufException.malformed("the protobuf envelope names no kind");
        }
        String messageName = messageName(apiVersion, kind);
        Message message = messageName == null ? null : schema.message(messageName);
        if (message == null) {
            throw ProtobufException.unsupported("no protobuf schema for kind \"" + kind + "\" in version \""
                    + apiVersion + "\": send it as application/json");
        }
        ObjectNode object = NODES.objectNode();
        object.put("apiVersion", apiVersion);
        object.put("kind", kind);
        JsonNode content = convert(message, new Wire(raw, 0, raw.length), kind);
        if (content instanceof ObjectNode fields) {
            fields.remove("apiVersion");
            fields.remove("kind");
            object.setAll(fields);
        }
        return object;
    }

    /** The message of a built-in kind: {@code apps/v1 Deployment} is {@code k8s.io.api.apps.v1.Deployment}. */
    static String messageName(String apiVersion, String kind) {
        if (kind.equals("DeleteOptions")) {
            return META + kind;
        }
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = apiVersion.substring(slash + 1);
        if (version.isEmpty()) {
            return null;
        }
        String pkg;
        if (group.isEmpty()) {
            pkg = "core";
        } else if (group.indexOf('.') < 0) {
            pkg = group;
        } else if (group.endsWith(".k8s.io")) {
            pkg = group.substring(0, group.length() - ".k8s.io".length());
        } else {
            return null;
        }
        return "k8s.io.api." + pkg + "." + version + "." + kind;
    }

    private JsonNode convert(Message message, Wire in, String path) {
        switch (message.name()) {
            case INT_OR_STRING -> {
                return intOrString(in, path);
            }
            case QUANTITY -> {
                return NODES.textNode(singleString(in, path));
            }
            case META + "Time", META + "MicroTime" -> {
                return time(in, message.name().endsWith("MicroTime"), path);
            }
            case RAW_EXTENSION, META + "FieldsV1" -> {
                return rawJson(in, path);
            }
            default -> {
                return object(message, in, path);
            }
        }
    }

    private ObjectNode object(Message message, Wire in, String path) {
        ObjectNode out = NODES.objectNode();
        while (in.more()) {
            int tag = in.tag();
            Field field = message.fields().get(tag >>> 3);
            if (field == null) {
                // newer than the schema: kept under a name no model knows, so the decoder's
                // unknown-field handling (fieldValidation) reports it instead of losing it silently
                out.put(UNKNOWN_FIELD_PREFIX + (tag >>> 3), "wire type " + (tag & 7));
                in.skip(tag);
                continue;
            }
            String at = path + "." + field.name();
            if (field.type() == ProtobufSchema.Type.MESSAGE) {
                Message type = messageOf(field);
                Wire nested = in.nested(tag);
                if (type.mapEntry()) {
                    ObjectNode map = out.has(field.name()) ? (ObjectNode) out.get(field.name()) : out.putObject(field.name());
                    mapEntry(type, nested, map, at);
                    continue;
                }
                JsonNode value = convert(type, nested, at);
                if (field.repeated()) {
                    arrayOf(out, field).add(value == null ? NODES.nullNode() : value);
                } else if (field.inline() && value instanceof ObjectNode inlined) {
                    out.setAll(inlined);
                } else if (value != null) {
                    out.set(field.name(), value);
                }
            } else if (field.repeated() && (tag & 7) == 2 && field.type() != ProtobufSchema.Type.STRING
                    && field.type() != ProtobufSchema.Type.BYTES) {
                Wire packed = in.nested(tag);
                ArrayNode array = arrayOf(out, field);
                while (packed.more()) {
                    array.add(scalar(field, packed, wireTypeOf(field.type()), at));
                }
            } else {
                JsonNode value = scalar(field, in, tag & 7, at);
                if (field.repeated()) {
                    arrayOf(out, field).add(value);
                } else if (field.pointer() || !isZero(value)) {
                    out.set(field.name(), value);
                } else {
                    out.remove(field.name());
                }
            }
        }
        return out;
    }

    private void mapEntry(Message entry, Wire in, ObjectNode map, String path) {
        String key = "";
        JsonNode value = null;
        Field valueField = entry.fields().get(2);
        while (in.more()) {
            int tag = in.tag();
            switch (tag >>> 3) {
                case 1 -> key = in.string(tag);
                case 2 -> value = valueField.type() == ProtobufSchema.Type.MESSAGE
                        ? convert(messageOf(valueField), in.nested(tag), path + "[" + key + "]")
                        : scalar(valueField, in, tag & 7, path);
                default -> in.skip(tag);
            }
        }
        if (value == null) {
            value = valueField.type() == ProtobufSchema.Type.MESSAGE
                    ? convert(messageOf(valueField), new Wire(new byte[0], 0, 0), path)
                    : zeroOf(valueField.type());
        }
        map.set(key, value == null ? NODES.nullNode() : value);
    }

    private Message messageOf(Field field) {
        Message type = schema.message(field.messageType());
        if (type == null) {
            throw new IllegalStateException("the protobuf schema lacks " + field.messageType());
        }
        return type;
    }

    private static ArrayNode arrayOf(ObjectNode out, Field field) {
        JsonNode existing = out.get(field.name());
        return existing instanceof ArrayNode array ? array : out.putArray(field.name());
    }

    private static JsonNode scalar(Field field, Wire in, int wireType, String path) {
        if (wireType != wireTypeOf(field.type())) {
            throw ProtobufException.malformed("wire type " + wireType + " does not match the " + field.type()
                    .name().toLowerCase(Locale.ROOT) + " field " + path);
        }
        return switch (field.type()) {
            case STRING -> NODES.textNode(in.string(wireType));
            case BYTES -> NODES.textNode(Base64.getEncoder().encodeToString(in.bytes(wireType)));
            case BOOL -> NODES.booleanNode(in.varint() != 0);
            case INT32 -> NODES.numberNode((int) in.varint());
            case INT64 -> {
                long v = in.varint();
                yield v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
            }
            case UINT32 -> NODES.numberNode(in.varint() & 0xffffffffL);
            case UINT64 -> {
                long v = in.varint();
                yield v >= 0 ? NODES.numberNode(v) : NODES.numberNode(new java.math.BigInteger(Long.toUnsignedString(v)));
            }
            case DOUBLE -> NODES.numberNode(Double.longBitsToDouble(in.fixed64()));
            case FLOAT -> NODES.numberNode(Float.intBitsToFloat(in.fixed32()));
            case MESSAGE -> throw new IllegalStateException("not a scalar: " + path);
        };
    }

    private static int wireTypeOf(ProtobufSchema.Type type) {
        return switch (type) {
            case STRING, BYTES, MESSAGE -> 2;
            case DOUBLE -> 1;
            case FLOAT -> 5;
            default -> 0;
        };
    }

    private static boolean isZero(JsonNode value) {
        return value.isTextual() ? value.asText().isEmpty()
                : value.isBoolean() ? !value.asBoolean()
                : value.isNumber() && value.asDouble() == 0;
    }

    private static JsonNode zeroOf(ProtobufSchema.Type type) {
        return switch (type) {
            case STRING, BYTES -> NODES.textNode("");
            case BOOL -> NODES.booleanNode(false);
            default -> NODES.numberNode(0);
        };
    }

    private static JsonNode intOrString(Wire in, String path) {
        long type = 0;
        int intVal = 0;
        String strVal = "";
        while (in.more()) {
            int tag = in.tag();
            switch (tag >>> 3) {
                case 1 -> type = in.varint();
                case 2 -> intVal = (int) in.varint();
                case 3 -> strVal = in.string(tag);
                default -> in.skip(tag);
            }
        }
        return type == 1 ? NODES.textNode(strVal) : NODES.numberNode(intVal);
    }

    private static String singleString(Wire in, String path) {
        String value = "";
        while (in.more()) {
            int tag = in.tag();
            if (tag >>> 3 == 1) {
                value = in.string(tag);
            } else {
                in.skip(tag);
            }
        }
        return value;
    }

    /** A zero time is an empty message (Go's encoder writes nothing for it): null, so left out. */
    private static JsonNode time(Wire in, boolean micro, String path) {
        if (!in.more()) {
            return null;
        }
        long seconds = 0;
        long nanos = 0;
        while (in.more()) {
            int tag = in.tag();
            switch (tag >>> 3) {
                case 1 -> seconds = in.varint();
                case 2 -> nanos = (int) in.varint();
                default -> in.skip(tag);
            }
        }
        Instant instant = Instant.ofEpochSecond(seconds, micro ? nanos : 0);
        return NODES.textNode(micro ? MICRO_TIME.format(instant) : DateTimeFormatter.ISO_INSTANT.format(instant));
    }

    private static JsonNode rawJson(Wire in, String path) {
        byte[] raw = null;
        while (in.more()) {
            int tag = in.tag();
            if (tag >>> 3 == 1) {
                raw = in.bytes(tag);
            } else {
                in.skip(tag);
            }
        }
        if (raw == null || raw.length == 0) {
            return null;
        }
        try {
            return RAW_JSON.readTree(raw);
        } catch (IOException e) {
            throw ProtobufException.malformed("the raw content at " + path + " is not JSON: "
                    + new String(raw, 0, Math.min(raw.length, 40), StandardCharsets.UTF_8));
        }
    }

    /** A window on protobuf wire data. */
    static final class Wire {
        private final byte[] data;
        private int pos;
        private final int end;

        Wire(byte[] data, int pos, int end) {
            this.data = data;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        int tag() {
            long tag = varint();
            if (tag >>> 3 == 0 || tag > Integer.MAX_VALUE) {
                throw ProtobufException.malformed("invalid field tag " + tag + " at byte " + pos);
            }
            return (int) tag;
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw ProtobufException.malformed("truncated varint at byte " + pos);
                }
                byte b = data[pos++];
                value |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw ProtobufException.malformed("varint longer than 10 bytes at byte " + pos);
        }

        long fixed64() {
            require(8);
            long v = 0;
            for (int i = 7; i >= 0; i--) {
                v = (v << 8) | (data[pos + i] & 0xff);
            }
            pos += 8;
            return v;
        }

        int fixed32() {
            require(4);
            int v = 0;
            for (int i = 3; i >= 0; i--) {
                v = (v << 8) | (data[pos + i] & 0xff);
            }
            pos += 4;
            return v;
        }

        /** The length-delimited content of the field just tagged. */
        Wire nested(int tag) {
            int length = length(tag);
            Wire nested = new Wire(data, pos, pos + length);
            pos += length;
            return nested;
        }

        byte[] bytes(int tag) {
            int length = length(tag);
            byte[] out = java.util.Arrays.copyOfRange(data, pos, pos + length);
            pos += length;
            return out;
        }

        String string(int tag) {
            int length = length(tag);
            String s = new String(data, pos, length, StandardCharsets.UTF_8);
            pos += length;
            return s;
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> fixed64();
                case 2 -> {
                    int length = length(tag);
                    pos += length;
                }
                case 5 -> fixed32();
                default -> throw ProtobufException.malformed("unsupported wire type " + (tag & 7) + " at byte " + pos);
            }
        }

        private int length(int tag) {
            if ((tag & 7) != 2) {
                throw ProtobufException.malformed("expected a length-delimited field, got wire type " + (tag & 7)
                        + " (field " + (tag >>> 3) + ") at byte " + pos);
            }
            long length = varint();
            if (length < 0 || length > end - pos) {
                throw ProtobufException.malformed("a length of " + length + " runs past the end of its message at byte "
                        + pos);
            }
            return (int) length;
        }

        private void require(int n) {
            if (end - pos < n) {
                throw ProtobufException.malformed("truncated fixed-width value at byte " + pos);
            }
        }
    }
}
