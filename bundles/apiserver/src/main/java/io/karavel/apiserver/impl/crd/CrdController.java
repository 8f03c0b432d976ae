package io.karavel.apiserver.impl.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.store.Change;
import io.karavel.api.store.ConflictException;
import io.karavel.api.store.KeyNotFoundException;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.StoreKeys;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.api.store.Watch;
import io.karavel.api.store.WatchListener;
import io.karavel.apiserver.impl.registry.ResourceRegistry;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.rest.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves what the stored CustomResourceDefinitions declare: on start and on every CRD change in
 * the store (whichever master wrote it) it registers a {@link ResourceType} per served version,
 * so the kind appears in discovery and OpenAPI, and writes the CRD's status ({@code NamesAccepted},
 * {@code Established}, {@code acceptedNames}, {@code storedVersions}) through the store.
 *
 * <p>When a CRD is deleted its types stop being served at once and then every custom resource of
 * it is deleted. Kubernetes keeps the CRD in Terminating with a cleanup finalizer while it does
 * that; here the cleanup runs right after the CRD is gone (asynchronously, on this controller's
 * thread), so {@code kubectl delete crd} returns before the objects are gone.
 *
 * <p>All work runs on one thread, in the order of the store's changes: the watch listener only
 * queues.
 *
 * <p>Every master runs this controller (each serves the CRDs from its replica), so every master
 * writes the same status and deletes the same objects: the writes are compare-and-swap and
 * idempotent, and the first to land wins. A write the store refuses for want of a leader is
 * retried with a bounded back-off (re-reading the CRD then), so a CRD created just before a
 * leader change still becomes Established.
 */
public final class CrdController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CrdController.class);
    public static final String GROUP = "apiextensions.k8s.io";
    public static final String PLURAL = "customresourcedefinitions";
    private static final String PREFIX = StoreKeys.resourcePrefix(GROUP, PLURAL);
    private static final int MAX_STATUS_RETRIES = 5;
    private static final long FIRST_RETRY_MILLIS = 200;
    private static final long MAX_RETRY_MILLIS = 10_000;

    private final Store store;
    private final ResourceRegistry registry;
    private final Clock clock;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "karavel-crd-controller");
        t.setDaemon(true);
        return t;
    });
    private volatile Watch watch;
    private volatile boolean closed;

    public CrdController(Store store, ResourceRegistry registry, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.clock = clock;
    }

    /** Serves the CRDs already stored (before returning), then follows changes. */
    public void start() {
        long revision = resync();
        follow(revision);
    }

    private void follow(long revision) {
        watch = store.watch(PREFIX, revision, new WatchListener() {
            @Override
            public void onChange(Change change) {
                if (!closed) {
                    try {
                        executor.execute(() -> handle(change));
                    } catch (RejectedExecutionException e) {
                        // closing
                    }
                }
            }

            @Override
            public void onClose(StoreException reason) {
                if (reason != null && !closed) {
                    LOG.info("CRD watch closed by the store ({}): re-listing", reason.getMessage());
                    executor.execute(CrdController.this::restart);
                }
            }
        });
    }

    /** Re-lists and watches again after the store ended the watch; retries every second while the store fails. */
    private void restart() {
        if (closed) {
            return;
        }
        try {
            follow(resync());
        } catch (StoreException e) {
            LOG.debug("CRD re-list failed ({}): retrying in 1 s", e.getMessage());
            executor.schedule(this::restart, 1, TimeUnit.SECONDS);
        }
    }

    /** Reconciles every stored CRD and drops types whose CRD is gone; returns the list's revision. */
    private long resync() {
        ListResult list = store.list(PREFIX, null, 0);
        Set<String> present = new HashSet<>();
        for (KeyValue kv : list.items()) {
            JsonNode crd = Json.readObject(kv.value());
            String name = crd.path("metadata").path("name").asText();
            present.add(name);
            try {
                reconcile(crd);
            } catch (StoreUnavailableException e) {
                retryReconcile(name, 1, e);
            }
        }
        Set<String> served = new LinkedHashSet<>();
        for (ResourceType t : registry.all()) {
            if (t.strategy() instanceof CustomResourceStrategy s) {
                served.add(s.crdName());
            }
        }
        served.removeAll(present);
        served.forEach(this::removed);
        return list.revision();
    }

    private void handle(Change change) {
        try {
            JsonNode crd = Json.readObject(change.value());
            if (change.type() == Change.Type.DELETED) {
                removed(crd.path("metadata").path("name").asText()); // its purge retries by itself
            } else {
                try {
                    reconcile(crd);
                } catch (StoreUnavailableException e) {
                    retryReconcile(crd.path("metadata").path("name").asText(), 1, e);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("CRD change {} of {} failed", change.type(), change.key(), e);
        }
    }

    /** Reconciles the CRD as stored now, after a back-off; again later while the store refuses writes. */
    private void retryReconcile(String name, int attempt, StoreUnavailableException why) {
        if (attempt == 1) {
            LOG.info("CustomResourceDefinition {}: the store refused its status ({}); retrying", name, why.getMessage());
        }
        later(attempt, () -> {
            try {
                Optional<KeyValue> kv = store.get(StoreKeys.key(GROUP, PLURAL, null, name));
                if (kv.isPresent()) {
                    reconcile(Json.readObject(kv.get().value()));
                } // gone meanwhile: its deletion was handled
            } catch (StoreUnavailableException e) {
                retryReconcile(name, attempt + 1, e);
            } catch (RuntimeException e) {
                LOG.warn("CustomResourceDefinition {}: reconciling failed", name, e);
            }
        });
    }

    private void later(int attempt, Runnable task) {
        if (closed) {
            return;
        }
        long delay = Math.min(FIRST_RETRY_MILLIS << Math.min(attempt - 1, 16), MAX_RETRY_MILLIS);
        try {
            executor.schedule(task, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Serves the CRD's versions (unless its names conflict) and writes its status. */
    private void reconcile(JsonNode crd) {
        String name = crd.path("metadata").path("name").asText();
        List<ResourceType> types = CustomResourceTypes.of(crd);
        String conflict = conflict(name, crd);
        List<ResourceType> current = owned(name);
        if (conflict == null) {
            for (ResourceType t : current) {
                if (types.stream().noneMatch(n -> n.version().equals(t.version()) && n.plural().equals(t.plural()))) {
                    registry.unregister(t.group(), t.version(), t.plural());
                }
            }
            types.forEach(registry::register);
        } else {
            current.forEach(t -> registry.unregister(t.group(), t.version(), t.plural()));
        }
        writeStatus(name, conflict);
    }

    /** Null when the CRD's plural, kind, singular and short names are free in its group, else why not. */
    private String conflict(String name, JsonNode crd) {
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asText();
        JsonNode names = spec.path("names");
        for (ResourceType t : registry.all()) {
            if (!t.group().equals(group) || owns(t, name)) {
                continue;
            }
            if (t.plural().equals(names.path("plural").asText())) {
                return "PluralConflict:\"" + t.plural() + "\" is already in use";
            }
            if (t.kind().equals(names.path("kind").asText())) {
                return "KindConflict:\"" + t.kind() + "\" is already in use";
            }
            if (t.singular().equals(names.path("singular").asText())) {
                return "SingularConflict:\"" + t.singular() + "\" is already in use";
            }
            for (JsonNode s : names.path("shortNames")) {
                if (t.shortNames().contains(s.asText())) {
                    return "ShortNamesConflict:\"" + s.asText() + "\" is already in use";
                }
            }
        }
        return null;
    }

    private static boolean owns(ResourceType t, String crdName) {
        return t.strategy() instanceof CustomResourceStrategy s && s.crdName().equals(crdName);
    }

    private List<ResourceType> owned(String crdName) {
        return registry.all().stream().filter(t -> owns(t, crdName)).toList();
    }

    /** The CRD is gone: stop serving its types, then delete its objects. */
    private void removed(String name) {
        purge(name, unserve(name), 1);
    }

    /** Stops serving the CRD's types; returns the key prefixes of its objects no other CRD serves. */
    private Set<String> unserve(String name) {
        List<ResourceType> types = owned(name);
        types.forEach(t -> registry.unregister(t.group(), t.version(), t.plural()));
        Set<String> prefixes = new LinkedHashSet<>();
        for (ResourceType t : types) {
            boolean stillServed = registry.all().stream().anyMatch(o -> o.group().equals(t.group()) && o.plural().equals(t.plural()));
            if (!stillServed) {
                prefixes.add(StoreKeys.resourcePrefix(t.group(), t.plural()));
            }
        }
        return prefixes;
    }

    /** Deletes every object under {@code prefixes}; from a prefix the store refuses on, retries later. */
    private void purge(String name, Set<String> prefixes, int attempt) {
        List<String> remaining = new ArrayList<>(prefixes);
        if (attempt > 1) {
            // re-created meanwhile (a retry comes seconds later): its objects are wanted again
            registry.all().forEach(t -> remaining.remove(StoreKeys.resourcePrefix(t.group(), t.plural())));
        }
        while (!remaining.isEmpty()) {
            String prefix = remaining.get(0);
            int deleted = 0;
            try {
                for (KeyValue kv : store.list(prefix, null, 0).items()) {
                    try {
                        store.delete(kv.key(), 0);
                        deleted++;
                    } catch (KeyNotFoundException e) {
                        // deleted meanwhile
                    }
                }
            } catch (StoreUnavailableException e) {
                if (attempt == 1) {
                    LOG.info("CustomResourceDefinition {} deleted: the store refused removing its objects ({}); retrying",
                            name, e.getMessage());
                }
                Set<String> rest = new LinkedHashSet<>(remaining);
                later(attempt, () -> purge(name, rest, attempt + 1));
                return;
            }
            remaining.remove(0);
            LOG.info("CustomResourceDefinition {} deleted: removed {} objects under {}", name, deleted, prefix);
        }
    }

    /** Writes the status the CRD should have, compare-and-swap, when it differs from the stored one. */
    private void writeStatus(String name, String conflict) {
        String key = StoreKeys.key(GROUP, PLURAL, null, name);
        for (int attempt = 0; attempt < MAX_STATUS_RETRIES; attempt++) {
            Optional<KeyValue> kv = store.get(key);
            if (kv.isEmpty()) {
                return;
            }
            ObjectNode crd = Json.readObject(kv.get().value());
            ObjectNode oldStatus = crd.path("status") instanceof ObjectNode o ? o : Json.object();
            ObjectNode status = desiredStatus(crd, oldStatus, conflict);
            if (status.equals(oldStatus)) {
                return;
            }
            crd.set("status", status);
            try {
                store.update(key, Json.bytes(crd), kv.get().modRevision());
                return;
            } catch (ConflictException e) {
                // changed meanwhile: recompute on the fresh object
            } catch (KeyNotFoundException e) {
                return;
            }
        }
    }

    private ObjectNode desiredStatus(ObjectNode crd, ObjectNode oldStatus, String conflict) {
        JsonNode names = crd.path("spec").path("names");
        ObjectNode status = Json.object();
        ArrayNode conditions = status.putArray("conditions");
        boolean accepted = conflict == null;
        String reason = accepted ? "NoConflicts" : conflict.substring(0, conflict.indexOf(':'));
        String message = accepted ? "no conflicts found" : conflict.substring(conflict.indexOf(':') + 1);
        conditions.add(condition(oldStatus, "NamesAccepted", accepted, reason, message));
        conditions.add(condition(oldStatus, "Established", accepted,
                accepted ? "InitialNamesAccepted" : "NotAccepted",
                accepted ? "the initial names have been accepted" : "not all names are accepted"));
        if (accepted) {
            status.set("acceptedNames", names.deepCopy());
        } else if (oldStatus.has("acceptedNames")) {
            status.set("acceptedNames", oldStatus.get("acceptedNames"));
        } else {
            status.putObject("acceptedNames").put("plural", "").put("kind", "");
        }
        Set<String> stored = new LinkedHashSet<>();
        oldStatus.path("storedVersions").forEach(v -> stored.add(v.asText()));
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("storage").asBoolean(false)) {
                stored.add(v.path("name").asText());
            }
        }
        ArrayNode storedVersions = status.putArray("storedVersions");
        stored.forEach(storedVersions::add);
        return status;
    }

    /** A condition, keeping the old lastTransitionTime when its status did not change. */
    private ObjectNode condition(JsonNode oldStatus, String type, boolean value, String reason, String message) {
        String statusValue = value ? "True" : "False";
        String since = DateTimeFormatter.ISO_INSTANT.format(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS));
        for (JsonNode c : oldStatus.path("conditions")) {
            if (c.path("type").asText().equals(type) && c.path("status").asText().equals(statusValue)
                    && c.hasNonNull("lastTransitionTime")) {
                since = c.get("lastTransitionTime").asText();
            }
        }
        ObjectNode c = Json.object();
        c.put("type", type);
        c.put("status", statusValue);
        c.put("lastTransitionTime", since);
        c.put("reason", reason);
        c.put("message", message);
        return c;
    }

    @Override
    public void close() {
        closed = true;
        Watch w = watch;
        if (w != null) {
            w.close();
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
