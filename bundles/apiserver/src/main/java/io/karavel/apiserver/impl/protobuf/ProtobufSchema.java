package io.karavel.apiserver.impl.protobuf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The protobuf messages of the Kubernetes kinds served, read from {@code kubernetes.protoschema}
 * (a text table generated from Kubernetes' generated.proto descriptors, see the resource's
 * header): per message its fields by number, with the JSON name, the wire type and the Go
 * facts the wire does not carry ({@code pointer}: a zero value is meaningful; {@code inline}:
 * the field's content is flattened into its parent in JSON).
 */
public final class ProtobufSchema {

    /** Scalar and message field types (the protobuf type names). */
    public enum Type { STRING, BYTES, BOOL, INT32, INT64, UINT32, UINT64, DOUBLE, FLOAT, MESSAGE }

    /**
     * A field.
     *
     * @param messageType the full message name when {@code type} is {@link Type#MESSAGE}
     */
    public record Field(int number, String name, Type type, String messageType,
                        boolean repeated, boolean pointer, boolean inline) {}

    /**
     * A message.
     *
     * @param mapEntry a map's entry message (key = field 1, value = field 2)
     */
    public record Message(String name, boolean mapEntry, Map<Integer, Field> fields) {}

    static final String RESOURCE = "kubernetes.protoschema";

    private static final ProtobufSchema BUILTIN = load();

    private final Map<String, Message> messages;

    ProtobufSchema(Map<String, Message> messages) {
        this.messages = Map.copyOf(messages);
    }

    /** The schema shipped in this bundle. */
    public static ProtobufSchema builtin() {
        return BUILTIN;
    }

    /** The message of that full name, or null. */
    public Message message(String fullName) {
        return messages.get(fullName);
    }

    private static ProtobufSchema load() {
        try (InputStream in = ProtobufSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses the text form (see the resource's header). */
    static ProtobufSchema parse(List<String> lines) {
        Map<String, Message> messages = new HashMap<>();
        String name = null;
        boolean mapEntry = false;
        Map<Integer, Field> fields = null;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] w = line.split(" ");
            if (w[0].equals("message") || w[0].equals("map")) {
                if (name != null) {
                    messages.put(name, new Message(name, mapEntry, Map.copyOf(fields)));
                }
                name = w[1];
                mapEntry = w[0].equals("map");
                fields = new HashMap<>();
                continue;
            }
            if (fields == null) {
                throw new IllegalStateException("field outside a message: " + line);
            }
            int number = Integer.parseInt(w[0]);
            Type type = Type.valueOf(w[2].toUpperCase(java.util.Locale.ROOT));
            int next = 3;
            String messageType = null;
            if (type == Type.MESSAGE) {
                messageType = w[next++];
            }
            boolean repeated = false;
            boolean pointer = false;
            boolean inline = false;
            for (int i = next; i < w.length; i++) {
                switch (w[i]) {
                    case "repeated" -> repeated = true;
                    case "pointer" -> pointer = true;
                    case "inline" -> inline = true;
                    default -> throw new IllegalStateException("unknown flag in: " + line);
                }
            }
            fields.put(number, new Field(number, w[1], type, messageType, repeated, pointer, inline));
        }
        if (name != null) {
            messages.put(name, new Message(name, mapEntry, Map.copyOf(fields)));
        }
        return new ProtobufSchema(messages);
    }
}
