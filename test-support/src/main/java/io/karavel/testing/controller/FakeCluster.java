package io.karavel.testing.controller;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.zjsonpatch.JsonPatch;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.client.PatchType;
import io.karavel.api.controller.Cache;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.InformerListener;
import io.karavel.api.controller.SharedInformers;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory API server and informer factory in one, for unit tests of reconcilers and
 * scheduler plugins (Kubernetes' fake clientset plus a fake informer factory).
 *
 * <p>As an {@link ObjectClient}: objects are kept by kind, namespace and name; {@code create}
 * assigns uid, creation timestamp, {@code resourceVersion} (one global counter), a name from
 * {@code generateName} and {@code generation} 1; {@code update} with a resource version is a
 * compare-and-swap, keeps the status (use {@code updateStatus}) and bumps {@code generation} when
 * anything but metadata and status changed; deletion honours finalizers by setting
 * {@code deletionTimestamp}, and an object whose last finalizer is removed is then deleted.
 * Failures are the {@link ApiStatusException}s the API server throws (404 NotFound, 409
 * AlreadyExists, 409 Conflict, 422 Invalid). Not modelled: admission, defaulting, validation
 * beyond names, garbage collection ({@code propagationPolicy} is ignored), graceful pod deletion;
 * a strategic merge patch is applied as a JSON merge patch (lists are replaced, not merged).
 *
 * <p>Every write is recorded as an {@link Action} ({@link #actions()}); {@link #failNext} makes
 * the next matching write fail. {@link #load} seeds objects without recording actions.
 *
 * <p>As {@link SharedInformers}: caches always reflect the current state, are always synced, and
 * listeners are called synchronously on the writing thread after each write. Cached objects (and
 * the objects listeners receive) are shared; never modify them. Objects returned by the
 * {@link ObjectClient} methods are fresh copies.
 *
 * <p>Custom kinds are stored as {@link GenericKubernetesResource}; their caches are not
 * available by class (several kinds share it). Thread-safe.
 */
public final class FakeCluster implements ObjectClient, SharedInformers {
    /** The API server's Jackson configuration, so objects round-trip as they would through the store. */
    public static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .registerModule(new JavaTimeModule());

    private static final List<String> ALL_VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    private final Object lock = new Object();
    /** Listener calls are serialized, so that every listener sees each kind's changes in order. */
    private final Object dispatchLock = new Object();

    private final MutableClock clock;
    private final Map<String, ApiResource> resources = new LinkedHashMap<>();
    private final Map<String, TreeMap<String, Stored>> objects = new HashMap<>();
    private final Map<Class<?>, List<InformerListener<HasMetadata>>> listeners = new HashMap<>();
    private final List<Action> actions = new ArrayList<>();
    private final Deque<Failure> failures = new ArrayDeque<>();
    private final List<RecordedEvent> events = new CopyOnWriteArrayList<>();
    private long revision;
    private long generatedNames;

    /** One object as stored: its JSON and its decoded form (shared with caches, never modified). */
    private record Stored(ApiResource resource, ObjectNode json, HasMetadata object) {}

    private record Failure(String verb, String kind, RuntimeException error) {}

    /** A change to deliver to listeners once the data lock is released. */
    private record Change(Class<?> modelClass, HasMetadata oldObject, HasMetadata newObject) {}

    public FakeCluster() {
        this(new MutableClock());
    }

    public FakeCluster(MutableClock clock) {
        this.clock = clock;
        register(core("Pod", "pods", true, Pod.class));
        register(new ApiResource("apps", "v1", "ReplicaSet", "replicasets", true, ALL_VERBS, ReplicaSet.class));
        register(new ApiResource("apps", "v1", "Deployment", "deployments", true, ALL_VERBS, Deployment.class));
        register(core("Node", "nodes", false, Node.class));
        register(core("Service", "services", true, Service.class));
        register(core("Namespace", "namespaces", false, Namespace.class));
        register(new ApiResource("coordination.k8s.io", "v1", "Lease", "leases", true, ALL_VERBS, Lease.class));
        register(core("ConfigMap", "configmaps", true, ConfigMap.class));
        register(core("Secret", "secrets", true, Secret.class));
        register(core("Event", "events", true, Event.class));
        register(core("Endpoints", "endpoints", true, Endpoints.class));
        register(new ApiResource(
                "discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, ALL_VERBS, EndpointSlice.class));
    }

    private static ApiResource core(String kind, String plural, boolean namespaced, Class<? extends HasMetadata> type) {
        return new ApiResource("", "v1", kind, plural, namespaced, ALL_VERBS, type);
    }

    /** Serves another resource (a custom one: model class {@link GenericKubernetesResource}). */
    public void register(ApiResource resource) {
        synchronized (lock) {
            resources.put(typeKey(resource.apiVersion(), resource.kind()), resource);
        }
    }

    /** Stops serving a resource; its objects are dropped without events. */
    public void unregister(ApiResource resource) {
        synchronized (lock) {
            String key = typeKey(resource.apiVersion(), resource.kind());
            resources.remove(key);
            objects.remove(key);
        }
    }

    public MutableClock clock() {
        return clock;
    }

    /** The last resource version assigned. */
    public long revision() {
        synchronized (lock) {
            return revision;
        }
    }

    // ---- test helpers ------------------------------------------------------------------------

    /**
     * Seeds objects as if they had been created earlier: metadata (uid, timestamps, status) is
     * kept where set and filled in where missing; no action is recorded; listeners are notified.
     */
    public void load(HasMetadata... seed) {
        for (HasMetadata object : seed) {
            ApiResource resource = resourceOf(object);
            ObjectNode json = JSON.valueToTree(object);
            List<Change> changes = new ArrayList<>();
            synchronized (lock) {
                prepareCreate(resource, json, true);
                Stored stored = put(resource, json);
                changes.add(new Change(resource.modelClass(), null, stored.object()));
            }
            dispatch(changes);
        }
    }

    /** Every write so far, oldest first. */
    public List<Action> actions() {
        synchronized (lock) {
            return List.copyOf(actions);
        }
    }

    /** The writes with this verb on this kind, oldest first. */
    public List<Action> actions(String verb, String kind) {
        return actions().stream().filter(a -> a.is(verb, kind)).toList();
    }

    public void clearActions() {
        synchronized (lock) {
            actions.clear();
        }
    }

    /**
     * Makes the next write with this verb on this kind fail with {@code error} (after being
     * recorded as an action), once.
     *
     * @param verb an {@link Action#verb()}, or null for any
     * @param kind a kind, or null for any
     */
    public void failNext(String verb, String kind, RuntimeException error) {
        synchronized (lock) {
            failures.add(new Failure(verb, kind, error));
        }
    }

    /** Every event recorded through any {@link #recorder}, oldest first. */
    public List<RecordedEvent> events() {
        return List.copyOf(events);
    }

    /** A reconcile context over this cluster for controller {@code test}, with fake expectations. */
    public FakeReconcileContext context() {
        return new FakeReconcileContext(this, "test", new FakeExpectations(clock));
    }

    /**
     * A reconcile context for a controller: its events are attributed to the spec's name, and
     * its expectations observe creations and deletions of the spec's owned kinds as the runtime
     * does (immediately, since this cluster's caches never lag).
     */
    public FakeReconcileContext context(ControllerSpec spec) {
        FakeReconcileContext context = new FakeReconcileContext(this, spec.name(), new FakeExpectations(clock));
        context.observeOwned(spec);
        return context;
    }

    /** A typed API error, as the API server builds them. */
    public static ApiStatusException error(int code, String reason, String message) {
        Status status = new StatusBuilder()
                .withStatus("Failure")
                .withCode(code)
                .withReason(reason)
                .withMessage(message)
                .build();
        return new ApiStatusException(status);
    }

    // ---- ObjectClient: discovery -------------------------------------------------------------

    @Override
    public List<ApiResource> resources() {
        synchronized (lock) {
            return List.copyOf(resources.values());
        }
    }

    @Override
    public Optional<ApiResource> resource(String apiVersion, String kind) {
        synchronized (lock) {
            return Optional.ofNullable(resources.get(typeKey(apiVersion, kind)));
        }
    }

    /** Model classes not registered yet are registered from their fabric8 annotations. */
    @Override
    public Optional<ApiResource> resource(Class<? extends HasMetadata> modelClass) {
        if (modelClass == GenericKubernetesResource.class) {
            return Optional.empty();
        }
        synchronized (lock) {
            for (ApiResource r : resources.values()) {
                if (r.modelClass() == modelClass) {
                    return Optional.of(r);
                }
            }
            ApiResource derived = new ApiResource(
                    HasMetadata.getGroup(modelClass),
                    HasMetadata.getVersion(modelClass),
                    HasMetadata.getKind(modelClass),
                    HasMetadata.getPlural(modelClass),
                    Namespaced.class.isAssignableFrom(modelClass),
                    ALL_VERBS,
                    modelClass);
            resources.put(typeKey(derived.apiVersion(), derived.kind()), derived);
            return Optional.of(derived);
        }
    }

    // ---- ObjectClient: reads -----------------------------------------------------------------

    @Override
    public <T extends HasMetadata> Optional<T> get(Class<T> kind, String namespace, String name) {
        ApiResource resource = served(kind);
        synchronized (lock) {
            Stored s = table(resource).get(nsName(resource, namespace, name));
            return s == null ? Optional.empty() : Optional.of(convert(s.json(), kind));
        }
    }

    @Override
    public <T extends HasMetadata> List<T> list(Class<T> kind, String namespace) {
        ApiResource resource = served(kind);
        synchronized (lock) {
            return select(resource, namespace).stream().map(s -> convert(s.json(), kind)).toList();
        }
    }

    @Override
    public List<GenericKubernetesResource> list(ApiResource resource, String namespace) {
        synchronized (lock) {
            return select(resource, namespace).stream()
                    .map(s -> convert(s.json(), GenericKubernetesResource.class))
                    .toList();
        }
    }

    @Override
    public Optional<GenericKubernetesResource> get(ApiResource resource, String namespace, String name) {
        synchronized (lock) {
            Stored s = table(resource).get(nsName(resource, namespace, name));
            return s == null ? Optional.empty() : Optional.of(convert(s.json(), GenericKubernetesResource.class));
        }
    }

    // ---- ObjectClient: writes ----------------------------------------------------------------

    @Override
    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> T create(T object) {
        ApiResource resource = resourceOf(object);
        ObjectNode json = JSON.valueToTree(object);
        Stored stored;
        List<Change> changes = new ArrayList<>();
        synchronized (lock) {
            Action action = record("create", resource, object, json);
            prepareCreate(resource, json, false);
            String name = json.path("metadata").path("name").asText(null);
            replace(action, name);
            stored = put(resource, json);
            changes.add(new Change(resource.modelClass(), null, stored.object()));
        }
        dispatch(changes);
        return (T) convert(stored.json(), object.getClass());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> T update(T object) {
        ApiResource resource = resourceOf(object);
        ObjectNode json = JSON.valueToTree(object);
        List<Change> changes = new ArrayList<>();
        Stored stored;
        synchronized (lock) {
            record("update", resource, object, json);
            Stored old = existing(resource, json);
            checkResourceVersion(old, json);
            ObjectNode next = json.deepCopy();
            keepSystemMetadata(old.json(), next);
            copyField(old.json(), next, "status");
            stored = write(old, next, changes);
        }
        dispatch(changes);
        return (T) convert(stored.json(), object.getClass());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> T updateStatus(T object) {
        ApiResource resource = resourceOf(object);
        ObjectNode json = JSON.valueToTree(object);
        List<Change> changes = new ArrayList<>();
        Stored stored;
        synchronized (lock) {
            record("updateStatus", resource, object, json);
            Stored old = existing(resource, json);
            checkResourceVersion(old, json);
            ObjectNode next = old.json().deepCopy();
            copyField(json, next, "status");
            stored = write(old, next, changes);
        }
        dispatch(changes);
        return (T) convert(stored.json(), object.getClass());
    }

    @Override
    public <T extends HasMetadata> T patch(Class<T> kind, String namespace, String name, PatchType type, String patch) {
        return convert(patch(served(kind), namespace, name, type, patch, false), kind);
    }

    @Override
    public <T extends HasMetadata> T patchStatus(
            Class<T> kind, String namespace, String name, PatchType type, String patch) {
        return convert(patch(served(kind), namespace, name, type, patch, true), kind);
    }

    @Override
    public GenericKubernetesResource patch(
            ApiResource resource, String namespace, String name, PatchType type, String patch) {
        return convert(patch(resource, namespace, name, type, patch, false), GenericKubernetesResource.class);
    }

    private ObjectNode patch(ApiResource resource, String namespace, String name, PatchType type, String patch,
            boolean status) {
        List<Change> changes = new ArrayList<>();
        Stored stored;
        synchronized (lock) {
            Action action = record(status ? "patchStatus" : "patch", resource, namespace, name, null);
            Stored old = table(resource).get(nsName(resource, namespace, name));
            if (old == null) {
                throw notFound(resource, name);
            }
            ObjectNode patched = applyPatch(old.json(), type, patch);
            checkResourceVersion(old, patched);
            ObjectNode next;
            if (status) {
                next = old.json().deepCopy();
                copyField(patched, next, "status");
            } else {
                next = patched;
                keepSystemMetadata(old.json(), next);
                copyField(old.json(), next, "status");
            }
            stored = write(old, next, changes);
            actions.set(actions.indexOf(action), new Action(
                    action.verb(), action.kind(), action.namespace(), action.name(), stored.object()));
        }
        dispatch(changes);
        return stored.json();
    }

    @Override
    public boolean delete(Class<? extends HasMetadata> kind, String namespace, String name, DeleteOptions options) {
        return delete(served(kind), namespace, name, options);
    }

    @Override
    public boolean delete(ApiResource resource, String namespace, String name, DeleteOptions options) {
        List<Change> changes = new ArrayList<>();
        synchronized (lock) {
            record("delete", resource, namespace, name, null);
            Stored old = table(resource).get(nsName(resource, namespace, name));
            if (old == null) {
                return false;
            }
            if (options != null && options.getPreconditions() != null) {
                String uid = options.getPreconditions().getUid();
                String rv = options.getPreconditions().getResourceVersion();
                if ((uid != null && !uid.equals(old.object().getMetadata().getUid()))
                        || (rv != null && !rv.equals(old.object().getMetadata().getResourceVersion()))) {
                    throw error(409, "Conflict", "Precondition failed: UID or ResourceVersion in precondition does not match");
                }
            }
            List<String> finalizers = old.object().getMetadata().getFinalizers();
            if (finalizers != null && !finalizers.isEmpty()) {
                if (old.object().getMetadata().getDeletionTimestamp() == null) {
                    ObjectNode next = old.json().deepCopy();
                    ObjectNode meta = metadata(next);
                    meta.put("deletionTimestamp", now());
                    meta.put("deletionGracePeriodSeconds", 0);
                    write(old, next, changes);
                }
            } else {
                remove(old, changes);
            }
        }
        dispatch(changes);
        return true;
    }

    /** Sets {@code spec.nodeName}; 409 when the pod is already bound to another node. */
    @Override
    public void bind(Binding binding) {
        ApiResource pods = served(Pod.class);
        String namespace = binding.getMetadata().getNamespace();
        String name = binding.getMetadata().getName();
        List<Change> changes = new ArrayList<>();
        synchronized (lock) {
            record("bind", pods, namespace, name, binding);
            Stored old = table(pods).get(nsName(pods, namespace, name));
            if (old == null) {
                throw notFound(pods, name);
            }
            String node = binding.getTarget().getName();
            String bound = old.json().path("spec").path("nodeName").asText("");
            if (!bound.isEmpty()) {
                throw error(409, "Conflict", "pod " + name + " is already assigned to node \"" + bound + "\"");
            }
            ObjectNode next = old.json().deepCopy();
            objectField(next, "spec").put("nodeName", node);
            write(old, next, changes);
        }
        dispatch(changes);
    }

    /** Replaces {@code spec.finalizers}; a terminating namespace left without any is removed. */
    @Override
    public Namespace finalizeNamespace(Namespace namespace) {
        ApiResource namespaces = served(Namespace.class);
        String name = namespace.getMetadata().getName();
        List<Change> changes = new ArrayList<>();
        Stored stored;
        synchronized (lock) {
            record("finalize", namespaces, null, name, namespace);
            Stored old = table(namespaces).get(name);
            if (old == null) {
                throw notFound(namespaces, name);
            }
            ObjectNode next = old.json().deepCopy();
            List<String> finalizers = namespace.getSpec() == null || namespace.getSpec().getFinalizers() == null
                    ? List.of()
                    : namespace.getSpec().getFinalizers();
            ArrayNode array = objectField(next, "spec").putArray("finalizers");
            finalizers.forEach(array::add);
            stored = write(old, next, changes);
        }
        dispatch(changes);
        return convert(stored.json(), Namespace.class);
    }

    // ---- SharedInformers ---------------------------------------------------------------------

    @Override
    public <T extends HasMetadata> Cache<T> of(Class<T> kind) {
        return new FakeCache<>(served(kind), kind);
    }

    @Override
    public Optional<HasMetadata> byUid(String uid) {
        synchronized (lock) {
            for (TreeMap<String, Stored> table : objects.values()) {
                for (Stored s : table.values()) {
                    if (uid.equals(s.object().getMetadata().getUid())) {
                        return Optional.of(s.object());
                    }
                }
            }
            return Optional.empty();
        }
    }

    @Override
    public List<HasMetadata> dependentsOf(String ownerUid) {
        List<HasMetadata> out = new ArrayList<>();
        synchronized (lock) {
            for (TreeMap<String, Stored> table : objects.values()) {
                for (Stored s : table.values()) {
                    if (ownedBy(s.object(), ownerUid)) {
                        out.add(s.object());
                    }
                }
            }
        }
        return out;
    }

    /** Existing objects are delivered as adds before this returns. */
    @Override
    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> AutoCloseable addListener(Class<T> kind, InformerListener<T> listener) {
        ApiResource resource = served(kind);
        InformerListener<HasMetadata> l = (InformerListener<HasMetadata>) listener;
        synchronized (dispatchLock) {
            List<HasMetadata> existing;
            synchronized (lock) {
                existing = select(resource, null).stream().map(Stored::object).toList();
                listeners.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(l);
            }
            existing.forEach(l::onAdd);
        }
        return () -> {
            synchronized (lock) {
                List<InformerListener<HasMetadata>> list = listeners.get(kind);
                if (list != null) {
                    list.remove(l);
                }
            }
        };
    }

    @Override
    public boolean awaitSynced(Class<? extends HasMetadata> kind, Duration timeout) {
        return true;
    }

    @Override
    public RecordingEventRecorder recorder(String component) {
        return new RecordingEventRecorder(component, events::add);
    }

    /** A view of the current objects of one kind. */
    private final class FakeCache<T extends HasMetadata> implements Cache<T> {
        private final ApiResource resource;
        private final Class<T> kind;

        FakeCache(ApiResource resource, Class<T> kind) {
            this.resource = resource;
            this.kind = kind;
        }

        @Override
        public Optional<T> get(String namespace, String name) {
            synchronized (lock) {
                Stored s = table(resource).get(nsName(resource, namespace, name));
                return s == null ? Optional.empty() : Optional.of(kind.cast(s.object()));
            }
        }

        @Override
        public List<T> list(String namespace) {
            return list(namespace, Map.of());
        }

        @Override
        public List<T> list(String namespace, Map<String, String> labels) {
            synchronized (lock) {
                List<T> out = new ArrayList<>();
                for (Stored s : select(resource, namespace)) {
                    Map<String, String> have = s.object().getMetadata().getLabels();
                    if (labels.entrySet().stream()
                            .allMatch(e -> have != null && e.getValue().equals(have.get(e.getKey())))) {
                        out.add(kind.cast(s.object()));
                    }
                }
                return out;
            }
        }

        @Override
        public List<T> ownedBy(String ownerUid) {
            synchronized (lock) {
                return table(resource).values().stream()
                        .filter(s -> FakeCluster.ownedBy(s.object(), ownerUid))
                        .map(s -> kind.cast(s.object()))
                        .toList();
            }
        }

        @Override
        public boolean hasSynced() {
            return true;
        }
    }

    // ---- internals ---------------------------------------------------------------------------

    private static String typeKey(String apiVersion, String kind) {
        return apiVersion + "/" + kind;
    }

    private ApiResource served(Class<? extends HasMetadata> kind) {
        return resource(kind).orElseThrow(() -> new IllegalArgumentException(
                kind.getName() + " has no single kind: use the ApiResource methods"));
    }

    private ApiResource resourceOf(HasMetadata object) {
        if (object instanceof GenericKubernetesResource) {
            return resource(object.getApiVersion(), object.getKind())
                    .orElseThrow(() -> error(404, "NotFound", "the server could not find the requested resource ("
                            + object.getApiVersion() + ", " + object.getKind() + ")"));
        }
        return served(object.getClass());
    }

    private TreeMap<String, Stored> table(ApiResource resource) {
        return objects.computeIfAbsent(typeKey(resource.apiVersion(), resource.kind()), k -> new TreeMap<>());
    }

    private String nsName(ApiResource resource, String namespace, String name) {
        return resource.namespaced() ? (namespace == null ? "default" : namespace) + "/" + name : name;
    }

    private List<Stored> select(ApiResource resource, String namespace) {
        TreeMap<String, Stored> table = table(resource);
        if (namespace == null || !resource.namespaced()) {
            return List.copyOf(table.values());
        }
        return List.copyOf(table.subMap(namespace + "/", namespace + "/\uffff").values());
    }

    private Action record(String verb, ApiResource resource, HasMetadata object, ObjectNode json) {
        JsonNode meta = json.path("metadata");
        String namespace = resource.namespaced() ? meta.path("namespace").asText("default") : null;
        return record(verb, resource, namespace, meta.path("name").asText(null), convert(json, object.getClass()));
    }

    /** Records the action, then throws an injected failure if one matches. */
    private Action record(String verb, ApiResource resource, String namespace, String name, HasMetadata object) {
        Action action = new Action(verb, resource.kind(), resource.namespaced() ? namespace : null, name, object);
        actions.add(action);
        for (Iterator<Failure> it = failures.iterator(); it.hasNext(); ) {
            Failure f = it.next();
            if ((f.verb() == null || f.verb().equals(verb)) && (f.kind() == null || f.kind().equals(resource.kind()))) {
                it.remove();
                throw f.error();
            }
        }
        return action;
    }

    /** A create's action learns the name generated for it. */
    private void replace(Action action, String name) {
        if (!Objects.equals(action.name(), name)) {
            actions.set(actions.lastIndexOf(action),
                    new Action(action.verb(), action.kind(), action.namespace(), name, action.object()));
        }
    }

    /** Fills in what the API server assigns on create; {@code keep} keeps values the seed already has. */
    private void prepareCreate(ApiResource resource, ObjectNode json, boolean keep) {
        ObjectNode meta = metadata(json);
        json.put("apiVersion", resource.apiVersion());
        json.put("kind", resource.kind());
        String name = meta.path("name").asText("");
        if (name.isEmpty()) {
            String generate = meta.path("generateName").asText("");
            if (generate.isEmpty()) {
                throw error(422, "Invalid", resource.kind() + " is invalid: metadata.name: Required value: name or generateName is required");
            }
            name = generate + suffix(++generatedNames);
            meta.put("name", name);
        }
        if (resource.namespaced()) {
            if (meta.path("namespace").asText("").isEmpty()) {
                meta.put("namespace", "default");
            }
        } else {
            meta.remove("namespace");
        }
        String key = nsName(resource, meta.path("namespace").asText(null), name);
        if (table(resource).containsKey(key)) {
            throw error(409, "AlreadyExists", resource.plural() + " \"" + name + "\" already exists");
        }
        if (!keep || !meta.hasNonNull("uid")) {
            meta.put("uid", UUID.randomUUID().toString());
        }
        if (!keep || !meta.hasNonNull("creationTimestamp")) {
            meta.put("creationTimestamp", now());
        }
        if (!keep || !meta.hasNonNull("generation")) {
            meta.put("generation", 1);
        }
        if (!keep) {
            meta.remove("deletionTimestamp");
            meta.remove("deletionGracePeriodSeconds");
        }
    }

    /** Deterministic five-character suffixes, like the API server's random ones in shape. */
    private static String suffix(long n) {
        String s = Long.toString(n, 36);
        return "0".repeat(Math.max(0, 5 - s.length())) + s;
    }

    private Stored put(ApiResource resource, ObjectNode json) {
        metadata(json).put("resourceVersion", Long.toString(++revision));
        Stored stored = new Stored(resource, json, convert(json, resource.modelClass()));
        String key = nsName(resource, json.path("metadata").path("namespace").asText(null),
                json.path("metadata").path("name").asText());
        table(resource).put(key, stored);
        return stored;
    }

    private Stored existing(ApiResource resource, ObjectNode json) {
        JsonNode meta = json.path("metadata");
        String name = meta.path("name").asText("");
        Stored old = table(resource).get(nsName(resource, meta.path("namespace").asText(null), name));
        if (old == null) {
            throw notFound(resource, name);
        }
        return old;
    }

    private static void checkResourceVersion(Stored old, ObjectNode json) {
        String rv = json.path("metadata").path("resourceVersion").asText("");
        if (!rv.isEmpty() && !rv.equals(old.object().getMetadata().getResourceVersion())) {
            throw error(409, "Conflict", "Operation cannot be fulfilled on " + old.resource().plural() + " \""
                    + old.object().getMetadata().getName() + "\": the object has been modified; please apply your"
                    + " changes to the latest version and try again");
        }
    }

    /** Fields only the API server sets survive an update that omits or changes them. */
    private static void keepSystemMetadata(ObjectNode old, ObjectNode next) {
        ObjectNode from = metadata(old);
        ObjectNode to = metadata(next);
        for (String field : List.of("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                "generation", "namespace", "name")) {
            if (from.has(field)) {
                to.set(field, from.get(field));
            } else {
                to.remove(field);
            }
        }
        next.set("apiVersion", old.get("apiVersion"));
        next.set("kind", old.get("kind"));
    }

    /** Stores {@code next} as the new state of {@code old}: generation, resource version, finalization. */
    private Stored write(Stored old, ObjectNode next, List<Change> changes) {
        if (!withoutMetadataAndStatus(old.json()).equals(withoutMetadataAndStatus(next))) {
            metadata(next).put("generation", old.json().path("metadata").path("generation").asLong(1) + 1);
        }
        Stored stored = put(old.resource(), next);
        changes.add(new Change(old.resource().modelClass(), old.object(), stored.object()));
        HasMetadata object = stored.object();
        List<String> finalizers = object.getMetadata().getFinalizers();
        boolean namespaceFinalizing = object instanceof Namespace ns
                && ns.getSpec() != null && ns.getSpec().getFinalizers() != null && !ns.getSpec().getFinalizers().isEmpty();
        if (object.getMetadata().getDeletionTimestamp() != null
                && (finalizers == null || finalizers.isEmpty()) && !namespaceFinalizing) {
            remove(stored, changes);
        }
        return stored;
    }

    private void remove(Stored old, List<Change> changes) {
        table(old.resource()).remove(nsName(old.resource(), old.object().getMetadata().getNamespace(),
                old.object().getMetadata().getName()));
        changes.add(new Change(old.resource().modelClass(), old.object(), null));
    }

    private static ObjectNode withoutMetadataAndStatus(ObjectNode json) {
        ObjectNode copy = json.deepCopy();
        copy.remove("metadata");
        copy.remove("status");
        return copy;
    }

    private static ObjectNode applyPatch(ObjectNode target, PatchType type, String patch) {
        try {
            JsonNode patchNode = JSON.readTree(patch);
            JsonNode result = type == PatchType.JSON
                    ? JsonPatch.apply(patchNode, target.deepCopy())
                    : mergePatch(target, patchNode);
            if (!(result instanceof ObjectNode object)) {
                throw error(422, "Invalid", "the patch did not produce an object");
            }
            return object;
        } catch (ApiStatusException e) {
            throw e;
        } catch (Exception e) {
            throw error(422, "Invalid", "the patch could not be applied: " + e.getMessage());
        }
    }

    /** RFC 7386. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JSON.createObjectNode();
        patch.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
            }
        });
        return result;
    }

    private static void copyField(ObjectNode from, ObjectNode to, String field) {
        if (from.has(field)) {
            to.set(field, from.get(field).deepCopy());
        } else {
            to.remove(field);
        }
    }

    private static ObjectNode metadata(ObjectNode json) {
        return objectField(json, "metadata");
    }

    private static ObjectNode objectField(ObjectNode json, String field) {
        JsonNode node = json.get(field);
        return node instanceof ObjectNode o ? o : json.putObject(field);
    }

    private String now() {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    }

    private static ApiStatusException notFound(ApiResource resource, String name) {
        return error(404, "NotFound", resource.plural() + " \"" + name + "\" not found");
    }

    static boolean ownedBy(HasMetadata object, String ownerUid) {
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        return refs != null && refs.stream().anyMatch(r -> ownerUid.equals(r.getUid()));
    }

    private static <T> T convert(JsonNode json, Class<T> type) {
        try {
            return JSON.treeToValue(json, type);
        } catch (Exception e) {
            throw new IllegalStateException("cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Calls listeners outside the data lock, so they may read caches or write back. */
    private void dispatch(List<Change> changes) {
        if (changes.isEmpty()) {
            return;
        }
        synchronized (dispatchLock) {
            for (Change c : changes) {
                List<InformerListener<HasMetadata>> targets;
                synchronized (lock) {
                    List<InformerListener<HasMetadata>> l = listeners.get(c.modelClass());
                    targets = l == null ? List.of() : List.copyOf(l);
                }
                for (InformerListener<HasMetadata> l : targets) {
                    if (c.oldObject() == null) {
                        l.onAdd(c.newObject());
                    } else if (c.newObject() == null) {
                        l.onDelete(c.oldObject());
                    } else {
                        l.onUpdate(c.oldObject(), c.newObject());
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "FakeCluster" + resources().stream().map(ApiResource::kind).toList();
    }
}
