package io.karavel.api.client;

import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import java.util.List;
import java.util.Optional;

/**
 * The API server's operations, in process. Every call runs the same pipeline as the REST API
 * (defaulting, validation, admission, finalizers and graceful deletion, optimistic concurrency)
 * as the privileged user {@value #USER}, and fails with {@link ApiStatusException} carrying the
 * {@code Status} REST would answer. Reads go to the store, not to a cache: controllers read
 * their informers' caches and use this for writes.
 *
 * <p>Typed methods take fabric8 model classes (built-in kinds, or {@code CustomResource}
 * subclasses annotated with group and version); the {@link ApiResource} variants work on any
 * served kind, custom resources included, as {@link GenericKubernetesResource}.
 *
 * <p>Thread-safe. Registered as an OSGi service by the API server bundle while it runs.
 */
@org.osgi.annotation.versioning.ProviderType
public interface ObjectClient {
    /** The user name control-plane writes are attributed to. */
    String USER = "system:karavel-controller-manager";

    /** Every resource the API server serves now (built-in and custom), main resources only. */
    List<ApiResource> resources();

    /** The served resource for {@code apiVersion} and {@code kind}, if any. */
    Optional<ApiResource> resource(String apiVersion, String kind);

    /** The served resource for a model class; empty when its kind is not served (yet). */
    Optional<ApiResource> resource(Class<? extends HasMetadata> modelClass);

    <T extends HasMetadata> Optional<T> get(Class<T> kind, String namespace, String name);

    /** All objects of a kind, in {@code namespace} or everywhere when it is null. */
    <T extends HasMetadata> List<T> list(Class<T> kind, String namespace);

    /** Creates the object in its {@code metadata.namespace}; returns it as stored. */
    <T extends HasMetadata> T create(T object);

    /**
     * Replaces the object. With {@code metadata.resourceVersion} set this is a compare-and-swap
     * (a conflict fails with 409); without, the latest version is replaced.
     */
    <T extends HasMetadata> T update(T object);

    /** Replaces the object's status through the {@code status} subresource. */
    <T extends HasMetadata> T updateStatus(T object);

    <T extends HasMetadata> T patch(Class<T> kind, String namespace, String name, PatchType type, String patch);

    <T extends HasMetadata> T patchStatus(Class<T> kind, String namespace, String name, PatchType type, String patch);

    /**
     * Deletes the object with Kubernetes semantics (graceful deletion, finalizers,
     * {@code propagationPolicy}).
     *
     * @param options null for the defaults
     * @return false when the object did not exist
     */
    boolean delete(Class<? extends HasMetadata> kind, String namespace, String name, DeleteOptions options);

    /** Binds a pod to a node: {@code POST pods/<name>/binding}. */
    void bind(Binding binding);

    /** Replaces a terminating namespace's {@code spec.finalizers}: {@code PUT namespaces/<name>/finalize}. */
    Namespace finalizeNamespace(Namespace namespace);

    List<GenericKubernetesResource> list(ApiResource resource, String namespace);

    Optional<GenericKubernetesResource> get(ApiResource resource, String namespace, String name);

    GenericKubernetesResource patch(ApiResource resource, String namespace, String name, PatchType type, String patch);

    /** @return false when the object did not exist */
    boolean delete(ApiResource resource, String namespace, String name, DeleteOptions options);
}
