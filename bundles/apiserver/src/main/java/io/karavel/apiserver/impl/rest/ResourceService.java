package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import io.karavel.api.store.ConflictException;
import io.karavel.api.store.KeyExistsException;
import io.karavel.api.store.KeyNotFoundException;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.StoreKeys;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.apiserver.impl.admission.AdmissionChain;
import io.karavel.apiserver.impl.admission.AdmissionRequest;
import io.karavel.apiserver.impl.admission.AdmissionRequest.Operation;
import io.karavel.apiserver.impl.patch.FieldSets;
import io.karavel.apiserver.impl.patch.JsonMergePatch;
import io.karavel.apiserver.impl.patch.KubernetesPatchMeta;
import io.karavel.apiserver.impl.patch.StrategicMergePatch;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.selector.FieldSelector;
import io.karavel.apiserver.impl.selector.LabelSelector;
import io.karavel.apiserver.impl.strategy.FieldErrors;
import io.karavel.apiserver.impl.strategy.Names;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The REST semantics shared by every kind: get, list, create, update, patch, delete over the
 * store, with the request pipeline decode → default → validate → admit → store. Kind-specific
 * rules come from each {@link ResourceType}'s strategy; HTTP concerns stay in the http package.
 *
 * <p>Objects are stored as JSON under {@link StoreKeys} keys, without
 * {@code metadata.resourceVersion}: the key's mod revision is the resourceVersion, set when an
 * object is served.
 */
public final class ResourceService {
    /** Unconditional updates and patches retry a lost compare-and-swap race this many times. */
    private static final int MAX_RETRIES = 8;

    private static final String APPLY_PATCH = "application/apply-patch+yaml";
    /** Reads server-side apply bodies. */
    private static final com.fasterxml.jackson.databind.ObjectMapper YAML =
            new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();

    private static final String NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final Store store;
    private final AdmissionChain admission;
    private final ObjectDecoder decoder = new ObjectDecoder();
    private final StrategicMergePatch strategicMerge = new StrategicMergePatch(KubernetesPatchMeta.INSTANCE);
    private final FieldSets fieldSets = new FieldSets(KubernetesPatchMeta.INSTANCE);
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final DecodedChanges decodedChanges = new DecodedChanges();
    private final WriteHooks hooks;

    public ResourceService(Store store, AdmissionChain admission, Clock clock) {
        this(store, admission, clock, WriteHooks.NONE);
    }

    /** @param hooks side effects of writes (e.g. Service IP allocation), called for every kind */
    public ResourceService(Store store, AdmissionChain admission, Clock clock, WriteHooks hooks) {
        this.store = store;
        this.admission = admission;
        this.clock = clock;
        this.hooks = hooks;
    }

    public Store store() {
        return store;
    }

    /** Store changes parsed once for all of this server's watch streams. */
    public DecodedChanges decodedChanges() {
        return decodedChanges;
    }

    // ---------------------------------------------------------------- reads

    public RestResponse get(RestRequest req) {
        KeyValue kv = load(req.type(), req.info().namespace(), req.info().name());
        return RestResponse.ok(served(req.type(), kv));
    }

    public RestResponse list(RestRequest req) {
        ResourceType type = req.type();
        LabelSelector labels = labelSelector(req);
        FieldSelector fields = fieldSelector(req);
        int limit = parseLimit(req.param("limit"));
        String prefix = listPrefix(type, req.info().namespace());
        String startAfter = null;
        if (req.param("continue") != null && !req.param("continue").isEmpty()) {
            startAfter = decodeContinue(req.param("continue"), prefix);
        }

        ArrayNode items = Json.MAPPER.createArrayNode();
        long revision = -1;
        boolean more = false;
        String lastKey = null;
        // Filtering happens after the store's limit, so fetch pages until the page is full.
        while (true) {
            int want = limit <= 0 ? 0 : limit - items.size();
            ListResult page = store.list(prefix, startAfter, want);
            if (revision < 0) {
                revision = page.revision();
            }
            for (KeyValue kv : page.items()) {
                lastKey = kv.key();
                ObjectNode object = served(type, kv);
                if (matches(object, labels, fields)) {
                    items.add(object);
                }
            }
            if (!page.more()) {
                more = false;
                break;
            }
            startAfter = lastKey;
            if (limit > 0 && items.size() >= limit) {
                more = true;
                break;
            }
        }

        ObjectNode list = Json.object();
        list.put("kind", type.listKind());
        list.put("apiVersion", type.apiVersion());
        ObjectNode meta = list.putObject("metadata");
        meta.put("resourceVersion", Long.toString(revision));
        if (more) {
            meta.put("continue", encodeContinue(lastKey, revision));
        }
        list.set("items", items);
        return RestResponse.ok(list);
    }

    // ---------------------------------------------------------------- writes

    /** The API error for a write the store refused: the object is gone (404) or the store is (503). */
    private static ApiException writeFailed(ResourceType type, String name, StoreException e) {
        return e instanceof KeyNotFoundException
                ? ApiException.notFound(type.qualifiedResource(), type.group(), name)
                : ApiException.unavailable(e.getMessage());
    }

    public RestResponse create(RestRequest req) {
        return create(req, ObjectDecoder.parseJsonBody(req.body(), req.contentType()));
    }

    /** Creates {@code node} (a POST body, or the configuration of a server-side apply). */
    private RestResponse create(RestRequest req, ObjectNode node) {
        boolean dryRun = DryRun.of(req, null, "CreateOptions");
        ResourceType type = req.type();
        FieldValidation validation = FieldValidation.parse(req.param("fieldValidation"));
        if (type.strategy().resetStatusOnCreate()) {
            node.remove("status");
        }
        ObjectDecoder.Decoded decoded = decoder.decode(node, type, validation);
        HasMetadata object = decoded.object();
        ObjectMeta meta = metadataOf(object);

        String namespace = resolveNamespace(type, meta, req.info().namespace());
        if ((meta.getName() == null || meta.getName().isEmpty())
                && meta.getGenerateName() != null
                && !meta.getGenerateName().isEmpty()) {
            meta.setName(meta.getGenerateName() + randomSuffix());
        }
        meta.setUid(UUID.randomUUID().toString());
        meta.setCreationTimestamp(now());
        meta.setResourceVersion(null);
        meta.setDeletionTimestamp(null);
        meta.setDeletionGracePeriodSeconds(null);
        meta.setSelfLink(null);
        meta.setGeneration(type.strategy().hasSpec() ? 1L : null);

        type.strategy().applyDefaults(object);
        type.strategy().prepareForCreate(object);
        validate(type, object, null);
        if (namespace != null) {
            requireNamespace(namespace, type, meta.getName());
        }
        admission.admit(new AdmissionRequest(Operation.CREATE, type, req.info(), req.user(), object, null));

        String key = StoreKeys.key(type.group(), type.plural(), namespace, meta.getName());
        if (dryRun) {
            // as Kubernetes: the name must be free, the answer has no resourceVersion
            if (store.get(key).isPresent()) {
                throw ApiException.alreadyExists(type.qualifiedResource(), type.group(), meta.getName());
            }
            hooks.beginCreate(type, object, true).abort();
            return new RestResponse(201, Json.MAPPER.valueToTree(object), decoded.warnings());
        }
        WriteHooks.Pending pending = hooks.beginCreate(type, object, false);
        KeyValue kv = null;
        try {
            kv = store.create(key, storageBytes(object));
        } catch (KeyExistsException e) {
            throw ApiException.alreadyExists(type.qualifiedResource(), type.group(), meta.getName());
        } catch (StoreUnavailableException e) {
            throw ApiException.unavailable(e.getMessage());
        } finally {
            finish(pending, kv != null);
        }
        return new RestResponse(201, served(kv), decoded.warnings());
    }

    /** PUT on the main resource or on {@code /status}. */
    public RestResponse update(RestRequest req) {
        ResourceType type = req.type();
        FieldValidation validation = FieldValidation.parse(req.param("fieldValidation"));
        ObjectNode body = ObjectDecoder.parseJsonBody(req.body(), req.contentType());
        String requestedVersion = Json.text(body.path("metadata"), "resourceVersion");
        long precondition = parseResourceVersion(requestedVersion);
        return writeWithRetry(req, precondition, validation, old -> body.deepCopy());
    }

    /** PATCH with any of the supported patch types, on the main resource or {@code /status}. */
    public RestResponse patch(RestRequest req) {
        FieldValidation validation = FieldValidation.parse(req.param("fieldValidation"));
        String mediaType = patchMediaType(req);
        if (mediaType.equals("application/strategic-merge-patch+json") && !req.type().strategy().strategicMergePatch()) {
            throw new ApiException(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include:"
                            + " application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }
        if (mediaType.equals(APPLY_PATCH)) {
            return apply(req, validation);
        }
        JsonNode patch = parsePatch(req);
        return writeWithRetry(req, -1, validation, old -> applyPatch(mediaType, old, patch));
    }

    /** The patch type from the Content-Type; 415 for unsupported ones. */
    private static String patchMediaType(RestRequest req) {
        String mediaType = req.contentType() == null
                ? "" : req.contentType().split(";")[0].trim().toLowerCase(Locale.ROOT);
        switch (mediaType) {
            case "application/strategic-merge-patch+json", "application/merge-patch+json", "application/json-patch+json",
                    APPLY_PATCH:
                return mediaType;
            default:
                throw new ApiException(415, "UnsupportedMediaType",
                        "the body of the request was in an unknown format - accepted media types include:"
                                + " application/json-patch+json, application/merge-patch+json,"
                                + " application/apply-patch+yaml, application/strategic-merge-patch+json"
                                + " (got " + req.contentType() + ")");
        }
    }

    // ---------------------------------------------------------------- server-side apply

    /**
     * Server-side apply: the body (YAML or JSON) is the manager's configuration of the object.
     * Absent, the object is created from it (201); present, the configuration is merged into it
     * with strategic-merge semantics (lists with merge keys merge by key, so a container the
     * configuration does not name stays). Either way the object takes the usual
     * default → validate → admit → store path. {@code metadata.managedFields} records each
     * manager's latest applied field set, but ownership is not enforced yet: no conflicts
     * ({@code force} is accepted and changes nothing), and fields a manager stops applying stay.
     */
    private RestResponse apply(RestRequest req, FieldValidation validation) {
        String manager = applyManager(req);
        ResourceType type = req.type();
        ObjectNode config = parseApplyConfiguration(req.body());
        String name = Json.text(config.path("metadata"), "name");
        if (name != null && !name.equals(req.info().name())) {
            throw ApiException.badRequest(
                    "the name of the object (" + name + ") does not match the name on the URL (" + req.info().name() + ")");
        }
        for (int attempt = 0; ; attempt++) {
            String key = StoreKeys.key(type.group(), type.plural(), type.namespaced() ? req.info().namespace() : null,
                    req.info().name());
            if (store.get(key).isEmpty() && !"status".equals(req.info().subresource())) {
                ObjectNode created = config.deepCopy();
                ((ObjectNode) created.with("metadata")).put("name", req.info().name());
                recordApply(created, manager, type, config, false);
                try {
                    return create(req, created);
                } catch (ApiException e) {
                    if (e.code() != 409 || attempt >= MAX_RETRIES) {
                        throw e;
                    }
                    continue; // created meanwhile: merge into it
                }
            }
            return writeWithRetry(req, -1, validation, old -> {
                ObjectNode merged = applyPatch("application/strategic-merge-patch+json", old, config);
                recordApply(merged, manager, type, config, "status".equals(req.info().subresource()));
                return merged;
            });
        }
    }

    /** The field manager of an apply request (required); checks {@code force}. */
    private static String applyManager(RestRequest req) {
        String manager = req.param("fieldManager");
        if (manager == null || manager.isEmpty()) {
            throw ApiException.badRequest("PATCH " + req.info().path() + ": fieldManager is required for apply requests");
        }
        String force = req.param("force");
        if (force != null && !force.isEmpty() && !force.equals("true") && !force.equals("false")) {
            throw ApiException.badRequest("invalid force: " + force);
        }
        return manager;
    }

    /** The apply body: YAML (JSON is YAML too), one object. */
    private static ObjectNode parseApplyConfiguration(byte[] body) {
        if (body.length == 0) {
            throw ApiException.badRequest("the request body is empty");
        }
        JsonNode node;
        try {
            node = YAML.readTree(body);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("error decoding YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("the body of an apply request must be an object");
        }
        // YAML scalars arrive as text, numbers or booleans as written: same tree as the JSON form
        return Json.MAPPER.convertValue(object, ObjectNode.class);
    }

    /**
     * Records in {@code metadata.managedFields} that {@code manager} applied {@code config}: one
     * {@code Apply} entry per manager, whose field set is that of its latest configuration.
     */
    private void recordApply(ObjectNode object, String manager, ResourceType type, ObjectNode config, boolean statusApply) {
        ObjectNode meta = object.with("metadata");
        ArrayNode entries = Json.MAPPER.createArrayNode();
        if (meta.get("managedFields") instanceof ArrayNode existing) {
            for (JsonNode e : existing) {
                if (!(manager.equals(Json.text(e, "manager")) && "Apply".equals(Json.text(e, "operation")))) {
                    entries.add(e);
                }
            }
        }
        ObjectNode entry = entries.addObject();
        entry.put("manager", manager);
        entry.put("operation", "Apply");
        entry.put("apiVersion", type.apiVersion());
        entry.put("time", now());
        entry.put("fieldsType", "FieldsV1");
        entry.set("fieldsV1", fieldSets.of(config, statusApply));
        meta.set("managedFields", entries);
    }

    private static JsonNode parsePatch(RestRequest req) {
        try {
            JsonNode patch = Json.MAPPER.readTree(req.body());
            if (patch == null || patch.isMissingNode()) {
                throw ApiException.badRequest("the patch is empty");
            }
            return patch;
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("the body of the request is not valid JSON: " + e.getMessage());
        }
    }

    private ObjectNode applyPatch(String mediaType, ObjectNode old, JsonNode patch) {
        try {
            return switch (mediaType) {
                case "application/strategic-merge-patch+json" -> strategicMerge.apply(old, patch);
                case "application/merge-patch+json" -> asObject(JsonMergePatch.apply(old, patch));
                default -> asObject(JsonPatch.apply(patch, old));
            };
        } catch (IllegalArgumentException | JsonPatchException e) {
            throw new ApiException(422, "Invalid", "the patch could not be applied: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- pods/binding

    /**
     * POST {@code pods/<name>/binding}: binds the pod to the Binding's target node once
     * ({@code spec.nodeName}, condition {@code PodScheduled=True}, the Binding's annotations) and
     * answers a {@code Status} Success with code 201, as Kubernetes' scheduler expects. A pod
     * already bound, or being deleted, is a 409.
     */
    public RestResponse bind(RestRequest req) {
        boolean dryRun = DryRun.of(req, null, "CreateOptions");
        ResourceType type = req.type();
        String namespace = req.info().namespace();
        String name = req.info().name();
        ObjectNode binding = ObjectDecoder.parseJsonBody(req.body(), req.contentType());
        String kind = Json.text(binding, "kind");
        if (kind != null && !kind.isEmpty() && !kind.equals("Binding")) {
            throw ApiException.badRequest("not a Binding object: kind " + kind);
        }
        JsonNode bindingMeta = binding.path("metadata");
        if (!name.equals(Json.text(bindingMeta, "name"))) {
            throw ApiException.badRequest("name in URL does not match name in Binding object");
        }
        String targetKind = Json.text(binding.path("target"), "kind");
        String node = Json.text(binding.path("target"), "name");
        FieldErrors errors = new FieldErrors();
        if (targetKind != null && !targetKind.isEmpty() && !targetKind.equals("Node")) {
            errors.notSupported("target.kind", targetKind, List.of("Node", "<empty>"));
        }
        if (node == null || node.isEmpty()) {
            errors.required("target.name");
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid("Binding", "", "Binding", name, errors.causes());
        }
        io.fabric8.kubernetes.api.model.Binding decodedBinding =
                Json.MAPPER.convertValue(binding, io.fabric8.kubernetes.api.model.Binding.class);
        admission.admit(new AdmissionRequest(Operation.CREATE, type, req.info(), req.user(), decodedBinding, null));

        String bindingResource = type.plural() + "/binding";
        for (int attempt = 0; ; attempt++) {
            KeyValue current = load(type, namespace, name);
            ObjectNode pod = served(current);
            ObjectNode meta = (ObjectNode) pod.path("metadata");
            String uid = Json.text(bindingMeta, "uid");
            if (uid != null && !uid.isEmpty() && !uid.equals(Json.text(meta, "uid"))) {
                throw ApiException.conflict(bindingResource, "", name,
                        "Precondition failed: UID in precondition: " + uid + ", UID in object meta: " + Json.text(meta, "uid"));
            }
            String rv = Json.text(bindingMeta, "resourceVersion");
            if (rv != null && !rv.isEmpty() && !rv.equals(Long.toString(current.modRevision()))) {
                throw ApiException.conflict(bindingResource, "", name,
                        "Precondition failed: ResourceVersion in precondition: " + rv
                                + ", ResourceVersion in object meta: " + current.modRevision());
            }
            if (meta.hasNonNull("deletionTimestamp")) {
                throw ApiException.conflict(bindingResource, "", name,
                        "pod " + name + " is being deleted, cannot be assigned to a host");
            }
            String bound = Json.text(pod.path("spec"), "nodeName");
            if (bound != null && !bound.isEmpty()) {
                throw ApiException.conflict(bindingResource, "", name,
                        "pod " + name + " is already assigned to node \"" + bound + "\"");
            }
            pod.with("spec").put("nodeName", node);
            bindingMeta.path("annotations").fields().forEachRemaining(e -> meta.with("annotations").set(e.getKey(), e.getValue()));
            ObjectNode status = pod.with("status");
            ArrayNode conditions = status.withArray("conditions");
            ObjectNode scheduled = null;
            for (JsonNode c : conditions) {
                if ("PodScheduled".equals(c.path("type").asText())) {
                    scheduled = (ObjectNode) c;
                }
            }
            if (scheduled == null) {
                scheduled = conditions.addObject().put("type", "PodScheduled");
            }
            scheduled.put("status", "True");
            scheduled.put("lastProbeTime", (String) null);
            scheduled.put("lastTransitionTime", now());
            scheduled.remove(List.of("reason", "message"));
            meta.remove("resourceVersion");
            ObjectNode success = Json.object();
            success.put("kind", "Status");
            success.put("apiVersion", "v1");
            success.putObject("metadata");
            success.put("status", "Success");
            success.put("code", 201);
            if (dryRun) {
                return new RestResponse(201, success, List.of());
            }
            try {
                store.update(current.key(), Json.bytes(pod), current.modRevision());
                return new RestResponse(201, success, List.of());
            } catch (ConflictException e) {
                if (attempt >= MAX_RETRIES) {
                    throw ApiException.modified(bindingResource, "", name);
                }
            } catch (KeyNotFoundException | StoreUnavailableException e) {
                throw writeFailed(type, name, e);
            }
        }
    }

    // ---------------------------------------------------------------- scale subresource

    /** GET {@code /scale}: the object's replicas as an {@code autoscaling/v1 Scale}. */
    public RestResponse getScale(RestRequest req) {
        return RestResponse.ok(Scales.toScale(req.type().strategy().scalePaths(),
                served(load(req.type(), req.info().namespace(), req.info().name()))));
    }

    /** PUT {@code /scale}: sets {@code spec.replicas}; a stale Scale resourceVersion is a 409. */
    public RestResponse updateScale(RestRequest req) {
        ObjectNode scale = ObjectDecoder.parseJsonBody(req.body(), req.contentType());
        long precondition = parseResourceVersion(Json.text(scale.path("metadata"), "resourceVersion"));
        int replicas = Scales.replicas(scale);
        Scales.Paths paths = req.type().strategy().scalePaths();
        RestResponse r = writeWithRetry(req, precondition, FieldValidation.IGNORE, old -> Scales.withReplicas(paths, old, replicas));
        return new RestResponse(r.code(), Scales.toScale(paths, (ObjectNode) r.body()), r.warnings());
    }

    /** PATCH {@code /scale} (kubectl scale sends a merge patch): the patch applies to the Scale. */
    public RestResponse patchScale(RestRequest req) {
        String mediaType = patchMediaType(req);
        JsonNode patch;
        if (mediaType.equals(APPLY_PATCH)) {
            // applying a Scale: its configuration merges into the served Scale
            applyManager(req);
            patch = parseApplyConfiguration(req.body());
            mediaType = "application/merge-patch+json";
        } else {
            patch = parsePatch(req);
        }
        String scalePatchType = mediaType.equals("application/strategic-merge-patch+json")
                ? "application/merge-patch+json" : mediaType;
        Scales.Paths paths = req.type().strategy().scalePaths();
        RestResponse r = writeWithRetry(req, -1, FieldValidation.IGNORE, old -> {
            ObjectNode patched = applyPatch(scalePatchType, Scales.toScale(paths, old), patch);
            ObjectNode updated = Scales.withReplicas(paths, old, Scales.replicas(patched));
            String rv = Json.text(patched.path("metadata"), "resourceVersion");
            if (rv != null) {
                ((ObjectNode) updated.path("metadata")).put("resourceVersion", rv);
            }
            return updated;
        });
        return new RestResponse(r.code(), Scales.toScale(paths, (ObjectNode) r.body()), r.warnings());
    }

    /** Something that builds the new object's JSON from the stored one (with its resourceVersion set). */
    @FunctionalInterface
    private interface Mutator {
        ObjectNode apply(ObjectNode old);
    }

    /**
     * Read-modify-write with compare-and-swap. {@code precondition} > 0 is the resourceVersion
     * the client wants to update (a stale one is a 409 Conflict); -1 means "the mutator's result
     * says" (patches may set {@code metadata.resourceVersion}); 0 is unconditional. A lost race
     * of an unconditional write is retried on the fresh object.
     */
    private RestResponse writeWithRetry(RestRequest req, long precondition, FieldValidation validation, Mutator mutator) {
        ResourceType type = req.type();
        String namespace = req.info().namespace();
        String name = req.info().name();
        boolean statusOnly = "status".equals(req.info().subresource());
        boolean dryRun = DryRun.of(req, null, req.info().verb().equals("patch") ? "PatchOptions" : "UpdateOptions");
        for (int attempt = 0; ; attempt++) {
            KeyValue current = load(type, namespace, name);
            ObjectNode oldNode = served(current);
            ObjectNode newNode = mutator.apply(oldNode.deepCopy());

            long expected = precondition;
            if (precondition < 0) {
                String rv = Json.text(newNode.path("metadata"), "resourceVersion");
                expected = rv == null ? 0 : parseResourceVersion(rv);
                if (expected == current.modRevision()) {
                    expected = 0; // the patch did not ask for a precondition, it just kept the served value
                }
            }
            if (expected > 0 && expected != current.modRevision()) {
                throw ApiException.modified(type.qualifiedResource(), type.group(), name);
            }
            if (statusOnly) {
                // /status writes change only .status
                ObjectNode merged = oldNode.deepCopy();
                JsonNode status = newNode.get("status");
                if (status == null) {
                    merged.remove("status");
                } else {
                    merged.set("status", status);
                }
                // and never metadata (labels, annotations, finalizers, owners: as Kubernetes'
                // ResetObjectMetaForStatus); the resourceVersion precondition was read above
                newNode = merged;
            } else if (type.subresource("status").isPresent()) {
                // main-resource writes never change .status (that is the status subresource's job)
                JsonNode status = oldNode.get("status");
                if (status == null) {
                    newNode.remove("status");
                } else {
                    newNode.set("status", status);
                }
                if (isNamespace(type) && !"finalize".equals(req.info().subresource())) {
                    // a namespace's spec.finalizers change only through /finalize (the namespace controller's)
                    JsonNode finalizers = oldNode.path("spec").get("finalizers");
                    if (finalizers == null) {
                        newNode.with("spec").remove("finalizers");
                    } else {
                        newNode.with("spec").set("finalizers", finalizers);
                    }
                }
            }

            ObjectDecoder.Decoded decoded = decoder.decode(newNode, type, validation);
            HasMetadata object = decoded.object();
            HasMetadata oldObject = decoder.decode(oldNode.deepCopy(), type, FieldValidation.IGNORE).object();
            ObjectMeta meta = metadataOf(object);
            ObjectMeta oldMeta = oldObject.getMetadata();

            resolveNamespace(type, meta, namespace);
            if (meta.getName() == null || meta.getName().isEmpty()) {
                meta.setName(name);
            } else if (!meta.getName().equals(name)) {
                throw ApiException.badRequest(
                        "the name of the object (" + meta.getName() + ") does not match the name on the URL (" + name + ")");
            }
            // identity and bookkeeping fields clients cannot change
            meta.setUid(oldMeta.getUid());
            meta.setCreationTimestamp(oldMeta.getCreationTimestamp());
            meta.setDeletionTimestamp(oldMeta.getDeletionTimestamp());
            meta.setDeletionGracePeriodSeconds(oldMeta.getDeletionGracePeriodSeconds());
            meta.setGenerateName(meta.getGenerateName() == null ? oldMeta.getGenerateName() : meta.getGenerateName());
            meta.setResourceVersion(null);
            meta.setSelfLink(null);

            type.strategy().applyDefaults(object);
            if (!statusOnly) {
                // a /status write changes only .status: nothing for the hooks to carry over or allocate
                hooks.prepareUpdate(type, object, oldObject);
            }
            if (type.strategy().hasSpec()) {
                long generation = oldMeta.getGeneration() == null ? 1 : oldMeta.getGeneration();
                JsonNode newSpec = Json.MAPPER.valueToTree(object).get("spec");
                JsonNode oldSpec = Json.MAPPER.valueToTree(oldObject).get("spec");
                boolean specChanged = newSpec == null ? oldSpec != null : !newSpec.equals(oldSpec);
                meta.setGeneration(specChanged ? generation + 1 : generation);
            }
            validate(type, object, oldObject);
            admission.admit(new AdmissionRequest(Operation.UPDATE, type, req.info(), req.user(), object, oldObject));

            String key = StoreKeys.key(type.group(), type.plural(), type.namespaced() ? namespace : null, name);
            ObjectNode result = Json.MAPPER.valueToTree(object);
            boolean completesDeletion = Deletion.completedByUpdate(type, oldNode, result);
            try {
                if (dryRun) {
                    if (!statusOnly) {
                        hooks.beginUpdate(type, object, oldObject, true).abort();
                    }
                    result = Json.MAPPER.valueToTree(object);
                    // as Kubernetes: a dry-run write answers the current resourceVersion
                    result.with("metadata").put("resourceVersion", Long.toString(current.modRevision()));
                    return new RestResponse(200, result, decoded.warnings());
                }
                if (completesDeletion) {
                    // the last finalizer is gone: the object goes, and watchers see it DELETED
                    KeyValue deleted = store.delete(key, current.modRevision());
                    hooks.afterDelete(type, oldNode);
                    result.with("metadata").put("resourceVersion", Long.toString(deleted.modRevision()));
                    return new RestResponse(200, result, decoded.warnings());
                }
                WriteHooks.Pending pending = statusOnly
                        ? WriteHooks.Pending.NONE : hooks.beginUpdate(type, object, oldObject, false);
                KeyValue kv = null;
                try {
                    kv = store.update(key, storageBytes(object), current.modRevision());
                } finally {
                    finish(pending, kv != null);
                }
                return new RestResponse(200, served(kv), decoded.warnings());
            } catch (ConflictException e) {
                if (expected > 0 || attempt >= MAX_RETRIES) {
                    throw ApiException.modified(type.qualifiedResource(), type.group(), name);
                }
                // an unconditional write lost a race: redo it on the new state
            } catch (KeyNotFoundException | StoreUnavailableException e) {
                throw writeFailed(type, name, e);
            }
        }
    }

    /**
     * DELETE of one object, with graceful deletion, finalizers and propagation policies (see
     * {@link Deletion}): the answer is the object, removed or marked for deletion.
     */
    public RestResponse delete(RestRequest req) {
        ResourceType type = req.type();
        String name = req.info().name();
        ObjectNode body = req.body().length > 0 ? ObjectDecoder.parseJsonBody(req.body(), req.contentType()) : null;
        Deletion.Options options = Deletion.Options.parse(req, body);
        if (isNamespace(type) && Set.of("default", "kube-system", "kube-public").contains(name)) {
            throw new ApiException(403, "Forbidden",
                    "namespaces \"" + name + "\" is forbidden: this namespace may not be deleted",
                    name, "", "namespaces", List.of());
        }
        Deleted result = deleteWithRetry(req, name, options);
        // as Kubernetes: 202 only when the deprecated orphanDependents=false left the object in place
        boolean accepted = !result.removed() && Boolean.FALSE.equals(options.orphanDependents());
        return new RestResponse(accepted ? 202 : 200, result.object(), List.of());
    }

    /** A DELETE's result: the object as removed or as marked for deletion. */
    private record Deleted(ObjectNode object, boolean removed) {}

    private Deleted deleteWithRetry(RestRequest req, String name, Deletion.Options options) {
        ResourceType type = req.type();
        String namespace = req.info().namespace();
        String preUid = options.preconditionUid();
        String preRv = options.preconditionResourceVersion();
        for (int attempt = 0; ; attempt++) {
            KeyValue current = load(type, namespace, name);
            ObjectNode node = served(current);
            String uid = Json.text(node.path("metadata"), "uid");
            if (preUid != null && !preUid.equals(uid)) {
                throw ApiException.conflict(type.qualifiedResource(), type.group(), name,
                        "Precondition failed: UID in precondition: " + preUid + ", UID in object meta: " + uid);
            }
            if (preRv != null && !preRv.equals(Long.toString(current.modRevision()))) {
                throw ApiException.conflict(type.qualifiedResource(), type.group(), name,
                        "Precondition failed: ResourceVersion in precondition: " + preRv
                                + ", ResourceVersion in object meta: " + current.modRevision());
            }
            HasMetadata object = decoder.decode(node.deepCopy(), type, FieldValidation.IGNORE).object();
            admission.admit(new AdmissionRequest(Operation.DELETE, type, req.info(), req.user(), object, object));
            Deletion.Outcome outcome = Deletion.decide(type, object, node, options, Instant.now(clock));
            try {
                if (outcome instanceof Deletion.Unchanged) {
                    return new Deleted(node, false);
                }
                if (outcome instanceof Deletion.Update update) {
                    if (options.dryRun()) {
                        return new Deleted(update.object(), false);
                    }
                    ObjectNode marked = update.object().deepCopy();
                    ((ObjectNode) marked.path("metadata")).remove("resourceVersion");
                    return new Deleted(served(store.update(current.key(), Json.bytes(marked), current.modRevision())), false);
                }
                if (options.dryRun()) {
                    return new Deleted(node, true);
                }
                KeyValue deleted = store.delete(current.key(), current.modRevision());
                hooks.afterDelete(type, node);
                return new Deleted(served(deleted), true);
            } catch (ConflictException e) {
                if (preRv != null || attempt >= MAX_RETRIES) {
                    throw ApiException.modified(type.qualifiedResource(), type.group(), name);
                }
            } catch (KeyNotFoundException | StoreUnavailableException e) {
                throw writeFailed(type, name, e);
            }
        }
    }

    /**
     * DELETE on a collection: deletes (or marks for deletion, see {@link #delete}) every object
     * matching the selectors; answers the list of them as the deletion left them.
     */
    public RestResponse deleteCollection(RestRequest req) {
        ResourceType type = req.type();
        ObjectNode body = req.body().length > 0 ? ObjectDecoder.parseJsonBody(req.body(), req.contentType()) : null;
        Deletion.Options options = Deletion.Options.parse(req, body);
        LabelSelector labels = labelSelector(req);
        FieldSelector fields = fieldSelector(req);
        ListResult snapshot = store.list(listPrefix(type, req.info().namespace()), null, 0);
        ArrayNode items = Json.MAPPER.createArrayNode();
        long revision = snapshot.revision();
        for (KeyValue kv : snapshot.items()) {
            ObjectNode object = served(kv);
            if (!matches(object, labels, fields)) {
                continue;
            }
            String name = Json.text(object.path("metadata"), "name");
            if (isNamespace(type) && Set.of("default", "kube-system", "kube-public").contains(name)) {
                continue;
            }
            try {
                ObjectNode result = deleteWithRetry(req, name, options).object();
                items.add(result);
                revision = Math.max(revision, parseResourceVersion(Json.text(result.path("metadata"), "resourceVersion")));
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
                // deleted meanwhile: fine
            }
        }
        ObjectNode list = Json.object();
        list.put("kind", type.listKind());
        list.put("apiVersion", type.apiVersion());
        list.putObject("metadata").put("resourceVersion", Long.toString(revision));
        list.set("items", items);
        return RestResponse.ok(list);
    }

    // ---------------------------------------------------------------- helpers shared with watch

    /** The stored object as served: parsed, with {@code metadata.resourceVersion} = the mod revision. */
    public static ObjectNode served(KeyValue kv) {
        ObjectNode node = Json.readObject(kv.value());
        JsonNode meta = node.get("metadata");
        ObjectNode metadata = meta instanceof ObjectNode m ? m : node.putObject("metadata");
        metadata.put("resourceVersion", Long.toString(kv.modRevision()));
        return node;
    }

    /**
     * The stored object as served through {@code type}'s version: a custom resource written
     * through another version of its CRD is shown as this one ({@code conversion: None}).
     */
    public static ObjectNode served(ResourceType type, KeyValue kv) {
        ObjectNode node = served(kv);
        String stored = Json.text(node, "apiVersion");
        if (stored != null && !stored.equals(type.apiVersion()) && type.strategy().acceptsApiVersion(stored)) {
            node.put("apiVersion", type.apiVersion());
        }
        return node;
    }

    public static String listPrefix(ResourceType type, String namespace) {
        return namespace == null || !type.namespaced()
                ? StoreKeys.resourcePrefix(type.group(), type.plural())
                : StoreKeys.namespacePrefix(type.group(), type.plural(), namespace);
    }

    public static LabelSelector labelSelector(RestRequest req) {
        try {
            return LabelSelector.parse(req.param("labelSelector"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    public static FieldSelector fieldSelector(RestRequest req) {
        try {
            return FieldSelector.parse(req.param("fieldSelector"), req.type().strategy().selectableFields());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    public static boolean matches(JsonNode object, LabelSelector labels, FieldSelector fields) {
        if (!labels.isEmpty()) {
            Map<String, String> map = new HashMap<>();
            object.path("metadata").path("labels").fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
            if (!labels.test(map)) {
                return false;
            }
        }
        return fields.isEmpty() || fields.test(object);
    }

    /** Parses a resourceVersion: empty → 0; not a number → 400. */
    public static long parseResourceVersion(String rv) {
        if (rv == null || rv.isEmpty()) {
            return 0;
        }
        try {
            long v = Long.parseLong(rv);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid resource version: " + rv);
        }
    }

    // ---------------------------------------------------------------- private

    private KeyValue load(ResourceType type, String namespace, String name) {
        String key = StoreKeys.key(type.group(), type.plural(), type.namespaced() ? namespace : null, name);
        Optional<KeyValue> kv = store.get(key);
        return kv.orElseThrow(() -> ApiException.notFound(type.qualifiedResource(), type.group(), name));
    }

    /** The namespace must exist and not be terminating (Kubernetes' NamespaceLifecycle admission). */
    private void requireNamespace(String namespace, ResourceType type, String name) {
        Optional<KeyValue> ns = store.get(StoreKeys.key("", "namespaces", null, namespace));
        if (ns.isEmpty()) {
            throw ApiException.notFound("namespaces", "", namespace);
        }
        ObjectNode node = Json.readObject(ns.get().value());
        if (node.path("metadata").hasNonNull("deletionTimestamp")
                || "Terminating".equals(node.path("status").path("phase").asText())) {
            throw new ApiException(403, "Forbidden",
                    type.qualifiedResource() + " \"" + name + "\" is forbidden: unable to create new content in namespace "
                            + namespace + " because it is being terminated",
                    name, type.group(), type.plural(),
                    List.of(new ApiException.Cause("NamespaceTerminating",
                            "namespace " + namespace + " is being terminated", "metadata.namespace")));
        }
    }

    private static boolean isNamespace(ResourceType type) {
        return type.group().isEmpty() && type.kind().equals("Namespace");
    }

    /** Checks the body's namespace against the URL's and returns the namespace to use (null for cluster kinds). */
    private static String resolveNamespace(ResourceType type, ObjectMeta meta, String urlNamespace) {
        if (!type.namespaced()) {
            meta.setNamespace(null);
            return null;
        }
        if (urlNamespace == null) {
            throw ApiException.badRequest("the namespace of the object must be given in the URL");
        }
        if (meta.getNamespace() != null && !meta.getNamespace().isEmpty() && !meta.getNamespace().equals(urlNamespace)) {
            throw ApiException.badRequest(
                    "the namespace of the provided object does not match the namespace sent on the request");
        }
        meta.setNamespace(urlNamespace);
        return urlNamespace;
    }

    private void validate(ResourceType type, HasMetadata object, HasMetadata old) {
        FieldErrors errors = new FieldErrors();
        ObjectMeta meta = object.getMetadata();
        String name = meta.getName();
        if (name == null || name.isEmpty()) {
            errors.required("metadata.name", "name or generateName is required");
        } else {
            String bad = Names.check(type.strategy().nameRule(), name);
            if (bad != null) {
                errors.invalid("metadata.name", name, bad);
            }
        }
        if (meta.getGenerateName() != null && !meta.getGenerateName().isEmpty() && old == null) {
            String probe = meta.getGenerateName() + "x";
            String bad = Names.check(type.strategy().nameRule(), probe);
            if (bad != null) {
                errors.invalid("metadata.generateName", meta.getGenerateName(), bad);
            }
        }
        io.karavel.apiserver.impl.strategy.ObjectMetaRules.validateLabels(meta.getLabels(), "metadata.labels", errors);
        io.karavel.apiserver.impl.strategy.ObjectMetaRules.validateAnnotations(
                meta.getAnnotations(), "metadata.annotations", errors);
        if (old != null && old.getMetadata().getDeletionTimestamp() != null) {
            String forbidden = Deletion.newFinalizersWhileDeleting(meta.getFinalizers(), old.getMetadata().getFinalizers());
            if (forbidden != null) {
                errors.forbidden("metadata.finalizers", forbidden);
            }
        }
        type.strategy().validate(object, errors);
        if (old != null) {
            type.strategy().validateUpdate(object, old, errors);
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid(type.qualifiedKind(), type.group(), type.kind(), name == null ? "" : name, errors.causes());
        }
    }

    /** Ends a begun write hook: commit after a successful store write, else abort. */
    private static void finish(WriteHooks.Pending pending, boolean written) {
        if (written) {
            pending.commit();
        } else {
            pending.abort();
        }
    }

    private static ObjectMeta metadataOf(HasMetadata object) {
        if (object.getMetadata() == null) {
            object.setMetadata(new ObjectMeta());
        }
        return object.getMetadata();
    }

    private static byte[] storageBytes(HasMetadata object) {
        ObjectNode node = Json.MAPPER.valueToTree(object);
        JsonNode meta = node.get("metadata");
        if (meta instanceof ObjectNode m) {
            m.remove("resourceVersion");
        }
        return Json.bytes(node);
    }

    private static ObjectNode asObject(JsonNode node) {
        if (!(node instanceof ObjectNode o)) {
            throw ApiException.badRequest("the patched object is not a JSON object");
        }
        return o;
    }

    private String now() {
        return DateTimeFormatter.ISO_INSTANT.format(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS));
    }

    private String randomSuffix() {
        StringBuilder s = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            s.append(NAME_SUFFIX_ALPHABET.charAt(random.nextInt(NAME_SUFFIX_ALPHABET.length())));
        }
        return s.toString();
    }

    private static int parseLimit(String limit) {
        if (limit == null || limit.isEmpty()) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(limit));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid limit: " + limit);
        }
    }

    /** Continue tokens: the last key served and the list's revision, base64url JSON (opaque to clients). */
    private static String encodeContinue(String lastKey, long revision) {
        ObjectNode token = Json.object();
        token.put("v", "karavel/1");
        token.put("rv", revision);
        token.put("start", lastKey);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(token));
    }

    private static String decodeContinue(String token, String prefix) {
        try {
            ObjectNode node = Json.readObject(Base64.getUrlDecoder().decode(token));
            String start = Json.text(node, "start");
            if (start == null || !start.startsWith(prefix)) {
                throw new IllegalArgumentException();
            }
            return start;
        } catch (RuntimeException e) {
            throw ApiException.badRequest("continue key is not valid: " + new String(token.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
    }
}
