package io.karavel.apiserver.impl.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreKeys;
import io.karavel.apiserver.impl.rest.Json;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the allocations back in line with the Services (Kubernetes' cluster IP and node port
 * repair controllers): removes allocations no Service uses, once older than the grace period (a
 * create allocates before it writes its Service), and records the allocations missing for
 * existing Services (a crash between a Service's removal and its release, a Service written
 * before allocations existed, an allocation removed by hand).
 *
 * <p>Stateless and idempotent: the allocations are listed before the Services, and every removal
 * is a compare-and-swap on the allocation read, so several API servers may repair the same store
 * at once.
 */
public final class ServiceRepair {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceRepair.class);

    /** What one pass changed. */
    public record Result(int removed, int recorded) {}

    private final Store store;
    private final ServiceAllocator allocator;
    private final Clock clock;
    private final Duration grace;

    public ServiceRepair(Store store, ServiceAllocator allocator, Clock clock) {
        this.store = store;
        this.allocator = allocator;
        this.clock = clock;
        this.grace = allocator.settings().repairGrace();
    }

    /** One repair pass over cluster IPs and node ports. */
    public Result runOnce() {
        // allocations first: one made after this listing has its Service in the later one, or is young
        List<StoreAllocator.Allocation> ipAllocations = allocator.ips().list();
        List<StoreAllocator.Allocation> portAllocations = allocator.nodePorts().list();
        Map<Integer, AllocationOwner> ipUsers = new HashMap<>();
        Map<Integer, AllocationOwner> portUsers = new HashMap<>();
        Ipv4Range range = allocator.settings().clusterIpRange();
        PortRange ports = allocator.settings().nodePortRange();
        for (KeyValue kv : store.list(StoreKeys.resourcePrefix("", "services"), null, 0).items()) {
            ObjectNode svc = Json.readObject(kv.value());
            JsonNode meta = svc.path("metadata");
            AllocationOwner owner = new AllocationOwner(
                    meta.path("namespace").asText(), meta.path("name").asText(), meta.path("uid").asText());
            JsonNode spec = svc.path("spec");
            if ("ExternalName".equals(spec.path("type").asText())) {
                continue;
            }
            String ip = spec.path("clusterIP").asText("");
            int offset = range.offsetOf(ip);
            if (offset >= 0) {
                claim(ipUsers, offset, owner, "cluster IP " + ip);
            } else if (!ip.isEmpty() && !ServiceAllocator.HEADLESS.equals(ip)) {
                LOG.warn("service {} has cluster IP {} outside the cluster IP range {}", owner, ip, range);
            }
            String type = spec.path("type").asText();
            if ("NodePort".equals(type) || "LoadBalancer".equals(type)) {
                Set<Integer> own = new HashSet<>();
                for (JsonNode p : spec.path("ports")) {
                    int np = p.path("nodePort").asInt(0);
                    if (np != 0 && own.add(np)) {
                        if (ports.contains(np)) {
                            claim(portUsers, np, owner, "node port " + np);
                        } else {
                            LOG.warn("service {} has node port {} outside the node port range {}", owner, np, ports);
                        }
                    }
                }
            }
        }
        int removed = 0;
        int recorded = 0;
        removed += removeLeaks(allocator.ips(), ipAllocations, ipUsers);
        removed += removeLeaks(allocator.nodePorts(), portAllocations, portUsers);
        recorded += recordMissing(allocator.ips(), ipAllocations, ipUsers);
        recorded += recordMissing(allocator.nodePorts(), portAllocations, portUsers);
        if (removed > 0 || recorded > 0) {
            LOG.info("service allocation repair: removed {} leaked and recorded {} missing allocations", removed, recorded);
        }
        return new Result(removed, recorded);
    }

    private static void claim(Map<Integer, AllocationOwner> users, int value, AllocationOwner owner, String what) {
        AllocationOwner previous = users.putIfAbsent(value, owner);
        if (previous != null) {
            LOG.error("{} is used by two services, {} and {}: delete and recreate one of them", what, previous, owner);
        }
    }

    private int removeLeaks(StoreAllocator allocations, List<StoreAllocator.Allocation> listed,
            Map<Integer, AllocationOwner> users) {
        int removed = 0;
        for (StoreAllocator.Allocation a : listed) {
            AllocationOwner user = users.get(a.value());
            if (user != null && user.uid().equals(a.owner().uid())) {
                continue;
            }
            if (user == null && a.allocatedAt().plus(grace).isAfter(clock.instant())) {
                continue; // young: its Service may be about to be written
            }
            if (allocations.releaseIfUnchanged(a)) {
                removed++;
                LOG.info("released {}: allocated to {}, {}", a.key(), a.owner(),
                        user == null ? "which does not use it any more" : "but used by " + user);
            }
        }
        return removed;
    }

    private static int recordMissing(StoreAllocator allocations, List<StoreAllocator.Allocation> listed,
            Map<Integer, AllocationOwner> users) {
        Set<Integer> allocated = new HashSet<>();
        for (StoreAllocator.Allocation a : listed) {
            if (users.containsKey(a.value()) && users.get(a.value()).uid().equals(a.owner().uid())) {
                allocated.add(a.value());
            }
        }
        int recorded = 0;
        for (Map.Entry<Integer, AllocationOwner> e : users.entrySet()) {
            if (allocated.contains(e.getKey())) {
                continue;
            }
            switch (allocations.allocate(e.getKey(), e.getValue())) {
                case ALLOCATED -> recorded++;
                case ALREADY_OWNED -> { }
                case TAKEN -> LOG.error("{}{} is used by service {} but allocated to another service",
                        allocations.prefix(), e.getKey(), e.getValue());
            }
        }
        return recorded;
    }
}
