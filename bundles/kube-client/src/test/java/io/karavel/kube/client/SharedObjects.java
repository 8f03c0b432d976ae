package io.karavel.kube.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The ConfigMaps of namespace {@code default} that every {@link FakeMaster} serves: the state an
 * HA control plane replicates to all its masters, with a revision per change and the change log
 * watches read from.
 */
final class SharedObjects {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One change: its revision and its watch event line. */
    record Change(long revision, String line) {}

    private final Map<String, ConfigMap> objects = new LinkedHashMap<>();
    private final List<Change> changes = new ArrayList<>();
    private long revision;

    /** Creates a ConfigMap as a client of another master would; empty when it already exists. */
    Optional<ConfigMap> create(String name) {
        return create(new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .addToData("key", name).build());
    }

    synchronized Optional<ConfigMap> create(ConfigMap configMap) {
        String name = configMap.getMetadata().getName();
        if (objects.containsKey(name)) {
            return Optional.empty();
        }
        configMap.getMetadata().setNamespace("default");
        configMap.getMetadata().setUid(UUID.randomUUID().toString());
        return Optional.of(record("ADDED", configMap));
    }

    /** Replaces a ConfigMap; empty when there is none of that name. */
    synchronized Optional<ConfigMap> replace(ConfigMap configMap) {
        ConfigMap old = objects.get(configMap.getMetadata().getName());
        if (old == null) {
            return Optional.empty();
        }
        configMap.getMetadata().setNamespace("default");
        configMap.getMetadata().setUid(old.getMetadata().getUid());
        return Optional.of(record("MODIFIED", configMap));
    }

    synchronized Optional<ConfigMap> get(String name) {
        return Optional.ofNullable(objects.get(name));
    }

    /** The ConfigMapList at the current revision, as JSON. */
    synchronized String list() {
        ObjectNode list = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMapList");
        list.putObject("metadata").put("resourceVersion", Long.toString(revision));
        var items = list.putArray("items");
        objects.values().forEach(o -> items.add(JSON.valueToTree(o)));
        return list.toString();
    }

    synchronized long revision() {
        return revision;
    }

    /**
     * The changes after revision {@code after}, waiting up to {@code waitMillis} for one when there
     * is none yet (a watch stream's long poll).
     */
    synchronized List<Change> changesAfter(long after, long waitMillis) throws InterruptedException {
        if (revision <= after && waitMillis > 0) {
            wait(waitMillis);
        }
        return changes.stream().filter(c -> c.revision() > after).toList();
    }

    /** Wakes the watch streams waiting for a change, so they look at their master's state again. */
    synchronized void wakeWatches() {
        notifyAll();
    }

    private ConfigMap record(String type, ConfigMap configMap) {
        revision++;
        configMap.getMetadata().setResourceVersion(Long.toString(revision));
        objects.put(configMap.getMetadata().getName(), configMap);
        ObjectNode event = JSON.createObjectNode().put("type", type);
        event.set("object", JSON.valueToTree(configMap));
        changes.add(new Change(revision, event.toString()));
        notifyAll();
        return configMap;
    }
}
