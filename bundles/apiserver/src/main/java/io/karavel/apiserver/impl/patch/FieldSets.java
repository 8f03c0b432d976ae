package io.karavel.apiserver.impl.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The {@code FieldsV1} set of an applied configuration, as {@code metadata.managedFields} holds it
 * (the trie of structured-merge-diff: {@code f:<field>}, {@code k:<key object>} for items of lists
 * with a merge key, {@code v:<value>} for set items, {@code .} for the item itself). Clients read
 * it: kubectl looks up who owns the last-applied annotation, and fails on an entry without one.
 * Lists follow the same {@link PatchMeta} as strategic merge.
 */
public final class FieldSets {
    /** Identity and bookkeeping fields that no manager owns. */
    private static final Set<String> UNOWNED_METADATA = Set.of(
            "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
            "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds");

    private final PatchMeta meta;

    public FieldSets(PatchMeta meta) {
        this.meta = meta;
    }

    /**
     * The fields set by {@code config}, an applied object.
     *
     * @param includeStatus whether {@code status} counts (applies to {@code /status} do, others do not)
     */
    public ObjectNode of(JsonNode config, boolean includeStatus) {
        ObjectNode set = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            if (field.equals("apiVersion") || field.equals("kind") || (field.equals("status") && !includeStatus)) {
                continue;
            }
            if (field.equals("metadata") && e.getValue().isObject()) {
                ObjectNode metadata = JsonNodeFactory.instance.objectNode();
                for (Iterator<Map.Entry<String, JsonNode>> m = e.getValue().fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> me = m.next();
                    if (!UNOWNED_METADATA.contains(me.getKey())) {
                        metadata.set("f:" + me.getKey(), value(me.getValue(), "metadata." + me.getKey()));
                    }
                }
                if (!metadata.isEmpty()) {
                    set.set("f:metadata", metadata);
                }
                continue;
            }
            set.set("f:" + field, value(e.getValue(), field));
        }
        return set;
    }

    private ObjectNode value(JsonNode value, String path) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                node.set("f:" + e.getKey(), value(e.getValue(), path + "." + e.getKey()));
            }
            return node;
        }
        if (!value.isArray()) {
            return node;
        }
        PatchMeta.ListStrategy strategy = meta.listStrategy(path);
        if (strategy instanceof PatchMeta.MergeByKey byKey) {
            int index = 0;
            for (JsonNode item : value) {
                JsonNode key = item.get(byKey.key());
                String element;
                if (item.isObject() && key != null && !key.isNull()) {
                    element = "k:" + JsonNodeFactory.instance.objectNode().set(byKey.key(), key);
                } else {
                    element = "i:" + index;
                }
                ObjectNode fields = value(item, path);
                fields.putObject(".");
                node.set(element, fields);
                index++;
            }
        } else if (strategy instanceof PatchMeta.MergePrimitives) {
            for (JsonNode item : value) {
                node.putObject("v:" + item);
            }
        }
        // atomic lists are owned as a whole: the field itself, no children
        return node;
    }
}
