package io.karavel.apiserver.impl.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes strategic merge patch ({@code application/strategic-merge-patch+json}), the patch
 * {@code kubectl apply} sends. Like a JSON merge patch, except that lists with a merge key merge
 * item by item (a second container is never dropped by a patch that names only the first), and
 * these directives are honoured:
 *
 * <ul>
 *   <li>{@code $patch: replace} in a map or as a list item: replace instead of merging;
 *       {@code $patch: delete} in a map: delete it; as a keyed list item: delete that item
 *   <li>{@code $setElementOrder/<list>}: the order of the merged list's items
 *   <li>{@code $retainKeys}: keys of the map to keep; all others are cleared
 *   <li>{@code $deleteFromPrimitiveList/<list>}: scalars to remove from a merged scalar list
 * </ul>
 *
 * <p>Which lists merge, and by which key, comes from a {@link PatchMeta}.
 */
public final class StrategicMergePatch {
    private static final String PATCH = "$patch";
    private static final String RETAIN_KEYS = "$retainKeys";
    private static final String SET_ELEMENT_ORDER = "$setElementOrder/";
    private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

    private final PatchMeta meta;

    public StrategicMergePatch(PatchMeta meta) {
        this.meta = meta;
    }

    /**
     * Applies {@code patch} to {@code original} (neither is modified).
     *
     * @throws IllegalArgumentException for a malformed patch (e.g. not an object, unknown directive)
     */
    public ObjectNode apply(ObjectNode original, JsonNode patch) {
        if (!patch.isObject()) {
            throw new IllegalArgumentException("a strategic merge patch must be a JSON object");
        }
        ObjectNode result = mergeMap(original, (ObjectNode) patch, "");
        return result == null ? JsonNodeFactory.instance.objectNode() : result;
    }

    /** Returns the merged map, or null when the patch deletes it. */
    private ObjectNode mergeMap(ObjectNode original, ObjectNode patch, String path) {
        JsonNode directive = patch.get(PATCH);
        if (directive != null) {
            switch (directive.asText()) {
                case "replace":
                    return stripDirectives(patch);
                case "delete":
                    return null;
                case "merge":
                    break;
                default:
                    throw new IllegalArgumentException("unknown patch type: " + directive.asText() + " in map");
            }
        }
        ObjectNode result = original == null ? JsonNodeFactory.instance.objectNode() : original.deepCopy();
        Map<String, ArrayNode> orders = new HashMap<>();
        Map<String, ArrayNode> primitiveDeletes = new HashMap<>();
        ArrayNode retainKeys = null;

        // Directives first: a list's $setElementOrder may come after the list in the patch.
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            if (field.equals(RETAIN_KEYS)) {
                retainKeys = requireArray(e.getValue(), field);
            } else if (field.startsWith(SET_ELEMENT_ORDER)) {
                orders.put(field.substring(SET_ELEMENT_ORDER.length()), requireArray(e.getValue(), field));
            } else if (field.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                primitiveDeletes.put(
                        field.substring(DELETE_FROM_PRIMITIVE_LIST.length()), requireArray(e.getValue(), field));
            }
        }
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String field = e.getKey();
            JsonNode value = e.getValue();
            if (field.startsWith("$")) {
                continue;
            }
            String childPath = path.isEmpty() ? field : path + "." + field;
            if (value.isNull()) {
                result.remove(field);
            } else if (value.isObject()) {
                JsonNode current = result.get(field);
                ObjectNode merged = mergeMap(current != null && current.isObject() ? (ObjectNode) current : null,
                        (ObjectNode) value, childPath);
                if (merged == null) {
                    result.remove(field);
                } else {
                    result.set(field, merged);
                }
            } else if (value.isArray()) {
                JsonNode current = result.get(field);
                ArrayNode merged = mergeList(current != null && current.isArray() ? (ArrayNode) current : null,
                        (ArrayNode) value, childPath, orders.get(field));
                result.set(field, merged);
            } else {
                result.set(field, value.deepCopy());
            }
        }

        // Orders and deletions may also name lists the patch did not otherwise touch.
        for (Map.Entry<String, ArrayNode> e : primitiveDeletes.entrySet()) {
            JsonNode list = result.get(e.getKey());
            if (list != null && list.isArray()) {
                Set<JsonNode> gone = new HashSet<>();
                e.getValue().forEach(gone::add);
                ArrayNode kept = JsonNodeFactory.instance.arrayNode();
                list.forEach(item -> {
                    if (!gone.contains(item)) {
                        kept.add(item);
                    }
                });
                result.set(e.getKey(), kept);
            }
        }
        for (Map.Entry<String, ArrayNode> e : orders.entrySet()) {
            JsonNode list = result.get(e.getKey());
            if (list != null && list.isArray() && !patch.has(e.getKey())) {
                String childPath = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                result.set(e.getKey(), reorder((ArrayNode) list, e.getValue(), meta.listStrategy(childPath)));
            }
        }
        if (retainKeys != null) {
            Set<String> keep = new HashSet<>();
            retainKeys.forEach(k -> keep.add(k.asText()));
            result.retain(keep);
        }
        return result;
    }

    private ArrayNode mergeList(ArrayNode original, ArrayNode patch, String path, ArrayNode order) {
        PatchMeta.ListStrategy strategy = meta.listStrategy(path);
        List<JsonNode> patchItems = new ArrayList<>();
        boolean replace = false;
        for (JsonNode item : patch) {
            if (item.isObject() && item.size() == 1 && item.has(PATCH)) {
                String directive = item.get(PATCH).asText();
                if (directive.equals("replace")) {
                    replace = true;
                    continue;
                }
                throw new IllegalArgumentException("unknown patch type: " + directive + " in list " + path);
            }
            patchItems.add(item);
        }
        if (replace || strategy instanceof PatchMeta.Atomic || original == null && !(strategy instanceof PatchMeta.MergeByKey)) {
            ArrayNode result = JsonNodeFactory.instance.arrayNode();
            for (JsonNode item : patchItems) {
                result.add(item.isObject() ? stripDirectives((ObjectNode) item) : item.deepCopy());
            }
            return order == null || strategy instanceof PatchMeta.Atomic ? result : reorder(result, order, strategy);
        }
        ArrayNode result = JsonNodeFactory.instance.arrayNode();
        if (strategy instanceof PatchMeta.MergePrimitives) {
            if (original != null) {
                result.addAll(original);
            }
            Set<JsonNode> present = new HashSet<>();
            result.forEach(present::add);
            for (JsonNode item : patchItems) {
                if (present.add(item)) {
                    result.add(item.deepCopy());
                }
            }
            return order == null ? result : reorder(result, order, strategy);
        }
        String key = ((PatchMeta.MergeByKey) strategy).key();
        List<JsonNode> merged = new ArrayList<>();
        if (original != null) {
            original.forEach(item -> merged.add(item.deepCopy()));
        }
        for (JsonNode item : patchItems) {
            if (!item.isObject()) {
                throw new IllegalArgumentException("list " + path + " merges by \"" + key + "\" but has a non-object item");
            }
            ObjectNode patchItem = (ObjectNode) item;
            JsonNode keyValue = patchItem.get(key);
            int index = keyValue == null ? -1 : indexOf(merged, key, keyValue);
            JsonNode directive = patchItem.get(PATCH);
            if (directive != null && directive.asText().equals("delete")) {
                if (keyValue == null) {
                    throw new IllegalArgumentException("delete directive in " + path + " without merge key \"" + key + "\"");
                }
                merged.removeIf(existing -> sameKey(existing, key, keyValue));
                continue;
            }
            if (index >= 0) {
                ObjectNode updated = mergeMap((ObjectNode) merged.get(index), patchItem, path);
                if (updated == null) {
                    merged.remove(index);
                } else {
                    merged.set(index, updated);
                }
            } else {
                ObjectNode added = mergeMap(null, patchItem, path);
                if (added != null) {
                    merged.add(added);
                }
            }
        }
        merged.forEach(result::add);
        return order == null ? result : reorder(result, order, strategy);
    }

    /**
     * Orders {@code list} by {@code order} (items or, for keyed lists, {@code {key: value}} stubs):
     * items named in the order come first in that order, the others follow in their current order.
     */
    private static ArrayNode reorder(ArrayNode list, ArrayNode order, PatchMeta.ListStrategy strategy) {
        List<JsonNode> remaining = new ArrayList<>();
        list.forEach(remaining::add);
        ArrayNode result = JsonNodeFactory.instance.arrayNode();
        for (JsonNode wanted : order) {
            Iterator<JsonNode> it = remaining.iterator();
            while (it.hasNext()) {
                JsonNode item = it.next();
                boolean match =
                        strategy instanceof PatchMeta.MergeByKey byKey
                                ? wanted.has(byKey.key()) && sameKey(item, byKey.key(), wanted.get(byKey.key()))
                                : item.equals(wanted);
                if (match) {
                    result.add(item);
                    it.remove();
                    break;
                }
            }
        }
        remaining.forEach(result::add);
        return result;
    }

    private static int indexOf(List<JsonNode> items, String key, JsonNode value) {
        for (int i = 0; i < items.size(); i++) {
            if (sameKey(items.get(i), key, value)) {
                return i;
            }
        }
        return -1;
    }

    /** Merge keys compare by value, so that {@code 80} and {@code "80"} do not both survive. */
    private static boolean sameKey(JsonNode item, String key, JsonNode value) {
        JsonNode v = item.get(key);
        return v != null && v.asText().equals(value.asText());
    }

    private static ArrayNode requireArray(JsonNode value, String field) {
        if (!value.isArray()) {
            throw new IllegalArgumentException(field + " must be a list");
        }
        return (ArrayNode) value;
    }

    /** A copy of a map with every {@code $}-directive removed, at every depth. */
    private static ObjectNode stripDirectives(ObjectNode node) {
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        node.fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("$")) {
                return;
            }
            JsonNode v = e.getValue();
            if (v.isObject()) {
                copy.set(e.getKey(), stripDirectives((ObjectNode) v));
            } else if (v.isArray()) {
                ArrayNode a = JsonNodeFactory.instance.arrayNode();
                v.forEach(item -> a.add(item.isObject() ? stripDirectives((ObjectNode) item) : item.deepCopy()));
                copy.set(e.getKey(), a);
            } else {
                copy.set(e.getKey(), v.deepCopy());
            }
        });
        return copy;
    }
}
