package io.karavel.controllers.endpoints;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.karavel.controllers.support.Json;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.controller.Caches;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Kubernetes' endpoints and EndpointSlice controllers in one: for every Service with a selector,
 * writes the v1 {@code Endpoints} of the same name (ready pods in {@code addresses}, the others
 * in {@code notReadyAddresses}) and the {@code discovery.k8s.io/v1} EndpointSlices it owns.
 * Writes only what changed. Services without a selector keep whatever Endpoints their user
 * wrote.
 */
@Component(name = EndpointsController.PID, configurationPid = EndpointsController.PID, service = Reconciler.class)
@Designate(ocd = EndpointsController.Config.class)
public final class EndpointsController implements Reconciler {
    public static final String PID = "io.karavel.controllers.endpoints";

    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
    static final String MANAGED_BY = "endpointslice-controller.k8s.io";

    @ObjectClassDefinition(name = "Karavel endpoints controller",
            description = "Keeps the Endpoints and EndpointSlices of Services with a selector in line with their pods")
    public @interface Config {
        @AttributeDefinition(name = "workers", description = "Services reconciled in parallel")
        int workers() default 2;

        @AttributeDefinition(name = "max.endpoints.per.slice", description = "Endpoints per EndpointSlice before another slice is started")
        int max_endpoints_per_slice() default 100;
    }


    private final int workers;
    private final int maxPerSlice;

    @Activate
    public EndpointsController(Config config) {
        this(config.workers(), config.max_endpoints_per_slice());
    }

    public EndpointsController(int workers, int maxEndpointsPerSlice) {
        this.workers = workers;
        this.maxPerSlice = Math.max(1, maxEndpointsPerSlice);
    }

    @Override
    public ControllerSpec spec() {
        return ControllerSpec.builder("endpoints", Service.class)
                .watches(Pod.class, EndpointsController::servicesOfPod)
                .watches(Endpoints.class, (endpoints, caches) -> List.of(ObjectKey.of(endpoints)))
                .owns(EndpointSlice.class)
                .workers(workers)
                .build();
    }

    /**
     * The Services selecting the pod now, and those whose Endpoints still list it (its labels may
     * have changed, so that they no longer select it).
     */
    static List<ObjectKey> servicesOfPod(HasMetadata object, Caches caches) {
        Pod pod = (Pod) object;
        String ns = pod.getMetadata().getNamespace();
        Set<ObjectKey> keys = new LinkedHashSet<>();
        for (Service service : caches.of(Service.class).list(ns)) {
            if (ServiceBackends.selects(service, pod)) {
                keys.add(ObjectKey.of(service));
            }
        }
        String uid = pod.getMetadata().getUid();
        for (Endpoints endpoints : caches.of(Endpoints.class).list(ns)) {
            if (lists(endpoints, uid)) {
                keys.add(ObjectKey.of(endpoints));
            }
        }
        return List.copyOf(keys);
    }

    private static boolean lists(Endpoints endpoints, String podUid) {
        if (endpoints.getSubsets() == null || podUid == null) {
            return false;
        }
        for (EndpointSubset subset : endpoints.getSubsets()) {
            for (List<EndpointAddress> addresses : List.of(nullToEmpty(subset.getAddresses()), nullToEmpty(subset.getNotReadyAddresses()))) {
                for (EndpointAddress a : addresses) {
                    if (a.getTargetRef() != null && podUid.equals(a.getTargetRef().getUid())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Override
    public Result reconcile(ObjectKey key, ReconcileContext context) {
        Service service = context.caches().of(Service.class).get(key).orElse(null);
        if (service == null) {
            // Endpoints carry no owner reference (as in Kubernetes): remove them with their Service.
            // The EndpointSlices are owned, the garbage collector removes them.
            if (context.caches().of(Endpoints.class).get(key).isPresent()) {
                context.client().delete(Endpoints.class, key.namespace(), key.name(), null);
            }
            context.expectations().delete(key);
            return Result.done();
        }
        if (service.getMetadata().getDeletionTimestamp() != null || !ServiceBackends.hasSelector(service)) {
            return Result.done();
        }
        Map<List<ServiceBackends.Port>, List<ServiceBackends.Backend>> groups =
                ServiceBackends.group(service, context.caches().of(Pod.class).list(key.namespace()));
        try {
            syncEndpoints(service, groups, context);
        } catch (RuntimeException e) {
            context.events().event(service, EventRecorder.WARNING, "FailedToUpdateEndpoint",
                    "Failed to update endpoint " + key + ": " + e.getMessage());
            throw e;
        }
        try {
            syncSlices(key, service, groups, context);
        } catch (RuntimeException e) {
            context.events().event(service, EventRecorder.WARNING, "FailedToUpdateEndpointSlices",
                    "Error updating Endpoint Slices for Service " + key + ": " + e.getMessage());
            throw e;
        }
        return Result.done();
    }

    // ---- v1 Endpoints

    private static void syncEndpoints(Service service, Map<List<ServiceBackends.Port>, List<ServiceBackends.Backend>> groups,
                                      ReconcileContext context) {
        List<EndpointSubset> subsets = new ArrayList<>();
        for (Map.Entry<List<ServiceBackends.Port>, List<ServiceBackends.Backend>> group : groups.entrySet()) {
            List<EndpointAddress> ready = new ArrayList<>();
            List<EndpointAddress> notReady = new ArrayList<>();
            for (ServiceBackends.Backend b : group.getValue()) {
                EndpointAddress address = new EndpointAddressBuilder()
                        .withIp(b.ip()).withHostname(b.hostname()).withNodeName(b.nodeName()).withTargetRef(podReference(b.pod())).build();
                (b.ready() ? ready : notReady).add(address);
            }
            List<EndpointPort> ports = group.getKey().stream()
                    .map(p -> new EndpointPortBuilder().withName(p.name()).withPort(p.port())
                            .withProtocol(p.protocol()).withAppProtocol(p.appProtocol()).build())
                    .toList();
            EndpointSubsetBuilder subset = new EndpointSubsetBuilder().withPorts(ports.isEmpty() ? null : ports);
            subset.withAddresses(ready.isEmpty() ? null : ready).withNotReadyAddresses(notReady.isEmpty() ? null : notReady);
            subsets.add(subset.build());
        }
        Map<String, String> labels = service.getMetadata().getLabels() == null || service.getMetadata().getLabels().isEmpty()
                ? null
                : service.getMetadata().getLabels();
        String ns = service.getMetadata().getNamespace();
        String name = service.getMetadata().getName();
        Endpoints existing = context.caches().of(Endpoints.class).get(ns, name).orElse(null);
        if (existing == null) {
            context.client().create(new EndpointsBuilder()
                    .withNewMetadata().withNamespace(ns).withName(name).withLabels(labels).endMetadata()
                    .withSubsets(subsets)
                    .build());
            return;
        }
        boolean sameSubsets = sameJson(nullToEmpty(existing.getSubsets()), subsets);
        boolean sameLabels = Objects.equals(emptyToNull(existing.getMetadata().getLabels()), labels);
        if (sameSubsets && sameLabels) {
            return;
        }
        context.client().update(new EndpointsBuilder(existing)
                .editMetadata().withLabels(labels).endMetadata()
                .withSubsets(subsets)
                .build());
    }

    private static ObjectReference podReference(Pod pod) {
        return new ObjectReferenceBuilder()
                .withKind("Pod")
                .withNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid())
                .build();
    }

    // ---- discovery.k8s.io/v1 EndpointSlices

    /** What one slice should hold. */
    private record SliceContent(List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports, List<Endpoint> endpoints) {}

    private void syncSlices(ObjectKey key, Service service, Map<List<ServiceBackends.Port>, List<ServiceBackends.Backend>> groups,
                            ReconcileContext context) {
        if (!context.expectations().satisfied(key)) {
            // Our last creations or deletions are not in the cache yet: acting now could create
            // duplicate slices. Observing them re-enqueues the Service.
            return;
        }
        List<SliceContent> wanted = wantedSlices(groups);
        String uid = service.getMetadata().getUid();
        List<EndpointSlice> existing = new ArrayList<>(context.caches().of(EndpointSlice.class)
                .list(key.namespace(), Map.of(SERVICE_NAME_LABEL, key.name())).stream()
                .filter(s -> ownedBy(s, uid))
                .toList());
        existing.sort(Comparator.comparing(s -> s.getMetadata().getName()));

        List<SliceContent> unmatched = new ArrayList<>();
        for (SliceContent want : wanted) {
            EndpointSlice same = existing.stream().filter(s -> sameContent(s, want)).findFirst().orElse(null);
            if (same != null) {
                existing.remove(same);
            } else {
                unmatched.add(want);
            }
        }
        List<SliceContent> toCreate = new ArrayList<>();
        for (SliceContent want : unmatched) {
            // Reuse a slice with the same ports first, then any leftover, before creating one.
            EndpointSlice reuse = existing.stream().filter(s -> sameJson(portsOf(s), want.ports())).findFirst()
                    .orElse(existing.isEmpty() ? null : existing.get(0));
            if (reuse == null) {
                toCreate.add(want);
                continue;
            }
            existing.remove(reuse);
            context.client().update(new EndpointSliceBuilder(reuse)
                    .editMetadata().addToLabels(SERVICE_NAME_LABEL, key.name()).addToLabels(MANAGED_BY_LABEL, MANAGED_BY).endMetadata()
                    .withAddressType("IPv4")
                    .withPorts(want.ports())
                    .withEndpoints(want.endpoints())
                    .build());
        }
        if (!toCreate.isEmpty()) {
            context.expectations().expectCreations(key, toCreate.size());
            for (SliceContent want : toCreate) {
                try {
                    context.client().create(newSlice(service, want));
                } catch (RuntimeException e) {
                    context.expectations().creationObserved(key);
                    throw e;
                }
            }
        }
        if (!existing.isEmpty()) {
            List<String> names = existing.stream().map(s -> key.namespace() + "/" + s.getMetadata().getName()).toList();
            context.expectations().expectDeletions(key, names);
            for (EndpointSlice stale : existing) {
                String objectKey = key.namespace() + "/" + stale.getMetadata().getName();
                try {
                    if (!context.client().delete(EndpointSlice.class, key.namespace(), stale.getMetadata().getName(), null)) {
                        context.expectations().deletionObserved(key, objectKey);
                    }
                } catch (RuntimeException e) {
                    context.expectations().deletionObserved(key, objectKey);
                    if (!(e instanceof ApiStatusException api && api.isNotFound())) {
                        throw e;
                    }
                }
            }
        }
    }

    /**
     * One slice per port list, split at the configured size; a single empty slice when there is
     * no endpoint at all (Kubernetes keeps such a placeholder so that readers see the Service).
     */
    private List<SliceContent> wantedSlices(Map<List<ServiceBackends.Port>, List<ServiceBackends.Backend>> groups) {
        List<SliceContent> slices = new ArrayList<>();
        for (Map.Entry<List<ServiceBackends.Port>, List<ServiceBackends.Backend>> group : groups.entrySet()) {
            List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports = group.getKey().stream()
                    .map(p -> new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder()
                            .withName(p.name()).withPort(p.port()).withProtocol(p.protocol()).withAppProtocol(p.appProtocol()).build())
                    .toList();
            List<Endpoint> endpoints = group.getValue().stream()
                    .filter(b -> !b.ip().contains(":")) // IPv4 slices only
                    .map(EndpointsController::endpoint)
                    .toList();
            for (int from = 0; from < endpoints.size(); from += maxPerSlice) {
                slices.add(new SliceContent(ports, endpoints.subList(from, Math.min(endpoints.size(), from + maxPerSlice))));
            }
        }
        if (slices.isEmpty()) {
            slices.add(new SliceContent(List.of(), List.of()));
        }
        return slices;
    }

    private static Endpoint endpoint(ServiceBackends.Backend b) {
        return new EndpointBuilder()
                .withAddresses(b.ip())
                .withHostname(b.hostname())
                .withNewConditions().withReady(b.ready()).withServing(b.ready()).withTerminating(false).endConditions()
                .withNodeName(b.nodeName())
                .withTargetRef(podReference(b.pod()))
                .build();
    }

    private static EndpointSlice newSlice(Service service, SliceContent content) {
        String name = service.getMetadata().getName();
        return new EndpointSliceBuilder()
                .withNewMetadata()
                .withNamespace(service.getMetadata().getNamespace())
                .withGenerateName(name + "-")
                .addToLabels(SERVICE_NAME_LABEL, name)
                .addToLabels(MANAGED_BY_LABEL, MANAGED_BY)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("v1").withKind("Service").withName(name).withUid(service.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withAddressType("IPv4")
                .withPorts(content.ports())
                .withEndpoints(content.endpoints())
                .build();
    }

    private static boolean ownedBy(EndpointSlice slice, String serviceUid) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        return labels != null && MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL))
                && slice.getMetadata().getOwnerReferences() != null
                && slice.getMetadata().getOwnerReferences().stream()
                        .anyMatch(r -> Boolean.TRUE.equals(r.getController()) && Objects.equals(r.getUid(), serviceUid));
    }

    private static boolean sameContent(EndpointSlice slice, SliceContent want) {
        return "IPv4".equals(slice.getAddressType())
                && sameJson(portsOf(slice), want.ports())
                && sameJson(nullToEmpty(slice.getEndpoints()), want.endpoints());
    }

    private static List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> portsOf(EndpointSlice slice) {
        return nullToEmpty(slice.getPorts());
    }

    /**
     * Equal as the API would store them: fabric8 models tell an absent list from an empty one,
     * JSON with fabric8's non-empty inclusion does not.
     */
    private static boolean sameJson(Object a, Object b) {
        return Json.MAPPER.valueToTree(a).equals(Json.MAPPER.valueToTree(b));
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static Map<String, String> emptyToNull(Map<String, String> map) {
        return map == null || map.isEmpty() ? null : map;
    }
}
