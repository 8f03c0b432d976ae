package io.karavel.apiserver.impl.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The kinds this server serves, looked up by group, version and plural. Thread-safe: writers
 * replace an immutable snapshot (copy-on-write), so readers never lock. Custom resource
 * definitions will register and unregister entries at runtime.
 */
public final class ResourceRegistry {
    private volatile Map<String, ResourceType> byPath = Map.of();

    public synchronized void register(ResourceType type) {
        Map<String, ResourceType> next = new LinkedHashMap<>(byPath);
        next.put(pathKey(type.group(), type.version(), type.plural()), type);
        byPath = Map.copyOf(next);
        order = appendOrder(type);
    }

    public synchronized void unregister(String group, String version, String plural) {
        Map<String, ResourceType> next = new LinkedHashMap<>(byPath);
        next.remove(pathKey(group, version, plural));
        byPath = Map.copyOf(next);
        List<ResourceType> nextOrder = new ArrayList<>(order);
        nextOrder.removeIf(t -> t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural));
        order = List.copyOf(nextOrder);
    }

    /** The type served at {@code /<prefix>/<group>/<version>/<plural>}. */
    public Optional<ResourceType> find(String group, String version, String plural) {
        return Optional.ofNullable(byPath.get(pathKey(group, version, plural)));
    }

    /** All types in registration order. */
    public List<ResourceType> all() {
        return order;
    }

    /** Types of one group-version, in registration order. */
    public List<ResourceType> groupVersion(String group, String version) {
        return order.stream().filter(t -> t.group().equals(group) && t.version().equals(version)).toList();
    }

    /** Non-core groups, in registration order, each with its versions. */
    public Map<String, List<String>> groups() {
        Map<String, Set<String>> groups = new LinkedHashMap<>();
        for (ResourceType t : order) {
            if (!t.group().isEmpty()) {
                groups.computeIfAbsent(t.group(), g -> new LinkedHashSet<>()).add(t.version());
            }
        }
        Map<String, List<String>> result = new LinkedHashMap<>();
        groups.forEach((g, v) -> result.put(g, List.copyOf(v)));
        return result;
    }

    private volatile List<ResourceType> order = List.of();

    private List<ResourceType> appendOrder(ResourceType type) {
        List<ResourceType> next = new ArrayList<>(order);
        next.removeIf(t -> t.group().equals(type.group()) && t.version().equals(type.version()) && t.plural().equals(type.plural()));
        next.add(type);
        return List.copyOf(next);
    }

    private static String pathKey(String group, String version, String plural) {
        return group + "/" + version + "/" + plural;
    }
}
