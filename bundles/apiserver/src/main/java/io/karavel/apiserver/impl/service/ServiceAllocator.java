package io.karavel.apiserver.impl.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.WriteHooks;
import io.karavel.apiserver.impl.strategy.FieldErrors;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Allocates Services' cluster IPs and node ports as the API server writes them, with Kubernetes'
 * semantics: an empty {@code clusterIP} gets a free address of the range, {@code None} makes a
 * headless Service, an explicit address is honoured if it is in the range and free (else 422);
 * NodePort and LoadBalancer Services get a node port per port unless one is given. Updates keep
 * the allocated values a client leaves out, allocate and release with type and port changes; a
 * Service removed from the store, by whatever path, releases what it held.
 *
 * <p>The allocations are store keys outside the resource key space, created with
 * create-if-absent (see {@link StoreAllocator}): {@value #CLUSTER_IP_PREFIX}{@code <ip>} and
 * {@value #NODE_PORT_PREFIX}{@code <port>}. API groups are DNS subdomains and the core group is
 * {@code core}, so a segment starting with {@code _} is never a resource's key, list or watch
 * prefix, and no allocation is ever served. Nothing is kept in memory: several API servers may
 * share the store.
 */
public final class ServiceAllocator implements WriteHooks {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceAllocator.class);

    /** Prefix of every allocation key. */
    public static final String KEY_PREFIX = "/_allocations/";
    /** Cluster IP allocations: {@code /_allocations/serviceips/<ip>}. */
    public static final String CLUSTER_IP_PREFIX = KEY_PREFIX + "serviceips/";
    /** Node port allocations: {@code /_allocations/servicenodeports/<port>}. */
    public static final String NODE_PORT_PREFIX = KEY_PREFIX + "servicenodeports/";

    static final String HEADLESS = "None";

    private final ServiceNetworkSettings settings;
    private final StoreAllocator ips;
    private final StoreAllocator nodePorts;

    public ServiceAllocator(Store store, ServiceNetworkSettings settings, Clock clock) {
        this.settings = settings;
        Ipv4Range range = settings.clusterIpRange();
        this.ips = new StoreAllocator(store, CLUSTER_IP_PREFIX, range.firstOffset(), range.lastOffset(),
                range::address, range::offsetOf, clock);
        PortRange ports = settings.nodePortRange();
        this.nodePorts = new StoreAllocator(store, NODE_PORT_PREFIX, ports.first(), ports.last(),
                Integer::toString, ServiceAllocator::portOf, clock);
    }

    public ServiceNetworkSettings settings() {
        return settings;
    }

    StoreAllocator ips() {
        return ips;
    }

    StoreAllocator nodePorts() {
        return nodePorts;
    }

    static boolean isService(ResourceType type) {
        return type.group().isEmpty() && "Service".equals(type.kind());
    }

    /** Every type but ExternalName has a cluster IP (or is headless). */
    static boolean needsClusterIp(ServiceSpec spec) {
        return !"ExternalName".equals(spec.getType());
    }

    /** NodePort and LoadBalancer Services may hold node ports (given ones at least). */
    static boolean holdsNodePorts(ServiceSpec spec) {
        return "NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType());
    }

    /**
     * NodePort and LoadBalancer Services (unless allocateLoadBalancerNodePorts is false) get a
     * node port for every port that has none.
     */
    static boolean needsNodePorts(ServiceSpec spec) {
        return "NodePort".equals(spec.getType())
                || ("LoadBalancer".equals(spec.getType()) && !Boolean.FALSE.equals(spec.getAllocateLoadBalancerNodePorts()));
    }

    // ---------------------------------------------------------------- update preparation

    @Override
    public void prepareUpdate(ResourceType type, HasMetadata object, HasMetadata old) {
        if (!isService(type)) {
            return;
        }
        ServiceSpec spec = ((Service) object).getSpec();
        ServiceSpec oldSpec = ((Service) old).getSpec();
        if (spec == null || oldSpec == null) {
            return;
        }
        normalizeClusterIps(spec, oldSpec);
        dropTypeDependentFields(spec, oldSpec);
        patchAllocatedValues(spec, oldSpec);
    }

    /** Kubernetes' NormalizeClusterIPs for updates: keeps clusterIP and clusterIPs consistent. */
    private static void normalizeClusterIps(ServiceSpec spec, ServiceSpec old) {
        String ip = emptyToNull(spec.getClusterIP());
        if (ip == null && Objects.equals(nullIfEmpty(spec.getClusterIPs()), nullIfEmpty(old.getClusterIPs()))) {
            spec.setClusterIPs(null); // the client cleared clusterIP only: clear both (allocation fills them back)
        }
        if (ip != null && nullIfEmpty(spec.getClusterIPs()) == null) {
            spec.setClusterIPs(new ArrayList<>(List.of(ip)));
        }
        if (ip != null && !ip.equals(old.getClusterIP())
                && Objects.equals(nullIfEmpty(spec.getClusterIPs()), nullIfEmpty(old.getClusterIPs()))) {
            spec.setClusterIPs(new ArrayList<>(List.of(ip))); // a changed clusterIP wins (and then fails immutability)
        }
    }

    /**
     * Kubernetes' dropTypeDependentFields: leaving a type that had a cluster IP or node ports
     * clears them when the client kept them as they were (so {@code kubectl apply} can change the
     * type without clearing them by hand).
     */
    private static void dropTypeDependentFields(ServiceSpec spec, ServiceSpec old) {
        if (needsClusterIp(old) && !needsClusterIp(spec)
                && Objects.equals(emptyToNull(spec.getClusterIP()), emptyToNull(old.getClusterIP()))
                && Objects.equals(nullIfEmpty(spec.getClusterIPs()), nullIfEmpty(old.getClusterIPs()))) {
            spec.setClusterIP(null);
            spec.setClusterIPs(null);
            if (Objects.equals(nullIfEmpty(spec.getIpFamilies()), nullIfEmpty(old.getIpFamilies()))) {
                spec.setIpFamilies(null);
            }
            if (Objects.equals(spec.getIpFamilyPolicy(), old.getIpFamilyPolicy())) {
                spec.setIpFamilyPolicy(null);
            }
        }
        if (holdsNodePorts(old) && !holdsNodePorts(spec) && sameNodePorts(spec, old)) {
            for (ServicePort p : ports(spec)) {
                p.setNodePort(null);
            }
        }
    }

    private static boolean sameNodePorts(ServiceSpec spec, ServiceSpec old) {
        List<ServicePort> ports = ports(spec);
        List<ServicePort> oldPorts = ports(old);
        for (int i = 0; i < ports.size(); i++) {
            Integer np = nodePortOf(ports.get(i));
            if (np == null) {
                continue;
            }
            if (i >= oldPorts.size() || !np.equals(nodePortOf(oldPorts.get(i)))) {
                return false;
            }
        }
        return true;
    }

    /** Kubernetes' patchAllocatedValues: what the server assigned stays when the client leaves it out. */
    private static void patchAllocatedValues(ServiceSpec spec, ServiceSpec old) {
        if (needsClusterIp(old) && needsClusterIp(spec)) {
            if (emptyToNull(spec.getClusterIP()) == null) {
                spec.setClusterIP(old.getClusterIP());
            }
            if (nullIfEmpty(spec.getClusterIPs()) == null && nullIfEmpty(old.getClusterIPs()) != null) {
                spec.setClusterIPs(new ArrayList<>(old.getClusterIPs()));
            }
            if (nullIfEmpty(spec.getIpFamilies()) == null && nullIfEmpty(old.getIpFamilies()) != null) {
                spec.setIpFamilies(new ArrayList<>(old.getIpFamilies()));
            }
            if (spec.getIpFamilyPolicy() == null) {
                spec.setIpFamilyPolicy(old.getIpFamilyPolicy());
            }
        }
        if (holdsNodePorts(old) && holdsNodePorts(spec)) {
            Set<Integer> usedByBoth = nodePortSet(old);
            usedByBoth.retainAll(nodePortSet(spec));
            Map<String, Integer> byName = new HashMap<>();
            for (ServicePort p : ports(old)) {
                byName.put(p.getName() == null ? "" : p.getName(), nodePortOf(p));
            }
            for (ServicePort p : ports(spec)) {
                if (nodePortOf(p) == null) {
                    Integer previous = byName.get(p.getName() == null ? "" : p.getName());
                    if (previous != null && !usedByBoth.contains(previous)) {
                        p.setNodePort(previous);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- allocation

    @Override
    public Pending beginCreate(ResourceType type, HasMetadata object, boolean dryRun) {
        if (!isService(type)) {
            return Pending.NONE;
        }
        Service service = (Service) object;
        Transaction txn = new Transaction(service, dryRun);
        try {
            ServiceSpec spec = service.getSpec();
            if (needsClusterIp(spec)) {
                txn.assignClusterIp(spec, null);
            }
            if (holdsNodePorts(spec)) {
                txn.assignNodePorts(spec, Set.of(), needsNodePorts(spec));
            }
            return txn;
        } catch (RuntimeException e) {
            txn.abort();
            throw e;
        }
    }

    @Override
    public Pending beginUpdate(ResourceType type, HasMetadata object, HasMetadata old, boolean dryRun) {
        if (!isService(type)) {
            return Pending.NONE;
        }
        Service service = (Service) object;
        ServiceSpec spec = service.getSpec();
        ServiceSpec oldSpec = ((Service) old).getSpec();
        Transaction txn = new Transaction(service, dryRun);
        try {
            String oldIp = needsClusterIp(oldSpec) ? allocatableIp(oldSpec.getClusterIP()) : null;
            if (needsClusterIp(spec)) {
                txn.assignClusterIp(spec, oldIp);
                if (oldIp != null && !oldIp.equals(spec.getClusterIP())) {
                    txn.releaseIpOnCommit(oldIp);
                }
            } else if (oldIp != null) {
                txn.releaseIpOnCommit(oldIp);
            }
            Set<Integer> oldPorts = holdsNodePorts(oldSpec) ? nodePortSet(oldSpec) : Set.of();
            Set<Integer> kept = holdsNodePorts(spec) ? txn.assignNodePorts(spec, oldPorts, needsNodePorts(spec)) : Set.of();
            for (Integer port : oldPorts) {
                if (!kept.contains(port)) {
                    txn.releasePortOnCommit(port);
                }
            }
            return txn;
        } catch (RuntimeException e) {
            txn.abort();
            throw e;
        }
    }

    @Override
    public void afterDelete(ResourceType type, ObjectNode removed) {
        if (!isService(type)) {
            return;
        }
        String uid = removed.path("metadata").path("uid").asText("");
        JsonNode spec = removed.path("spec");
        try {
            String ip = allocatableIp(spec.path("clusterIP").asText(""));
            if (ip != null) {
                ips.release(settings.clusterIpRange().offsetOf(ip), uid);
            }
            for (JsonNode port : spec.path("ports")) {
                int np = port.path("nodePort").asInt(0);
                if (settings.nodePortRange().contains(np)) {
                    nodePorts.release(np, uid);
                }
            }
        } catch (RuntimeException e) {
            // the Service is gone already; the repair removes what could not be released now
            LOG.warn("could not release the allocations of service {}/{}: {}", removed.path("metadata").path("namespace").asText(),
                    removed.path("metadata").path("name").asText(), e.toString());
        }
    }

    /** {@code ip} when it is an address this allocator manages, else null (empty, None, out of range). */
    String allocatableIp(String ip) {
        return ip != null && settings.clusterIpRange().offsetOf(ip) >= 0 ? ip : null;
    }

    /**
     * The allocations one write made, undone if the write fails, and the releases it implies,
     * done once it succeeded.
     */
    private final class Transaction implements Pending {
        private final Service service;
        private final AllocationOwner owner;
        private final boolean dryRun;
        private final List<Runnable> undo = new ArrayList<>();
        private final List<Runnable> onCommit = new ArrayList<>();

        Transaction(Service service, boolean dryRun) {
            this.service = service;
            this.owner = new AllocationOwner(service.getMetadata().getNamespace(), service.getMetadata().getName(),
                    service.getMetadata().getUid());
            this.dryRun = dryRun;
        }

        void assignClusterIp(ServiceSpec spec, String kept) {
            String ip = emptyToNull(spec.getClusterIP());
            if (HEADLESS.equals(ip)) {
                spec.setClusterIPs(new ArrayList<>(List.of(HEADLESS)));
            } else if (ip == null) {
                ip = allocateNextIp();
                spec.setClusterIP(ip);
                spec.setClusterIPs(new ArrayList<>(List.of(ip)));
            } else {
                if (!ip.equals(kept)) {
                    allocateIp(ip);
                }
                spec.setClusterIPs(new ArrayList<>(List.of(ip)));
            }
            if (nullIfEmpty(spec.getIpFamilies()) == null) {
                spec.setIpFamilies(new ArrayList<>(List.of("IPv4")));
            }
            if (spec.getIpFamilyPolicy() == null) {
                spec.setIpFamilyPolicy("SingleStack");
            }
        }

        private String allocateNextIp() {
            Ipv4Range range = settings.clusterIpRange();
            try {
                if (dryRun) {
                    int offset = ips.peekFree();
                    if (offset < 0) {
                        throw new StoreAllocator.RangeFullException();
                    }
                    return range.address(offset);
                }
                int offset = ips.allocateNext(owner);
                undo.add(() -> ips.release(offset, owner.uid()));
                return range.address(offset);
            } catch (StoreAllocator.RangeFullException e) {
                throw ApiException.internal("Internal error occurred: failed to allocate a serviceIP: range is full");
            } catch (StoreUnavailableException e) {
                throw ApiException.unavailable(e.getMessage());
            }
        }

        private void allocateIp(String ip) {
            Ipv4Range range = settings.clusterIpRange();
            int offset = range.offsetOf(ip);
            if (offset < 0) {
                throw invalidIp(ip, "the provided IP (" + ip + ") is not in the valid range. The range of valid IPs is "
                        + range.cidr());
            }
            try {
                if (dryRun) {
                    if (ips.get(offset).filter(a -> !a.owner().uid().equals(owner.uid())).isPresent()) {
                        throw invalidIp(ip, "provided IP is already allocated");
                    }
                    return;
                }
                switch (ips.allocate(offset, owner)) {
                    case ALLOCATED -> undo.add(() -> ips.release(offset, owner.uid()));
                    case ALREADY_OWNED -> { } // recorded by the repair meanwhile: ours
                    case TAKEN -> throw invalidIp(ip, "provided IP is already allocated");
                }
            } catch (StoreUnavailableException e) {
                throw ApiException.unavailable(e.getMessage());
            }
        }

        private ApiException invalidIp(String ip, String why) {
            FieldErrors errors = new FieldErrors().invalid("spec.clusterIPs[0]", ip, "failed to allocate IP " + ip + ": " + why);
            return ApiException.invalid("Service", "", "Service", owner.name(), errors.causes());
        }

        /**
         * Gives every port a node port: the given one (allocated unless {@code kept} has it), the
         * one of another port with the same port number (Kubernetes shares it between protocols),
         * or a free one (unless {@code allocateMissing} is false: a LoadBalancer with
         * allocateLoadBalancerNodePorts false). Returns the node ports the Service now uses.
         */
        Set<Integer> assignNodePorts(ServiceSpec spec, Set<Integer> kept, boolean allocateMissing) {
            List<ServicePort> ports = ports(spec);
            Set<Integer> used = new HashSet<>();
            Map<Integer, Integer> byServicePort = new HashMap<>();
            FieldErrors errors = new FieldErrors();
            for (int i = 0; i < ports.size(); i++) {
                ServicePort p = ports.get(i);
                Integer np = nodePortOf(p);
                if (np == null) {
                    continue;
                }
                if (!used.contains(np) && !kept.contains(np)) {
                    String why = allocatePort(np);
                    if (why != null) {
                        errors.invalid("spec.ports[" + i + "].nodePort", np, why);
                        continue;
                    }
                }
                used.add(np);
                if (p.getPort() != null) {
                    byServicePort.putIfAbsent(p.getPort(), np);
                }
            }
            if (!errors.isEmpty()) {
                throw ApiException.invalid("Service", "", "Service", owner.name(), errors.causes());
            }
            for (ServicePort p : allocateMissing ? ports : List.<ServicePort>of()) {
                if (nodePortOf(p) != null) {
                    continue;
                }
                Integer shared = p.getPort() == null ? null : byServicePort.get(p.getPort());
                int np = shared != null ? shared : allocateNextPort();
                p.setNodePort(np);
                used.add(np);
                if (p.getPort() != null) {
                    byServicePort.putIfAbsent(p.getPort(), np);
                }
            }
            return used;
        }

        /** Allocates an explicit node port; the reason it failed, or null. */
        private String allocatePort(int port) {
            PortRange range = settings.nodePortRange();
            if (!range.contains(port)) {
                return "provided port is not in the valid range. The range of valid ports is " + range;
            }
            try {
                if (dryRun) {
                    return nodePorts.get(port).filter(a -> !a.owner().uid().equals(owner.uid())).isPresent()
                            ? "provided port is already allocated" : null;
                }
                return switch (nodePorts.allocate(port, owner)) {
                    case ALLOCATED -> {
                        undo.add(() -> nodePorts.release(port, owner.uid()));
                        yield null;
                    }
                    case ALREADY_OWNED -> null;
                    case TAKEN -> "provided port is already allocated";
                };
            } catch (StoreUnavailableException e) {
                throw ApiException.unavailable(e.getMessage());
            }
        }

        private int allocateNextPort() {
            try {
                if (dryRun) {
                    int port = nodePorts.peekFree();
                    if (port < 0) {
                        throw new StoreAllocator.RangeFullException();
                    }
                    return port;
                }
                int port = nodePorts.allocateNext(owner);
                undo.add(() -> nodePorts.release(port, owner.uid()));
                return port;
            } catch (StoreAllocator.RangeFullException e) {
                throw ApiException.internal("Internal error occurred: failed to allocate a nodePort: range is full");
            } catch (StoreUnavailableException e) {
                throw ApiException.unavailable(e.getMessage());
            }
        }

        void releaseIpOnCommit(String ip) {
            int offset = settings.clusterIpRange().offsetOf(ip);
            onCommit.add(() -> ips.release(offset, owner.uid()));
        }

        void releasePortOnCommit(int port) {
            if (settings.nodePortRange().contains(port)) {
                onCommit.add(() -> nodePorts.release(port, owner.uid()));
            }
        }

        @Override
        public void commit() {
            if (!dryRun) {
                runAll(onCommit);
            }
        }

        @Override
        public void abort() {
            runAll(undo);
        }

        private void runAll(List<Runnable> actions) {
            for (Runnable action : actions) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    // the repair removes a leftover allocation later
                    LOG.warn("could not release an allocation of service {}: {}", owner, e.toString());
                }
            }
            actions.clear();
        }
    }

    // ---------------------------------------------------------------- helpers

    static List<ServicePort> ports(ServiceSpec spec) {
        return spec.getPorts() == null ? List.of() : spec.getPorts();
    }

    static Integer nodePortOf(ServicePort p) {
        return p.getNodePort() == null || p.getNodePort() == 0 ? null : p.getNodePort();
    }

    static Set<Integer> nodePortSet(ServiceSpec spec) {
        Set<Integer> set = new HashSet<>();
        for (ServicePort p : ports(spec)) {
            Integer np = nodePortOf(p);
            if (np != null) {
                set.add(np);
            }
        }
        return set;
    }

    private static int portOf(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static <T> List<T> nullIfEmpty(List<T> list) {
        return list == null || list.isEmpty() ? null : list;
    }
}
