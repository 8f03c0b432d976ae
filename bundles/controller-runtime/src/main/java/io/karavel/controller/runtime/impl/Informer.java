package io.karavel.controller.runtime.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.karavel.api.client.ApiResource;
import io.karavel.api.controller.InformerListener;
import io.karavel.api.store.Change;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.StoreKeys;
import io.karavel.api.store.Watch;
import io.karavel.api.store.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kind's shared informer: lists the kind's key range from the store, then watches it from the
 * list's revision, keeping a cache with namespace and owner indexes. One thread per informer
 * applies changes to the cache and then calls the listeners, so that every listener sees the
 * kind's changes in revision order with the cache already updated.
 *
 * <p>A kind that is not served yet (its CRD is not installed) is looked up again every
 * {@code retry}. A watch that ends (history compacted, store restarted, this informer too far
 * behind) is followed by a relist whose differences with the cache are delivered as adds,
 * updates and deletes, as client-go's reflector does with {@code Replace}.
 */
final class Informer {
    private static final Logger LOG = LoggerFactory.getLogger(Informer.class);

    /** What the informer thread works through, in order. */
    private sealed interface Item permits ChangeItem, Relist, Task {}

    private record ChangeItem(long epoch, Change change) implements Item {}

    private record Relist(long epoch, StoreException reason) implements Item {}

    private record Task(Runnable run) implements Item {}

    private final String name;
    private final Supplier<ApiResource> resolver;
    private final Store store;
    private final ObjectMapper json;
    private final UidIndex uids;
    private final Duration retry;
    private final int maxPending;

    private final LinkedBlockingQueue<Item> items = new LinkedBlockingQueue<>();
    private final AtomicInteger pendingChanges = new AtomicInteger();
    private final List<InformerListener<HasMetadata>> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch synced = new CountDownLatch(1);
    private final Thread thread;

    /** Store key to object; written only by the informer thread. */
    private final ConcurrentHashMap<String, HasMetadata> objects = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, HasMetadata>> byNamespace =
            new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, HasMetadata>> byOwner = new ConcurrentHashMap<>();

    private volatile ApiResource resource;
    private volatile boolean closed;
    /** Only the informer thread touches these. */
    private Watch watch;
    private long epoch;
    private boolean needsList = true;

    /** The cluster-wide uid index the informers share. */
    interface UidIndex {
        void put(HasMetadata object);

        void remove(HasMetadata object);
    }

    /**
     * @param name for the thread and logs, e.g. {@code apps/ReplicaSet}
     * @param resolver the served resource, or null while it is not served
     */
    Informer(String name, Supplier<ApiResource> resolver, Store store, ObjectMapper json, UidIndex uids,
             Duration retry, int maxPending) {
        this.name = name;
        this.resolver = resolver;
        this.store = store;
        this.json = json;
        this.uids = uids;
        this.retry = retry;
        this.maxPending = maxPending;
        this.thread = new Thread(this::run, "informer-" + name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    String name() {
        return name;
    }

    /** The served resource, once resolved. */
    ApiResource resource() {
        return resource;
    }

    boolean hasSynced() {
        return synced.getCount() == 0;
    }

    boolean awaitSynced(Duration timeout) throws InterruptedException {
        return synced.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Adds a listener on the informer thread: once synced it first receives every cached object
     * as an add; before, the initial list delivers them.
     */
    AutoCloseable addListener(InformerListener<HasMetadata> listener) {
        items.add(new Task(() -> {
            if (hasSynced()) {
                for (HasMetadata object : objects.values()) {
                    call(listener, l -> l.onAdd(object));
                }
            }
            listeners.add(listener);
        }));
        return () -> listeners.remove(listener);
    }

    void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- cache reads (any thread) ------------------------------------------------------------

    HasMetadata get(String namespace, String name) {
        ApiResource r = resource;
        if (r == null) {
            return null;
        }
        return objects.get(StoreKeys.key(r.group(), r.plural(), r.namespaced() ? namespace : null, name));
    }

    /** A cluster-scoped kind ignores {@code namespace}, as the fake and the API do. */
    List<HasMetadata> list(String namespace) {
        ApiResource r = resource;
        if (namespace == null || (r != null && !r.namespaced())) {
            return List.copyOf(objects.values());
        }
        Map<String, HasMetadata> inNamespace = byNamespace.get(namespace);
        return inNamespace == null ? List.of() : List.copyOf(inNamespace.values());
    }

    List<HasMetadata> ownedBy(String ownerUid) {
        Map<String, HasMetadata> owned = byOwner.get(ownerUid);
        return owned == null ? List.of() : List.copyOf(owned.values());
    }

    // ---- the informer thread -----------------------------------------------------------------

    private void run() {
        try {
            while (!closed) {
                if (needsList) {
                    tryList();
                }
                Item item = needsList ? items.poll(retry.toNanos(), TimeUnit.NANOSECONDS) : items.take();
                if (item != null) {
                    handle(item);
                }
            }
        } catch (InterruptedException e) {
            // closing
        } finally {
            stopWatch();
        }
    }

    private void handle(Item item) {
        if (item instanceof Task task) {
            try {
                task.run().run();
            } catch (RuntimeException e) {
                LOG.warn("informer {}: listener setup failed", name, e);
            }
        } else if (item instanceof ChangeItem c) {
            pendingChanges.decrementAndGet();
            if (c.epoch() == epoch && !needsList) {
                apply(c.change());
            }
        } else if (item instanceof Relist r && r.epoch() == epoch && !needsList) {
            LOG.debug("informer {}: watch ended ({}), relisting", name, r.reason() == null ? "closed" : r.reason().getMessage());
            stopWatch();
            needsList = true;
        }
    }

    private void tryList() {
        try {
            ApiResource r = resource;
            if (r == null) {
                r = resolver.get();
                if (r == null) {
                    return; // not served yet: look again after the retry delay
                }
                resource = r;
            }
            String prefix = StoreKeys.resourcePrefix(r.group(), r.plural());
            ListResult list = store.list(prefix, null, 0);
            replace(list.items());
            needsList = false;
            synced.countDown();
            long myEpoch = ++epoch;
            watch = store.watch(prefix, list.revision(), new Listener(myEpoch));
        } catch (RuntimeException e) {
            // compacted between list and watch, store unavailable: list again after the delay
            LOG.debug("informer {}: list/watch failed: {}", name, e.toString());
            stopWatch();
            needsList = true;
        }
    }

    private void stopWatch() {
        Watch w = watch;
        watch = null;
        if (w != null) {
            try {
                w.close();
            } catch (RuntimeException e) {
                LOG.debug("informer {}: closing watch: {}", name, e.toString());
            }
        }
    }

    /** Receives the store's changes on the store's thread: queues them and returns at once. */
    private final class Listener implements WatchListener {
        private final long watchEpoch;

        Listener(long watchEpoch) {
            this.watchEpoch = watchEpoch;
        }

        @Override
        public void onChange(Change change) {
            if (pendingChanges.incrementAndGet() > maxPending) {
                // too far behind: drop this watch and catch up with a relist instead of growing
                pendingChanges.decrementAndGet();
                items.add(new Relist(watchEpoch, new StoreException("informer " + name + " fell behind")));
                return;
            }
            items.add(new ChangeItem(watchEpoch, change));
        }

        @Override
        public void onClose(StoreException reason) {
            if (!closed) {
                items.add(new Relist(watchEpoch, reason));
            }
        }
    }

    private void apply(Change change) {
        if (change.type() == Change.Type.DELETED) {
            HasMetadata last = objects.get(change.key());
            if (last == null) {
                return;
            }
            remove(change.key(), last);
            dispatchDelete(last);
            return;
        }
        HasMetadata object = decode(change.toKeyValue());
        if (object == null) {
            return;
        }
        HasMetadata old = put(change.key(), object);
        if (old == null) {
            dispatchAdd(object);
        } else {
            dispatchUpdate(old, object);
        }
    }

    /** Makes the cache equal to a fresh list and delivers the differences. */
    private void replace(List<KeyValue> listed) {
        Map<String, HasMetadata> fresh = new HashMap<>();
        for (KeyValue kv : listed) {
            HasMetadata object = decode(kv);
            if (object != null) {
                fresh.put(kv.key(), object);
            }
        }
        List<Runnable> events = new ArrayList<>();
        for (String key : List.copyOf(objects.keySet())) {
            if (!fresh.containsKey(key)) {
                HasMetadata last = objects.get(key);
                remove(key, last);
                events.add(() -> dispatchDelete(last));
            }
        }
        for (Map.Entry<String, HasMetadata> e : fresh.entrySet()) {
            HasMetadata now = e.getValue();
            HasMetadata old = objects.get(e.getKey());
            if (old == null) {
                put(e.getKey(), now);
                events.add(() -> dispatchAdd(now));
            } else if (!Objects.equals(old.getMetadata().getResourceVersion(), now.getMetadata().getResourceVersion())) {
                put(e.getKey(), now);
                events.add(() -> dispatchUpdate(old, now));
            }
        }
        events.forEach(Runnable::run);
    }

    private HasMetadata put(String key, HasMetadata object) {
        HasMetadata old = objects.put(key, object);
        if (old != null) {
            unindex(key, old);
        }
        String ns = object.getMetadata().getNamespace();
        if (ns != null) {
            byNamespace.computeIfAbsent(ns, k -> new ConcurrentHashMap<>()).put(key, object);
        }
        for (OwnerReference ref : owners(object)) {
            byOwner.computeIfAbsent(ref.getUid(), k -> new ConcurrentHashMap<>()).put(key, object);
        }
        uids.put(object);
        return old;
    }

    private void remove(String key, HasMetadata last) {
        objects.remove(key);
        unindex(key, last);
        uids.remove(last);
    }

    private void unindex(String key, HasMetadata old) {
        String ns = old.getMetadata().getNamespace();
        if (ns != null) {
            byNamespace.computeIfPresent(ns, (k, m) -> {
                m.remove(key);
                return m.isEmpty() ? null : m;
            });
        }
        for (OwnerReference ref : owners(old)) {
            byOwner.computeIfPresent(ref.getUid(), (k, m) -> {
                m.remove(key);
                return m.isEmpty() ? null : m;
            });
        }
    }

    private static List<OwnerReference> owners(HasMetadata object) {
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        return refs == null ? List.of() : refs.stream().filter(r -> r.getUid() != null).toList();
    }

    /** The stored JSON with {@code metadata.resourceVersion} set to the key's mod revision, as served. */
    private HasMetadata decode(KeyValue kv) {
        try {
            JsonNode node = json.readTree(kv.value());
            if (!(node instanceof ObjectNode object)) {
                return null;
            }
            JsonNode meta = object.get("metadata");
            ObjectNode metadata = meta instanceof ObjectNode m ? m : object.putObject("metadata");
            metadata.put("resourceVersion", Long.toString(kv.modRevision()));
            ApiResource r = resource;
            if (!r.apiVersion().equals(object.path("apiVersion").asText(r.apiVersion()))) {
                object.put("apiVersion", r.apiVersion()); // a custom resource stored through another served version
            }
            return json.treeToValue(object, r.modelClass());
        } catch (Exception e) {
            LOG.warn("informer {}: cannot decode {}: {}", name, kv.key(), e.toString());
            return null;
        }
    }

    private void dispatchAdd(HasMetadata object) {
        for (InformerListener<HasMetadata> l : listeners) {
            call(l, x -> x.onAdd(object));
        }
    }

    private void dispatchUpdate(HasMetadata old, HasMetadata object) {
        for (InformerListener<HasMetadata> l : listeners) {
            call(l, x -> x.onUpdate(old, object));
        }
    }

    private void dispatchDelete(HasMetadata last) {
        for (InformerListener<HasMetadata> l : listeners) {
            call(l, x -> x.onDelete(last));
        }
    }

    private void call(InformerListener<HasMetadata> listener, java.util.function.Consumer<InformerListener<HasMetadata>> call) {
        try {
            call.accept(listener);
        } catch (RuntimeException e) {
            LOG.warn("informer {}: listener {} failed", name, listener, e);
        }
    }
}
