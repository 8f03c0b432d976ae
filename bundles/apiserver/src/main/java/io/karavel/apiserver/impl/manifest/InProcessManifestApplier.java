package io.karavel.apiserver.impl.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.client.ManifestApplier;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.apiserver.impl.auth.Authorizer;
import io.karavel.apiserver.impl.auth.UserInfo;
import io.karavel.apiserver.impl.crd.CrdController;
import io.karavel.apiserver.impl.http.RequestInfo;
import io.karavel.apiserver.impl.patch.JsonMergePatch;
import io.karavel.apiserver.impl.patch.KubernetesPatchMeta;
import io.karavel.apiserver.impl.patch.StrategicMergePatch;
import io.karavel.apiserver.impl.registry.ResourceRegistry;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.Json;
import io.karavel.apiserver.impl.rest.ResourceService;
import io.karavel.apiserver.impl.rest.RestRequest;
import io.karavel.apiserver.impl.rest.RestResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ManifestApplier} over the in-process REST pipeline ({@link ResourceService}): every
 * object takes the path a kubectl request takes (decode, defaults, validation, admission, write
 * hooks), with kubectl's client-side apply semantics:
 *
 * <ul>
 *   <li>each object carries its configuration in the {@value #LAST_APPLIED} annotation;
 *   <li>an absent object is created; a present one gets the three-way strategic merge patch
 *       ({@link ThreeWayPatch}: last applied vs new vs live), or a JSON merge patch for kinds
 *       without strategic merge (custom resources); an empty patch is {@code unchanged} and
 *       writes nothing;
 *   <li>Namespaces go first, then CustomResourceDefinitions (each waited for until Established
 *       and served, at most the configured time), then the rest in manifest order.
 * </ul>
 *
 * <p>Atomic applies first dry-run every object; one failure and nothing is stored. Objects that
 * cannot be dry-run before the manifest's own Namespaces or CRDs exist are checked when applied,
 * and a failure there rolls back what was applied (created objects deleted, changed ones put back).
 * Thread-safe: it keeps no state between calls.
 */
public final class InProcessManifestApplier implements ManifestApplier {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessManifestApplier.class);

    /** Where kubectl (and this applier) keeps the last applied configuration. */
    public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    /** How long a CRD of the manifest may take to be Established before its custom resources fail. */
    public static final Duration DEFAULT_CRD_WAIT = Duration.ofSeconds(30);

    /** kubectl's annotation is Go's JSON of the configuration: keys sorted, a newline at the end. */
    private static final ObjectMapper SORTED_JSON = Json.MAPPER.copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private static final String SMP = "application/strategic-merge-patch+json";
    private static final String MERGE_PATCH = "application/merge-patch+json";
    private static final String CRD_API_VERSION_PREFIX = CrdController.GROUP + "/";

    private final ResourceService service;
    private final ResourceRegistry registry;
    private final Duration crdWait;
    private final StrategicMergePatch strategicMerge = new StrategicMergePatch(KubernetesPatchMeta.INSTANCE);
    private final ThreeWayPatch strategicDiff = new ThreeWayPatch(KubernetesPatchMeta.INSTANCE);
    private final ThreeWayPatch mergeDiff = new ThreeWayPatch(ThreeWayPatch.ATOMIC_LISTS);

    public InProcessManifestApplier(ResourceService service, ResourceRegistry registry) {
        this(service, registry, DEFAULT_CRD_WAIT);
    }

    /** @param crdWait how long a CRD of the manifest may take to be Established */
    public InProcessManifestApplier(ResourceService service, ResourceRegistry registry, Duration crdWait) {
        this.service = service;
        this.registry = registry;
        this.crdWait = crdWait;
    }

    /** As the Karaf shell's user (an administrator), with no authorization check. */
    @Override
    public Report apply(String manifest, Options options) {
        try {
            return apply(manifest, false, options, UserInfo.ADMIN, Authorizer.ALLOW_ALL);
        } catch (ManifestSyntaxException e) {
            return new Report(List.of(new Result(0, null, null, null, null, Outcome.FAILED, e.getMessage(), 400)));
        }
    }

    /**
     * Applies as {@code user}: every request this makes on an object is authorized like the
     * HTTP request it stands for; a refusal fails that object.
     *
     * @param json whether the sender said the manifest is JSON
     * @throws ManifestSyntaxException when the text is neither YAML nor JSON
     */
    public Report apply(String manifest, boolean json, Options options, UserInfo user, Authorizer authorizer) {
        List<ManifestParser.Entry> entries = ManifestParser.parse(manifest == null ? "" : manifest, json);
        Run run = new Run(options, user, authorizer, new ArrayList<>());
        for (int i = 0; i < entries.size(); i++) {
            run.items().add(Item.of(i, entries.get(i), options.defaultNamespace()));
        }
        List<Item> order = applyOrder(run.items());
        if (options.atomic()) {
            applyAtomically(run, order);
        } else {
            String unavailable = null;
            for (Item item : order) {
                if (item.result == null && unavailable != null) {
                    // the store refuses writes (no leader): each further object would wait for it to say so again
                    item.result = item.result(Outcome.FAILED, "not attempted: " + unavailable, 503);
                } else if (item.result == null) {
                    item.result = applyOne(run, item, options.dryRun());
                    if (item.result.outcome() == Outcome.FAILED && item.result.code() == 503) {
                        unavailable = item.result.message();
                    }
                }
            }
        }
        List<Result> results = new ArrayList<>();
        for (Item item : run.items()) {
            results.add(item.result);
        }
        return new Report(results);
    }

    // ---------------------------------------------------------------- order and atomicity

    /** Namespaces, then CRDs, then the rest; manifest order within each. */
    private static List<Item> applyOrder(List<Item> items) {
        List<Item> order = new ArrayList<>();
        items.stream().filter(Item::isNamespace).forEach(order::add);
        items.stream().filter(Item::isCrd).forEach(order::add);
        items.stream().filter(i -> !i.isNamespace() && !i.isCrd()).forEach(order::add);
        return order;
    }

    private void applyAtomically(Run run, List<Item> order) {
        boolean failed = run.items().stream().anyMatch(i -> i.result != null);
        for (Item item : order) {
            if (item.result == null) {
                Result checked = applyOne(run, item, true);
                if (checked.outcome() == Outcome.FAILED) {
                    item.result = checked;
                    failed = true;
                } else if (run.options().dryRun()) {
                    item.result = checked;
                }
            }
        }
        if (failed) {
            // nothing was stored: whatever did not fail was not attempted
            for (Item item : run.items()) {
                if (item.result == null || item.result.outcome() != Outcome.FAILED) {
                    item.result = item.skipped();
                }
            }
            return;
        }
        if (run.options().dryRun()) {
            return;
        }
        List<Item> applied = new ArrayList<>();
        for (Item item : order) {
            item.result = applyOne(run, item, false);
            if (item.result.outcome() == Outcome.FAILED) {
                rollBack(run, applied, item);
                for (Item rest : order) {
                    if (rest.result == null) {
                        rest.result = rest.skipped();
                    }
                }
                return;
            }
            applied.add(item);
        }
    }

    /** Undoes {@code applied} newest first, after {@code failed} failed. */
    private void rollBack(Run run, List<Item> applied, Item failed) {
        String why = "rolled back: " + failed.displayName() + " failed";
        for (int i = applied.size() - 1; i >= 0; i--) {
            Item item = applied.get(i);
            Outcome was = item.result.outcome();
            if (was != Outcome.CREATED && was != Outcome.CONFIGURED) {
                continue; // unchanged: nothing to undo
            }
            try {
                if (was == Outcome.CREATED) {
                    call(run, item.type, "delete", item.namespace, item.name, new byte[0], Map.of(), service::delete);
                } else {
                    ObjectNode previous = item.previous.deepCopy();
                    previous.with("metadata").remove("resourceVersion");
                    call(run, item.type, "update", item.namespace, item.name, Json.bytes(previous),
                            Map.of("fieldValidation", "Ignore", "fieldManager", run.options().fieldManager()), service::update);
                }
                item.result = item.result(Outcome.ROLLED_BACK, why, 0);
            } catch (ApiException e) {
                if (was == Outcome.CREATED && e.code() == 404) {
                    item.result = item.result(Outcome.ROLLED_BACK, why, 0); // gone already
                } else {
                    LOG.warn("could not roll back {}: {}", item.displayName(), e.getMessage());
                    item.result = item.result(was, "roll-back failed: " + e.getMessage(), 0);
                }
            } catch (RuntimeException e) {
                LOG.warn("could not roll back {}", item.displayName(), e);
                item.result = item.result(was, "roll-back failed: " + e, 0);
            }
        }
    }

    // ---------------------------------------------------------------- one object

    /** Applies (or dry-runs) one object; never throws for the object's own problems. */
    private Result applyOne(Run run, Item item, boolean dryRun) {
        try {
            Optional<ResourceType> type = resolve(run, item, dryRun);
            if (type.isEmpty()) {
                Optional<Item> crd = run.crdServing(item);
                if (dryRun && crd.isPresent()) {
                    // its CRD is in this manifest and does not exist yet: nothing to check it against
                    return item.result(Outcome.CREATED,
                            "not validated: its CustomResourceDefinition " + crd.get().name + " is created by this manifest", 0);
                }
                return item.result(Outcome.FAILED, "no matches for kind \"" + item.kind + "\" in version \"" + item.apiVersion + "\""
                        + (crd.isPresent() ? " (its CustomResourceDefinition " + crd.get().name + " is not established)"
                                : ": ensure CRDs are installed first"), 404);
            }
            item.type = type.get();
            item.namespace = item.type.namespaced() ? item.namespaceOrDefault : null;
            Result result = write(run, item, dryRun);
            if (!dryRun && item.isCrd() && result.outcome() != Outcome.FAILED) {
                awaitEstablished(run, item);
            }
            return result;
        } catch (ApiException e) {
            if (dryRun && e.code() == 404 && "namespaces".equals(e.detailKind()) && run.createsNamespace(e.detailName())) {
                return item.result(Outcome.CREATED,
                        "not validated: its namespace " + e.detailName() + " is created by this manifest", 0);
            }
            return item.result(Outcome.FAILED, e.getMessage(), e.code());
        } catch (StoreUnavailableException e) {
            return item.result(Outcome.FAILED, e.getMessage(), 503);
        } catch (StoreException e) {
            return item.result(Outcome.FAILED, "store failure: " + e.getMessage(), 500);
        } catch (RuntimeException e) {
            LOG.warn("applying {} failed", item.displayName(), e);
            return item.result(Outcome.FAILED, "an internal error occurred: " + e, 500);
        }
    }

    /** Create, three-way patch, or nothing. */
    private Result write(Run run, Item item, boolean dryRun) {
        ResourceType type = item.type;
        ObjectNode config = item.config.deepCopy();
        ObjectNode meta = config.with("metadata");
        if (type.namespaced()) {
            meta.put("namespace", item.namespace);
        } else {
            meta.remove("namespace");
        }
        // as kubectl's: the configuration always has annotations, if only {}, and never the
        // last-applied one (copied from a live object); byte-equal annotations are what let
        // kubectl apply and this endpoint take turns without spurious changes
        if (!(meta.get("annotations") instanceof ObjectNode)) {
            meta.putObject("annotations");
        }
        ((ObjectNode) meta.get("annotations")).remove(LAST_APPLIED);
        ObjectNode modified = config.deepCopy();
        modified.with("metadata").with("annotations").put(LAST_APPLIED, lastApplied(config));

        Map<String, String> writeQuery = new HashMap<>();
        writeQuery.put("fieldManager", run.options().fieldManager());
        writeQuery.put("fieldValidation", "Strict");
        if (dryRun) {
            writeQuery.put("dryRun", "All");
        }
        Optional<ObjectNode> live = get(run, item);
        if (live.isEmpty()) {
            call(run, type, "create", item.namespace, null, Json.bytes(modified), writeQuery, service::create);
            return item.result(Outcome.CREATED, null, 0);
        }
        ObjectNode current = live.get();
        boolean strategic = type.strategy().strategicMergePatch();
        ObjectNode patch = (strategic ? strategicDiff : mergeDiff).diff(lastAppliedOf(current), modified, current);
        if (patch.isEmpty() || ThreeWayPatch.sameTree(patched(strategic, current, patch), current)) {
            return item.result(Outcome.UNCHANGED, null, 0);
        }
        call(run, type, "patch", item.namespace, item.name, Json.bytes(patch), strategic ? SMP : MERGE_PATCH, writeQuery,
                service::patch);
        item.previous = current;
        return item.result(Outcome.CONFIGURED, null, 0);
    }

    /** The live object after the patch, computed here: a patch that would change nothing is not sent. */
    private ObjectNode patched(boolean strategic, ObjectNode current, ObjectNode patch) {
        try {
            JsonNode result = strategic ? strategicMerge.apply(current, patch) : JsonMergePatch.apply(current.deepCopy(), patch);
            return result instanceof ObjectNode o ? o : Json.object();
        } catch (IllegalArgumentException e) {
            return Json.object(); // the server will say what is wrong with it
        }
    }

    private Optional<ObjectNode> get(Run run, Item item) {
        try {
            JsonNode node = call(run, item.type, "get", item.namespace, item.name, new byte[0], Map.of(), service::get);
            return Optional.of((ObjectNode) node);
        } catch (ApiException e) {
            if (e.code() == 404 && e.detailKind() != null && e.detailKind().equals(item.type.plural())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    static String lastApplied(ObjectNode config) {
        try {
            return SORTED_JSON.writeValueAsString(Json.MAPPER.convertValue(config, Map.class)) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the configuration as JSON", e);
        }
    }

    /** The configuration last applied to {@code live}, or null when it has none (or an unreadable one). */
    private static ObjectNode lastAppliedOf(ObjectNode live) {
        String text = Json.text(live.path("metadata").path("annotations"), LAST_APPLIED);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(text) instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- types and CRDs

    private Optional<ResourceType> resolve(Run run, Item item, boolean dryRun) {
        Optional<ResourceType> type = find(item.apiVersion, item.kind);
        if (type.isEmpty() && !dryRun && run.crdServing(item).isPresent()) {
            // its CRD was applied a moment ago: this server serves it once its controller saw it
            long deadline = System.nanoTime() + crdWait.toNanos();
            while (type.isEmpty() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                type = find(item.apiVersion, item.kind);
            }
        }
        return type;
    }

    private Optional<ResourceType> find(String apiVersion, String kind) {
        for (ResourceType type : registry.all()) {
            if (type.apiVersion().equals(apiVersion) && type.kind().equals(kind)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /**
     * Waits (bounded) until the applied CRD is Established and this server serves its versions,
     * so that its custom resources further down the manifest can be applied.
     */
    private void awaitEstablished(Run run, Item crd) {
        long deadline = System.nanoTime() + crdWait.toNanos();
        while (true) {
            Optional<ObjectNode> live = get(run, crd);
            if (live.isPresent() && established(live.get()) && served(live.get())) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                LOG.warn("CustomResourceDefinition {} not established after {}", crd.name, crdWait);
                return; // its custom resources fail with "no matches for kind"
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static boolean established(ObjectNode crd) {
        for (JsonNode c : crd.path("status").path("conditions")) {
            if ("Established".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                return true;
            }
        }
        return false;
    }

    private boolean served(ObjectNode crd) {
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asText();
        String plural = spec.path("names").path("plural").asText();
        for (JsonNode v : spec.path("versions")) {
            if (v.path("served").asBoolean(false) && registry.find(group, v.path("name").asText(), plural).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- REST plumbing

    private JsonNode call(Run run, ResourceType type, String verb, String namespace, String name, byte[] body,
                          Map<String, String> query, Function<RestRequest, RestResponse> operation) {
        return call(run, type, verb, namespace, name, body, "application/json", query, operation);
    }

    /** One REST request, authorized for the caller as its HTTP twin would be. */
    private JsonNode call(Run run, ResourceType type, String verb, String namespace, String name, byte[] body,
                          String contentType, Map<String, String> query, Function<RestRequest, RestResponse> operation) {
        String ns = type.namespaced() ? namespace : null;
        RequestInfo info = new RequestInfo(true, path(type, ns, name), verb, type.group().isEmpty() ? "api" : "apis",
                type.group(), type.version(), ns, type.plural(), null, name);
        run.authorizer().authorize(run.user(), info);
        return operation.apply(new RestRequest(info, type, query, body, contentType, run.user())).body();
    }

    private static String path(ResourceType type, String namespace, String name) {
        StringBuilder path = new StringBuilder(type.group().isEmpty() ? "/api/" : "/apis/" + type.group() + "/");
        path.append(type.version());
        if (namespace != null) {
            path.append("/namespaces/").append(namespace);
        }
        path.append('/').append(type.plural());
        if (name != null) {
            path.append('/').append(name);
        }
        return path.toString();
    }

    // ---------------------------------------------------------------- state of one call

    /** One apply call: its options, caller, and objects in manifest order. */
    private record Run(Options options, UserInfo user, Authorizer authorizer, List<Item> items) {

        /** The CRD of this manifest that defines {@code item}'s kind, if any. */
        Optional<Item> crdServing(Item item) {
            int slash = item.apiVersion.indexOf('/');
            if (slash < 0) {
                return Optional.empty();
            }
            String group = item.apiVersion.substring(0, slash);
            String version = item.apiVersion.substring(slash + 1);
            for (Item crd : items) {
                if (!crd.isCrd() || crd.config == null) {
                    continue;
                }
                JsonNode spec = crd.config.path("spec");
                if (!group.equals(spec.path("group").asText()) || !item.kind.equals(spec.path("names").path("kind").asText())) {
                    continue;
                }
                for (JsonNode v : spec.path("versions")) {
                    if (version.equals(v.path("name").asText())) {
                        return Optional.of(crd);
                    }
                }
            }
            return Optional.empty();
        }

        boolean createsNamespace(String name) {
            return items.stream().anyMatch(i -> i.isNamespace() && name != null && name.equals(i.name));
        }
    }

    /** One object of the manifest and what became of it. */
    private static final class Item {
        final int index;
        final ObjectNode config;
        final String apiVersion;
        final String kind;
        final String name;
        final String namespaceOrDefault;
        /** Set once the kind is resolved. */
        ResourceType type;
        String namespace;
        /** The live object before this apply changed it (for a roll-back). */
        ObjectNode previous;
        Result result;

        private Item(int index, ObjectNode config, String apiVersion, String kind, String name, String namespaceOrDefault) {
            this.index = index;
            this.config = config;
            this.apiVersion = apiVersion;
            this.kind = kind;
            this.name = name;
            this.namespaceOrDefault = namespaceOrDefault;
            this.namespace = namespaceOrDefault;
        }

        /** The item, already failed when the document is not an applicable object. */
        static Item of(int index, ManifestParser.Entry entry, String defaultNamespace) {
            if (entry.object() == null) {
                Item item = new Item(index, null, null, null, null, null);
                item.result = item.result(Outcome.FAILED, entry.problem(), 400);
                return item;
            }
            ObjectNode object = entry.object();
            JsonNode meta = object.path("metadata");
            String namespace = Json.text(meta, "namespace");
            Item item = new Item(index, object, Json.text(object, "apiVersion"), Json.text(object, "kind"), Json.text(meta, "name"),
                    namespace == null || namespace.isEmpty() ? defaultNamespace : namespace);
            Set<String> missing = new LinkedHashSet<>();
            if (item.apiVersion == null || item.apiVersion.isEmpty()) {
                missing.add("apiVersion not set");
            }
            if (item.kind == null || item.kind.isEmpty()) {
                missing.add("kind not set");
            }
            if (!missing.isEmpty()) {
                item.result = item.result(Outcome.FAILED, "error validating data: " + missing, 400);
            } else if (item.name == null || item.name.isEmpty()) {
                String generateName = Json.text(meta, "generateName");
                item.result = item.result(Outcome.FAILED, generateName != null && !generateName.isEmpty()
                        ? "cannot use generate name with apply" : "resource name may not be empty", 400);
            } else if (!meta.isMissingNode() && !meta.isObject()) {
                item.result = item.result(Outcome.FAILED, "metadata must be an object", 400);
            }
            return item;
        }

        boolean isNamespace() {
            return "v1".equals(apiVersion) && "Namespace".equals(kind);
        }

        boolean isCrd() {
            return apiVersion != null && apiVersion.startsWith(CRD_API_VERSION_PREFIX) && "CustomResourceDefinition".equals(kind);
        }

        /** kubectl's name for it: {@code deployment.apps/web}, {@code service/web}. */
        String displayName() {
            return ManifestReports.displayName(index, apiVersion, kind, name);
        }

        Result result(Outcome outcome, String message, int code) {
            return new Result(index, apiVersion, kind, type == null || type.namespaced() ? namespace : null, name, outcome, message, code);
        }

        Result skipped() {
            return result(Outcome.SKIPPED, null, 0);
        }
    }
}
