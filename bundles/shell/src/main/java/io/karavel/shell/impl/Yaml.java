package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a JSON tree as block YAML the way kubectl's {@code -o yaml} looks (sequences at the
 * indentation of their key, two spaces per level). Written here rather than pulled in as a YAML
 * library: the shell runs on every profile, and a node has no YAML library.
 */
final class Yaml {

    /** Plain scalars YAML would read as something other than a string. */
    private static final Pattern NOT_A_STRING = Pattern.compile(
            "(?i)~|null|true|false|yes|no|on|off|y|n|[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?"
                    + "|[-+]?\\.(inf|nan)|0x[0-9a-f]+|0o[0-7]+");
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./(][^:#\\n]*|[A-Za-z0-9_./][^\\n]*[^:\\s]");

    private Yaml() {}

    static String write(JsonNode node) {
        StringBuilder out = new StringBuilder();
        if (node.isContainerNode() && node.size() > 0) {
            block(node, 0, out);
        } else {
            out.append(scalar(node)).append('\n');
        }
        return out.toString();
    }

    /** Writes a non-empty object or array starting at the beginning of a line. */
    private static void block(JsonNode node, int indent, StringBuilder out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                out.append(" ".repeat(indent));
                entry(field.getKey(), field.getValue(), indent, out);
            }
        } else {
            for (JsonNode item : node) {
                out.append(" ".repeat(indent)).append("- ");
                if (item.isObject() && item.size() > 0) {
                    // the first field on the dash's line, the others aligned with it
                    Iterator<Map.Entry<String, JsonNode>> fields = item.fields();
                    boolean first = true;
                    while (fields.hasNext()) {
                        Map.Entry<String, JsonNode> field = fields.next();
                        if (!first) {
                            out.append(" ".repeat(indent + 2));
                        }
                        entry(field.getKey(), field.getValue(), indent + 2, out);
                        first = false;
                    }
                } else if (item.isArray() && item.size() > 0) {
                    out.append('\n');
                    block(item, indent + 2, out);
                } else {
                    out.append(scalar(item)).append('\n');
                }
            }
        }
    }

    private static void entry(String key, JsonNode value, int indent, StringBuilder out) {
        out.append(string(key)).append(':');
        if (value.isObject() && value.size() > 0) {
            out.append('\n');
            block(value, indent + 2, out);
        } else if (value.isArray() && value.size() > 0) {
            out.append('\n');
            block(value, indent, out);
        } else {
            out.append(' ').append(scalar(value)).append('\n');
        }
    }

    private static String scalar(JsonNode node) {
        if (node.isObject()) {
            return "{}";
        }
        if (node.isArray()) {
            return "[]";
        }
        if (node.isNull() || node.isMissingNode()) {
            return "null";
        }
        if (node.isTextual()) {
            return string(node.asText());
        }
        return node.asText(); // numbers and booleans
    }

    /** A string as a plain scalar when YAML reads it back as the same string, else quoted. */
    static String string(String text) {
        if (!text.isEmpty() && PLAIN.matcher(text).matches() && !NOT_A_STRING.matcher(text).matches()
                && !text.contains(": ") && !text.contains(" #") && text.equals(text.strip())) {
            return text;
        }
        boolean printable = text.chars().allMatch(c -> c >= 0x20 && c != 0x7f);
        if (printable) {
            return "'" + text.replace("'", "''") + "'";
        }
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                case '\r' -> quoted.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        quoted.append(String.format("\\x%02x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
