package io.karavel.apiserver.impl.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.apiserver.impl.patch.PatchMeta;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Computes the patch of kubectl's client-side apply (apimachinery's
 * {@code CreateThreeWayMergePatch}): from the last applied configuration ({@code original}), the
 * new configuration ({@code modified}) and the live object ({@code current}), the strategic merge
 * patch that
 *
 * <ul>
 *   <li>sets what the new configuration sets and the live object lacks or has differently;
 *   <li>removes what the previous configuration set and the new one no longer does ({@code null},
 *       or {@code $patch: delete} for an item of a keyed list, or
 *       {@code $deleteFromPrimitiveList/<list>} for a set of scalars);
 *   <li>leaves alone what only the live object has (server defaults, fields other writers own).
 * </ul>
 *
 * This class only <em>computes</em> patches; applying one is {@link
 * io.karavel.apiserver.impl.patch.StrategicMergePatch}'s job, on the server's write path. With a
 * {@link #ATOMIC_LISTS} meta the result is a plain JSON merge patch (custom resources).
 */
final class ThreeWayPatch {
    private static final String SET_ELEMENT_ORDER = "$setElementOrder/";
    private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

    /** Every list replaces as a whole: JSON merge patch semantics. */
    static final PatchMeta ATOMIC_LISTS = path -> PatchMeta.ATOMIC;

    private final PatchMeta meta;

    ThreeWayPatch(PatchMeta meta) {
        this.meta = meta;
    }

    /**
     * @param original the last applied configuration, or null (then nothing is deleted)
     * @return the patch; empty when the live object already matches the new configuration
     */
    ObjectNode diff(ObjectNode original, ObjectNode modified, ObjectNode current) {
        return diffMaps(original, modified, current, "");
    }

    private ObjectNode diffMaps(ObjectNode original, ObjectNode modified, ObjectNode current, String path) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = modified.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            JsonNode m = e.getValue();
            JsonNode c = current == null ? null : current.get(field);
            JsonNode o = original == null ? null : original.get(field);
            String childPath = path.isEmpty() ? field : path + "." + field;
            if (m.isNull()) {
                // an explicit null in the configuration: the field must not be there
                if (c != null && !c.isNull()) {
                    patch.putNull(field);
                }
            } else if (c == null || c.isNull()) {
                patch.set(field, m.deepCopy());
            } else if (m.isObject() && c.isObject()) {
                ObjectNode sub = diffMaps(o instanceof ObjectNode oo ? oo : null, (ObjectNode) m, (ObjectNode) c, childPath);
                if (!sub.isEmpty()) {
                    patch.set(field, sub);
                }
            } else if (m.isArray() && c.isArray()) {
                diffLists(patch, field, o instanceof ArrayNode oa ? oa : null, (ArrayNode) m, (ArrayNode) c, childPath);
            } else if (!sameValue(m, c)) {
                patch.set(field, m.deepCopy());
            }
        }
        if (original != null && current != null) {
            // fields the previous configuration set and the new one dropped (only if still there)
            for (Iterator<String> it = original.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!modified.has(field) && current.has(field) && !current.get(field).isNull()) {
                    patch.putNull(field);
                }
            }
        }
        return patch;
    }

    private void diffLists(ObjectNode patch, String field, ArrayNode original, ArrayNode modified, ArrayNode current, String path) {
        PatchMeta.ListStrategy strategy = meta.listStrategy(path);
        if (strategy instanceof PatchMeta.MergeByKey byKey && allHaveKey(modified, byKey.key())) {
            diffKeyedList(patch, field, original, modified, current, byKey.key(), path);
        } else if (strategy instanceof PatchMeta.MergePrimitives) {
            diffPrimitiveList(patch, field, original, modified, current);
        } else if (!atomicListUpToDate(original, modified, current)) {
            patch.set(field, modified.deepCopy());
        }
    }

    /**
     * An atomic list needs no write when the live list has the configured items (the server may
     * have defaulted fields inside them) and the configuration did not change since the last
     * apply (else a field dropped from an item must go, which only a replacement does).
     */
    private static boolean atomicListUpToDate(ArrayNode original, ArrayNode modified, ArrayNode current) {
        if (modified.size() != current.size()) {
            return false;
        }
        for (int i = 0; i < modified.size(); i++) {
            if (!contained(modified.get(i), current.get(i))) {
                return false;
            }
        }
        return original == null || sameTree(original, modified);
    }

    private void diffKeyedList(
            ObjectNode patch, String field, ArrayNode original, ArrayNode modified, ArrayNode current, String key, String path) {
        ArrayNode items = JsonNodeFactory.instance.arrayNode();
        ArrayNode order = JsonNodeFactory.instance.arrayNode();
        Set<String> modifiedKeys = new HashSet<>();
        for (JsonNode m : modified) {
            JsonNode keyValue = m.get(key);
            modifiedKeys.add(keyValue.asText());
            order.addObject().set(key, keyValue.deepCopy());
            JsonNode c = find(current, key, keyValue);
            JsonNode o = find(original, key, keyValue);
            if (c == null || !c.isObject()) {
                items.add(m.deepCopy());
                continue;
            }
            ObjectNode sub = diffMaps(o instanceof ObjectNode oo ? oo : null, (ObjectNode) m, (ObjectNode) c, path);
            if (!sub.isEmpty()) {
                ObjectNode item = JsonNodeFactory.instance.objectNode();
                item.set(key, keyValue.deepCopy());
                item.setAll(sub);
                items.add(item);
            }
        }
        if (original != null) {
            for (JsonNode o : original) {
                JsonNode keyValue = o.get(key);
                if (keyValue != null && !modifiedKeys.contains(keyValue.asText()) && find(current, key, keyValue) != null) {
                    ObjectNode delete = items.addObject();
                    delete.set(key, keyValue.deepCopy());
                    delete.put("$patch", "delete");
                }
            }
        }
        if (!items.isEmpty()) {
            patch.set(field, items);
            // as kubectl: the merged list keeps the configuration's order
            patch.set(SET_ELEMENT_ORDER + field, order);
        }
    }

    private static void diffPrimitiveList(ObjectNode patch, String field, ArrayNode original, ArrayNode modified, ArrayNode current) {
        ArrayNode added = JsonNodeFactory.instance.arrayNode();
        for (JsonNode m : modified) {
            if (!containsValue(current, m)) {
                added.add(m.deepCopy());
            }
        }
        if (!added.isEmpty()) {
            patch.set(field, added);
        }
        if (original != null) {
            ArrayNode removed = JsonNodeFactory.instance.arrayNode();
            for (JsonNode o : original) {
                if (!containsValue(modified, o) && containsValue(current, o)) {
                    removed.add(o.deepCopy());
                }
            }
            if (!removed.isEmpty()) {
                patch.set(DELETE_FROM_PRIMITIVE_LIST + field, removed);
            }
        }
    }

    private static boolean allHaveKey(ArrayNode list, String key) {
        for (JsonNode item : list) {
            if (!item.isObject() || item.get(key) == null || item.get(key).isNull()) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode find(ArrayNode list, String key, JsonNode keyValue) {
        if (list == null) {
            return null;
        }
        for (JsonNode item : list) {
            JsonNode v = item.get(key);
            if (v != null && v.asText().equals(keyValue.asText())) {
                return item;
            }
        }
        return null;
    }

    private static boolean containsValue(ArrayNode list, JsonNode value) {
        for (JsonNode item : list) {
            if (sameTree(item, value)) {
                return true;
            }
        }
        return false;
    }

    /** Whether every field {@code config} sets has the same value in {@code live}. */
    private static boolean contained(JsonNode config, JsonNode live) {
        if (config.isObject() && live.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode l = live.get(e.getKey());
                if (e.getValue().isNull() ? l != null && !l.isNull() : l == null || !contained(e.getValue(), l)) {
                    return false;
                }
            }
            return true;
        }
        if (config.isArray() && live.isArray()) {
            if (config.size() != live.size()) {
                return false;
            }
            for (int i = 0; i < config.size(); i++) {
                if (!contained(config.get(i), live.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return sameValue(config, live);
    }

    /** Deep equality with {@link #sameValue} for scalars. */
    static boolean sameTree(JsonNode a, JsonNode b) {
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = b.get(e.getKey());
                if (other == null || !sameTree(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!sameTree(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return sameValue(a, b);
    }

    /**
     * Scalars compare by value: {@code 1} and {@code 1.0} are the same number, and a number and
     * its text are the same (a quantity written {@code cpu: 1} is stored {@code "1"}), so that a
     * re-apply of an unchanged manifest finds nothing to write.
     */
    static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isContainerNode() || b.isContainerNode()) {
            return a.equals(b);
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isNull() || b.isNull()) {
            return a.isNull() && b.isNull();
        }
        return a.asText().equals(b.asText());
    }
}
