package io.karavel.apiserver.impl.manifest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.karavel.apiserver.impl.rest.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a manifest into its objects, in order: YAML documents separated by {@code ---}, JSON
 * values (one object, or several one after the other), and any {@code List} (a {@code v1 List}
 * or a typed list such as {@code ConfigMapList}) expanded into its items. Empty documents are
 * skipped, as kubectl skips them. A document that is valid YAML but not an object stays in the
 * result as an {@link Entry} with a problem, so that the other objects still apply.
 */
final class ManifestParser {
    private static final ObjectMapper YAML = new YAMLMapper();

    private ManifestParser() {}

    /**
     * One object of the manifest, or why a document is not one.
     *
     * @param object the object (a YAML tree converted to the JSON tree the REST layer uses), or null
     * @param problem why the document is not an object, or null
     */
    record Entry(ObjectNode object, String problem) {}

    /**
     * @param json whether the sender said the text is JSON: then it is read as JSON values, one
     *     after the other, in documents separated by {@code ---} lines
     * @throws ManifestSyntaxException when the text is not YAML (nor JSON) at all
     */
    static List<Entry> parse(String text, boolean json) {
        if (!json) {
            return read(YAML, "YAML", text, 0);
        }
        List<Entry> entries = new ArrayList<>();
        StringBuilder document = new StringBuilder();
        int firstLine = 0;
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("---")) {
                entries.addAll(read(Json.MAPPER, "JSON", document.toString(), firstLine));
                document.setLength(0);
                firstLine = i + 1;
            } else {
                document.append(lines.get(i)).append('\n');
            }
        }
        entries.addAll(read(Json.MAPPER, "JSON", document.toString(), firstLine));
        return entries;
    }

    /** @param lineOffset lines before {@code text} in the manifest (for error messages) */
    private static List<Entry> read(ObjectMapper mapper, String format, String text, int lineOffset) {
        List<Entry> entries = new ArrayList<>();
        if (text.isBlank()) {
            return entries;
        }
        try (JsonParser parser = mapper.getFactory().createParser(text);
                MappingIterator<JsonNode> documents = mapper.readValues(parser, JsonNode.class)) {
            while (documents.hasNextValue()) {
                add(entries, documents.nextValue());
            }
        } catch (JsonProcessingException e) {
            throw syntaxError(format, e, lineOffset);
        } catch (IOException | RuntimeException e) {
            // MappingIterator wraps parse errors in RuntimeJsonMappingException
            if (e.getCause() instanceof JsonProcessingException p) {
                throw syntaxError(format, p, lineOffset);
            }
            throw new ManifestSyntaxException("error reading the manifest: " + e.getMessage(), -1);
        }
        return entries;
    }

    private static void add(List<Entry> entries, JsonNode document) {
        if (document == null || document.isNull() || document.isMissingNode()) {
            return; // an empty document, e.g. after a trailing ---
        }
        if (!document.isObject()) {
            entries.add(new Entry(null, "a manifest document must be an object, not " + describe(document)));
            return;
        }
        // YAML scalars arrive as text, numbers or booleans as written: the same tree as the JSON form
        ObjectNode object = Json.MAPPER.convertValue(document, ObjectNode.class);
        String kind = Json.text(object, "kind");
        if (kind != null && kind.endsWith("List") && object.get("items") != null && object.get("items").isArray()) {
            for (JsonNode item : object.get("items")) {
                add(entries, item);
            }
            return;
        }
        entries.add(new Entry(object, null));
    }

    private static String describe(JsonNode node) {
        return node.isArray() ? "a list" : "a scalar (" + node.asText() + ")";
    }

    private static ManifestSyntaxException syntaxError(String format, JsonProcessingException e, int lineOffset) {
        JsonLocation where = e.getLocation();
        int line = where == null || where.getLineNr() <= 0 ? -1 : where.getLineNr() + lineOffset;
        String detail = e.getOriginalMessage() == null ? e.getMessage() : e.getOriginalMessage();
        detail = detail.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("^"))
                .reduce((a, b) -> a + " " + b).orElse(detail);
        String message = "error parsing " + format + (line > 0 ? " at line " + line : "") + ": " + detail;
        return new ManifestSyntaxException(message, line);
    }
}
