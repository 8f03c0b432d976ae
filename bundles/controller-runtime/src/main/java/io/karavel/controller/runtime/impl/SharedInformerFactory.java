package io.karavel.controller.runtime.impl;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.Cache;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.InformerListener;
import io.karavel.api.controller.SharedInformers;
import io.karavel.api.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared informers: one {@link Informer} per kind, started on first use and shared by every
 * controller, the scheduler and anyone else asking; plus the event recorders. Usable without
 * OSGi: {@code new SharedInformerFactory(store, client)} and {@link #close()} when done.
 * Thread-safe.
 */
public final class SharedInformerFactory implements SharedInformers, AutoCloseable {
    /** The API server's JSON configuration, lenient about fields the model does not know. */
    static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .registerModule(new JavaTimeModule());

    /**
     * @param unservedRetry how often a kind that is not served yet is looked up again
     * @param maxPendingChanges changes an informer may queue before it drops its watch and relists
     * @param eventQueueSize events waiting to be written before new ones are dropped
     */
    public record Settings(Duration unservedRetry, int maxPendingChanges, int eventQueueSize) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(1), 100_000, 1000);
        }
    }

    private final Store store;
    private final ObjectClient client;
    private final Settings settings;
    private final ApiEventRecorder.Writer eventWriter;
    private final ConcurrentHashMap<String, Informer> informers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, HasMetadata> byUid = new ConcurrentHashMap<>();
    private final Informer.UidIndex uidIndex = new Informer.UidIndex() {
        @Override
        public void put(HasMetadata object) {
            String uid = object.getMetadata().getUid();
            if (uid != null) {
                byUid.put(uid, object);
            }
        }

        @Override
        public void remove(HasMetadata object) {
            String uid = object.getMetadata().getUid();
            if (uid != null) {
                byUid.remove(uid, object);
            }
        }
    };
    private volatile boolean closed;

    public SharedInformerFactory(Store store, ObjectClient client) {
        this(store, client, Settings.defaults());
    }

    public SharedInformerFactory(Store store, ObjectClient client, Settings settings) {
        this.store = store;
        this.client = client;
        this.settings = settings;
        this.eventWriter = new ApiEventRecorder.Writer(client, settings.eventQueueSize(), Clock.systemUTC());
    }

    public ObjectClient client() {
        return client;
    }

    // ---- informers ---------------------------------------------------------------------------

    /** The informer of a model class, started if needed. */
    Informer informer(Class<? extends HasMetadata> kind) {
        if (kind == GenericKubernetesResource.class) {
            throw new IllegalArgumentException(
                    "GenericKubernetesResource stands for many kinds: watch custom kinds with watchesAll");
        }
        String key = key(HasMetadata.getGroup(kind), HasMetadata.getKind(kind));
        return informer(key, () -> client.resource(kind).orElse(null));
    }

    /** The informer of a served resource (a custom one included), started if needed. */
    Informer informer(ApiResource resource) {
        return informer(key(resource.group(), resource.kind()),
                () -> client.resource(resource.apiVersion(), resource.kind()).orElse(null));
    }

    private Informer informer(String key, java.util.function.Supplier<ApiResource> resolver) {
        if (closed) {
            throw new IllegalStateException("the shared informers are closed");
        }
        Informer[] created = new Informer[1];
        Informer informer = informers.computeIfAbsent(key, k -> {
            created[0] = new Informer(k, resolver, store, JSON, uidIndex, settings.unservedRetry(),
                    settings.maxPendingChanges());
            return created[0];
        });
        if (created[0] != null) {
            created[0].start();
        }
        return informer;
    }

    private static String key(String group, String kind) {
        return (group == null || group.isEmpty() ? "core" : group) + "/" + kind;
    }

    /** The informers running now (for the report and tests). */
    List<String> informerNames() {
        return List.copyOf(informers.keySet());
    }

    // ---- SharedInformers ---------------------------------------------------------------------

    @Override
    public <T extends HasMetadata> Cache<T> of(Class<T> kind) {
        return new InformerCache<>(informer(kind), kind);
    }

    /** The cache of a served resource, as generic or typed objects depending on its model class. */
    public Cache<HasMetadata> of(ApiResource resource) {
        return new InformerCache<>(informer(resource), HasMetadata.class);
    }

    @Override
    public Optional<HasMetadata> byUid(String uid) {
        return Optional.ofNullable(byUid.get(uid));
    }

    @Override
    public List<HasMetadata> dependentsOf(String ownerUid) {
        List<HasMetadata> out = new ArrayList<>();
        for (Informer informer : informers.values()) {
            out.addAll(informer.ownedBy(ownerUid));
        }
        return out;
    }

    @Override
    public <T extends HasMetadata> AutoCloseable addListener(Class<T> kind, InformerListener<T> listener) {
        return informer(kind).addListener(new InformerListener<HasMetadata>() {
            @Override
            public void onAdd(HasMetadata object) {
                listener.onAdd(as(kind, object));
            }

            @Override
            public void onUpdate(HasMetadata oldObject, HasMetadata newObject) {
                listener.onUpdate(as(kind, oldObject), as(kind, newObject));
            }

            @Override
            public void onDelete(HasMetadata lastKnown) {
                listener.onDelete(as(kind, lastKnown));
            }
        });
    }

    /**
     * The object as {@code type}. Informers of custom kinds hold generic objects (several
     * consumers share them, the garbage collector among them); a controller that brings its own
     * model class for a custom kind gets a converted copy.
     */
    static <T extends HasMetadata> T as(Class<T> type, HasMetadata object) {
        if (object == null || type.isInstance(object)) {
            return type.cast(object);
        }
        return JSON.convertValue(object, type);
    }

    /** Listens to a served resource's informer (custom resources arrive as their model class). */
    public AutoCloseable addListener(ApiResource resource, InformerListener<HasMetadata> listener) {
        return informer(resource).addListener(listener);
    }

    @Override
    public boolean awaitSynced(Class<? extends HasMetadata> kind, Duration timeout) throws InterruptedException {
        return informer(kind).awaitSynced(timeout);
    }

    @Override
    public EventRecorder recorder(String component) {
        return new ApiEventRecorder(component, eventWriter);
    }

    /** Stops every informer and the event writer (events still queued are written first, briefly). */
    @Override
    public void close() {
        closed = true;
        for (Informer informer : informers.values()) {
            informer.close();
        }
        informers.clear();
        byUid.clear();
        eventWriter.close();
    }

    /** A typed view of an informer's cache; objects are shared, never modify them. */
    private static final class InformerCache<T extends HasMetadata> implements Cache<T> {
        private final Informer informer;
        private final Class<T> type;

        InformerCache(Informer informer, Class<T> type) {
            this.informer = informer;
            this.type = type;
        }

        @Override
        public Optional<T> get(String namespace, String name) {
            return Optional.ofNullable(informer.get(namespace, name)).map(o -> as(type, o));
        }

        @Override
        public List<T> list(String namespace) {
            return informer.list(namespace).stream().map(o -> as(type, o)).toList();
        }

        @Override
        public List<T> list(String namespace, Map<String, String> labels) {
            List<T> out = new ArrayList<>();
            for (HasMetadata o : informer.list(namespace)) {
                Map<String, String> have = o.getMetadata().getLabels();
                boolean match = true;
                for (Map.Entry<String, String> e : labels.entrySet()) {
                    if (have == null || !e.getValue().equals(have.get(e.getKey()))) {
                        match = false;
                        break;
                    }
                }
                if (match) {
                    out.add(as(type, o));
                }
            }
            return out;
        }

        @Override
        public List<T> ownedBy(String ownerUid) {
            return informer.ownedBy(ownerUid).stream().map(o -> as(type, o)).toList();
        }

        @Override
        public boolean hasSynced() {
            return informer.hasSynced();
        }
    }
}
