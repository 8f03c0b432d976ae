package io.karavel.apiserver.impl.registry;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.karavel.apiserver.impl.crd.CrdStrategy;
import io.karavel.apiserver.impl.strategy.DeploymentRules;
import io.karavel.apiserver.impl.strategy.NamespaceStrategy;
import io.karavel.apiserver.impl.strategy.NodeStrategy;
import io.karavel.apiserver.impl.strategy.PodStrategy;
import io.karavel.apiserver.impl.strategy.ReplicaSetStrategy;
import io.karavel.apiserver.impl.strategy.RuntimeClassStrategy;
import io.karavel.apiserver.impl.selector.FieldSelector;
import io.karavel.apiserver.impl.strategy.SimpleStrategy;
import io.karavel.apiserver.impl.table.BuiltinColumns;
import io.karavel.apiserver.impl.strategy.SecretStrategy;
import io.karavel.apiserver.impl.strategy.ServiceStrategy;
import java.util.List;

/** The built-in kinds, with the names, short names and subresources Kubernetes 1.32 advertises. */
public final class BuiltinResources {
    private BuiltinResources() {}

    public static void registerAll(ResourceRegistry registry) {
        List<String> none = List.of();
        List<String> all = List.of("all");
        registry.register(new ResourceType(
                "", "v1", "Namespace", "namespaces", "namespace", false, List.of("ns"), none,
                Namespace.class,
                List.of(Subresource.status("Namespace"),
                        new Subresource("finalize", null, null, "Namespace", List.of("update"))),
                new NamespaceStrategy()));
        registry.register(new ResourceType(
                "", "v1", "ConfigMap", "configmaps", "configmap", true, List.of("cm"), none,
                ConfigMap.class, List.of(),
                new SimpleStrategy(false, FieldSelector.COMMON_FIELDS, BuiltinColumns.CONFIG_MAP)));
        registry.register(new ResourceType(
                "", "v1", "Secret", "secrets", "secret", true, none, none,
                Secret.class, List.of(), new SecretStrategy()));
        registry.register(new ResourceType(
                "", "v1", "Event", "events", "event", true, List.of("ev"), none,
                Event.class, List.of(),
                new SimpleStrategy(false, FieldSelector.withCommon(
                        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
                        BuiltinColumns.EVENT)));
        registry.register(new ResourceType(
                "", "v1", "Pod", "pods", "pod", true, List.of("po"), all,
                Pod.class,
                List.of(Subresource.status("Pod"),
                        new Subresource("log", null, null, "Pod", List.of("get")),
                        new Subresource("binding", null, null, "Binding", List.of("create")),
                        new Subresource("exec", null, null, "PodExecOptions", List.of("create", "get"))),
                new PodStrategy()));
        registry.register(new ResourceType(
                "", "v1", "Service", "services", "service", true, List.of("svc"), all,
                Service.class, List.of(Subresource.status("Service")), new ServiceStrategy()));
        registry.register(new ResourceType(
                "", "v1", "Endpoints", "endpoints", "endpoints", true, List.of("ep"), none,
                io.fabric8.kubernetes.api.model.Endpoints.class, List.of(),
                new SimpleStrategy(false, FieldSelector.COMMON_FIELDS, BuiltinColumns.ENDPOINTS)));
        registry.register(new ResourceType(
                "discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice", true, none, none,
                io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice.class, List.of(),
                new SimpleStrategy(false, FieldSelector.COMMON_FIELDS, BuiltinColumns.ENDPOINT_SLICE)));
        registry.register(new ResourceType(
                "", "v1", "Node", "nodes", "node", false, List.of("no"), none,
                Node.class, List.of(Subresource.status("Node")), new NodeStrategy()));
        registry.register(new ResourceType(
                "apps", "v1", "Deployment", "deployments", "deployment", true, List.of("deploy"), all,
                Deployment.class, List.of(Subresource.status("Deployment"), Subresource.scale()),
                new DeploymentRules()));
        registry.register(new ResourceType(
                "apps", "v1", "ReplicaSet", "replicasets", "replicaset", true, List.of("rs"), all,
                ReplicaSet.class, List.of(Subresource.status("ReplicaSet"), Subresource.scale()),
                new ReplicaSetStrategy()));
        // Its own kind and storage (Kubernetes serves v1 and events.k8s.io/v1 Events from the same
        // objects, converting between the two shapes; not done here yet).
        registry.register(new ResourceType(
                "events.k8s.io", "v1", "Event", "events", "event", true, List.of("ev"), none,
                io.fabric8.kubernetes.api.model.events.v1.Event.class, List.of(),
                new SimpleStrategy(false, FieldSelector.withCommon(
                        "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
                        "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath",
                        "reason", "reportingController", "type"),
                        BuiltinColumns.EVENT_V1)));
        registry.register(new ResourceType(
                "coordination.k8s.io", "v1", "Lease", "leases", "lease", true, none, none,
                Lease.class, List.of(),
                new SimpleStrategy(true, FieldSelector.COMMON_FIELDS, BuiltinColumns.LEASE)));
        registry.register(new ResourceType(
                "node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", "runtimeclass", false, none, none,
                io.fabric8.kubernetes.api.model.node.v1.RuntimeClass.class, List.of(),
                new RuntimeClassStrategy()));
        registry.register(new ResourceType(
                "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
                "customresourcedefinition", false, List.of("crd", "crds"), List.of("api-extensions"),
                CustomResourceDefinition.class, List.of(Subresource.status("CustomResourceDefinition")),
                new CrdStrategy()));
    }
}
