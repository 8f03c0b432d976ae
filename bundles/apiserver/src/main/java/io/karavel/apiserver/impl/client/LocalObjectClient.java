package io.karavel.apiserver.impl.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Status;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.client.PatchType;
import io.karavel.apiserver.impl.auth.UserInfo;
import io.karavel.apiserver.impl.http.RequestInfo;
import io.karavel.apiserver.impl.registry.ResourceRegistry;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.Json;
import io.karavel.apiserver.impl.rest.ResourceService;
import io.karavel.apiserver.impl.rest.RestRequest;
import io.karavel.apiserver.impl.rest.RestResponse;
import io.karavel.apiserver.impl.rest.Statuses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@link ObjectClient} over the {@link ResourceService}: each call is the REST request it stands
 * for, built without HTTP, so controllers get exactly the semantics kubectl gets. Objects cross
 * as JSON trees (the REST layer's currency), which costs a conversion but keeps one pipeline.
 */
public final class LocalObjectClient implements ObjectClient {
    private static final UserInfo CONTROL_PLANE = new UserInfo(USER, List.of("system:masters", "system:authenticated"));

    private final ResourceService service;
    private final ResourceRegistry registry;

    public LocalObjectClient(ResourceService service, ResourceRegistry registry) {
        this.service = service;
        this.registry = registry;
    }

    // ---------------------------------------------------------------- discovery

    @Override
    public List<ApiResource> resources() {
        List<ApiResource> out = new ArrayList<>();
        for (ResourceType type : registry.all()) {
            out.add(describe(type));
        }
        return out;
    }

    @Override
    public Optional<ApiResource> resource(String apiVersion, String kind) {
        return findType(apiVersion, kind).map(LocalObjectClient::describe);
    }

    @Override
    public Optional<ApiResource> resource(Class<? extends HasMetadata> modelClass) {
        return resource(HasMetadata.getApiVersion(modelClass), HasMetadata.getKind(modelClass));
    }

    private static ApiResource describe(ResourceType type) {
        return new ApiResource(type.group(), type.version(), type.kind(), type.plural(), type.namespaced(),
                ResourceType.VERBS, type.modelClass());
    }

    private Optional<ResourceType> findType(String apiVersion, String kind) {
        for (ResourceType type : registry.all()) {
            if (type.apiVersion().equals(apiVersion) && type.kind().equals(kind)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    private ResourceType typeOf(Class<? extends HasMetadata> modelClass) {
        String apiVersion = HasMetadata.getApiVersion(modelClass);
        String kind = HasMetadata.getKind(modelClass);
        return findType(apiVersion, kind).orElseThrow(() -> notServed(apiVersion, kind));
    }

    private ResourceType typeOf(ApiResource resource) {
        return registry.find(resource.group(), resource.version(), resource.plural())
                .orElseThrow(() -> notServed(resource.apiVersion(), resource.kind()));
    }

    private static ApiStatusException notServed(String apiVersion, String kind) {
        return failure(new ApiException(404, "NotFound", "the server does not serve " + kind + " in " + apiVersion));
    }

    // ---------------------------------------------------------------- typed operations

    @Override
    public <T extends HasMetadata> Optional<T> get(Class<T> kind, String namespace, String name) {
        ResourceType type = typeOf(kind);
        try {
            return Optional.of(convert(call(type, "get", namespace, name, null, null, null, Map.of(), service::get), kind));
        } catch (ApiStatusException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public <T extends HasMetadata> List<T> list(Class<T> kind, String namespace) {
        ResourceType type = typeOf(kind);
        JsonNode list = call(type, "list", namespace, null, null, null, null, Map.of(), service::list);
        List<T> out = new ArrayList<>();
        for (JsonNode item : list.path("items")) {
            out.add(convert(item, kind));
        }
        return out;
    }

    /** The object's own apiVersion and kind (custom resources), else its class's. */
    private ResourceType typeOf(HasMetadata object) {
        if (object.getApiVersion() != null && object.getKind() != null) {
            return findType(object.getApiVersion(), object.getKind())
                    .orElseThrow(() -> notServed(object.getApiVersion(), object.getKind()));
        }
        return typeOf(object.getClass());
    }

    @Override
    public <T extends HasMetadata> T create(T object) {
        ResourceType type = typeOf(object);
        JsonNode created = call(type, "create", object.getMetadata().getNamespace(), null, null,
                Json.bytes(object), "application/json", Map.of(), service::create);
        return convert(created, classOf(object));
    }

    @Override
    public <T extends HasMetadata> T update(T object) {
        return replace(object, null);
    }

    @Override
    public <T extends HasMetadata> T updateStatus(T object) {
        return replace(object, "status");
    }

    private <T extends HasMetadata> T replace(T object, String subresource) {
        ResourceType type = typeOf(object);
        JsonNode updated = call(type, "update", object.getMetadata().getNamespace(), object.getMetadata().getName(),
                subresource, Json.bytes(object), "application/json", Map.of(), service::update);
        return convert(updated, classOf(object));
    }

    @Override
    public <T extends HasMetadata> T patch(Class<T> kind, String namespace, String name, PatchType patchType, String patch) {
        return convert(patch(typeOf(kind), namespace, name, null, patchType, patch), kind);
    }

    @Override
    public <T extends HasMetadata> T patchStatus(Class<T> kind, String namespace, String name, PatchType patchType, String patch) {
        return convert(patch(typeOf(kind), namespace, name, "status", patchType, patch), kind);
    }

    private JsonNode patch(ResourceType type, String namespace, String name, String subresource, PatchType patchType, String patch) {
        return call(type, "patch", namespace, name, subresource, patch.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                patchType.contentType(), Map.of(), service::patch);
    }

    @Override
    public boolean delete(Class<? extends HasMetadata> kind, String namespace, String name, DeleteOptions options) {
        return delete(typeOf(kind), namespace, name, options);
    }

    private boolean delete(ResourceType type, String namespace, String name, DeleteOptions options) {
        byte[] body = options == null ? new byte[0] : Json.bytes(options);
        try {
            call(type, "delete", namespace, name, null, body, "application/json", Map.of(), service::delete);
            return true;
        } catch (ApiStatusException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void bind(Binding binding) {
        ResourceType pods = typeOf(io.fabric8.kubernetes.api.model.Pod.class);
        call(pods, "create", binding.getMetadata().getNamespace(), binding.getMetadata().getName(), "binding",
                Json.bytes(binding), "application/json", Map.of(), service::bind);
    }

    @Override
    public Namespace finalizeNamespace(Namespace namespace) {
        ResourceType type = typeOf(Namespace.class);
        JsonNode updated = call(type, "update", null, namespace.getMetadata().getName(), "finalize",
                Json.bytes(namespace), "application/json", Map.of(), service::update);
        return convert(updated, Namespace.class);
    }

    // ---------------------------------------------------------------- generic operations

    @Override
    public List<GenericKubernetesResource> list(ApiResource resource, String namespace) {
        JsonNode list = call(typeOf(resource), "list", namespace, null, null, null, null, Map.of(), service::list);
        List<GenericKubernetesResource> out = new ArrayList<>();
        for (JsonNode item : list.path("items")) {
            out.add(convert(item, GenericKubernetesResource.class));
        }
        return out;
    }

    @Override
    public Optional<GenericKubernetesResource> get(ApiResource resource, String namespace, String name) {
        try {
            return Optional.of(convert(call(typeOf(resource), "get", namespace, name, null, null, null, Map.of(), service::get),
                    GenericKubernetesResource.class));
        } catch (ApiStatusException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public GenericKubernetesResource patch(ApiResource resource, String namespace, String name, PatchType patchType, String patch) {
        return convert(patch(typeOf(resource), namespace, name, null, patchType, patch), GenericKubernetesResource.class);
    }

    @Override
    public boolean delete(ApiResource resource, String namespace, String name, DeleteOptions options) {
        return delete(typeOf(resource), namespace, name, options);
    }

    // ---------------------------------------------------------------- plumbing

    private JsonNode call(
            ResourceType type,
            String verb,
            String namespace,
            String name,
            String subresource,
            byte[] body,
            String contentType,
            Map<String, String> query,
            Function<RestRequest, RestResponse> operation) {
        String ns = type.namespaced() ? namespace : null;
        if (type.namespaced() && ns == null && name != null) {
            throw failure(ApiException.badRequest("a namespace is required for " + type.qualifiedResource() + " " + name));
        }
        RequestInfo info = new RequestInfo(true, path(type, ns, name, subresource), verb,
                type.group().isEmpty() ? "api" : "apis", type.group(), type.version(), ns, type.plural(), subresource, name);
        RestRequest request = new RestRequest(info, type, query, body == null ? new byte[0] : body, contentType, CONTROL_PLANE);
        try {
            return operation.apply(request).body();
        } catch (ApiException e) {
            throw failure(e);
        }
    }

    private static String path(ResourceType type, String namespace, String name, String subresource) {
        StringBuilder path = new StringBuilder(type.group().isEmpty() ? "/api/" : "/apis/" + type.group() + "/");
        path.append(type.version());
        if (namespace != null) {
            path.append("/namespaces/").append(namespace);
        }
        path.append('/').append(type.plural());
        if (name != null) {
            path.append('/').append(name);
        }
        if (subresource != null) {
            path.append('/').append(subresource);
        }
        return path.toString();
    }

    private static ApiStatusException failure(ApiException e) {
        return new ApiStatusException(Json.MAPPER.convertValue(Statuses.failure(e), Status.class));
    }

    @SuppressWarnings("unchecked")
    private static <T extends HasMetadata> Class<T> classOf(T object) {
        return (Class<T>) object.getClass();
    }

    private static <T> T convert(JsonNode node, Class<T> type) {
        try {
            return Json.MAPPER.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read a " + type.getSimpleName() + " the API server produced", e);
        }
    }
}
