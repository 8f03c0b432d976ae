package io.karavel.apiserver.impl.service;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.store.KeyExistsException;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreKeys;
import io.karavel.apiserver.impl.rest.Json;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster DNS Service {@code kube-system/kube-dns}, which the API server makes sure exists
 * (like the system namespaces): cluster IP = range base + 10 (127.96.0.10 by default), ports 53
 * UDP {@code dns} and 53 TCP {@code dns-tcp}, no selector. No pod serves it: each node's proxy
 * answers DNS on that address itself, which the {@code karavel.io/served-by} annotation says.
 *
 * <p>There is deliberately no {@code default/kubernetes} Service: it would advertise the API
 * server to pods as an HTTPS endpoint, and ours is plain HTTP.
 */
public final class KubeDnsService {
    private static final Logger LOG = LoggerFactory.getLogger(KubeDnsService.class);

    public static final String NAMESPACE = "kube-system";
    public static final String NAME = "kube-dns";
    /** The DNS Service's address: this many addresses after the range's network address. */
    public static final int IP_OFFSET = 10;
    public static final String SERVED_BY_ANNOTATION = "karavel.io/served-by";

    private KubeDnsService() {}

    /**
     * Creates the Service unless it exists (idempotent; safe with several API servers). Runs at
     * startup and with every repair pass, so a kube-dns deleted by hand comes back.
     */
    public static void ensure(Store store, ServiceAllocator allocator, Clock clock) {
        String key = StoreKeys.key("", "services", NAMESPACE, NAME);
        if (store.get(key).isPresent()) {
            return;
        }
        Ipv4Range range = allocator.settings().clusterIpRange();
        if (IP_OFFSET > range.lastOffset()) {
            LOG.error("the cluster IP range {} is too small for the DNS Service at its base + {}: not creating {}/{}",
                    range, IP_OFFSET, NAMESPACE, NAME);
            return;
        }
        String ip = range.address(IP_OFFSET);
        AllocationOwner owner = new AllocationOwner(NAMESPACE, NAME, UUID.randomUUID().toString());
        if (allocator.ips().allocate(IP_OFFSET, owner) == StoreAllocator.Outcome.TAKEN) {
            AllocationOwner holder = allocator.ips().get(IP_OFFSET).map(StoreAllocator.Allocation::owner).orElse(null);
            if (holder != null && NAMESPACE.equals(holder.namespace()) && NAME.equals(holder.name())) {
                // another API server is creating it, or one crashed between the allocation and the
                // write: the repair removes that allocation after its grace period and a later
                // ensure creates the Service
                return;
            }
            LOG.error("the DNS address {} is allocated to another Service ({}): not creating {}/{}",
                    ip, allocator.ips().get(IP_OFFSET).map(a -> a.owner().toString()).orElse("?"), NAMESPACE, NAME);
            return;
        }
        try {
            store.create(key, Json.bytes(service(owner.uid(), ip, clock)));
            LOG.info("created the DNS Service {}/{} at {}", NAMESPACE, NAME, ip);
        } catch (KeyExistsException e) {
            allocator.ips().release(IP_OFFSET, owner.uid()); // another API server created it first
        } catch (RuntimeException e) {
            allocator.ips().release(IP_OFFSET, owner.uid());
            throw e;
        }
    }

    private static ObjectNode service(String uid, String ip, Clock clock) {
        ObjectNode svc = Json.object();
        svc.put("apiVersion", "v1");
        svc.put("kind", "Service");
        ObjectNode meta = svc.putObject("metadata");
        meta.put("name", NAME);
        meta.put("namespace", NAMESPACE);
        meta.put("uid", uid);
        meta.put("generation", 1);
        meta.put("creationTimestamp", DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)));
        ObjectNode labels = meta.putObject("labels");
        labels.put("k8s-app", "kube-dns");
        labels.put("kubernetes.io/name", "KaravelDNS");
        meta.putObject("annotations").put(SERVED_BY_ANNOTATION, "node-proxy");
        ObjectNode spec = svc.putObject("spec");
        spec.put("type", "ClusterIP");
        spec.put("clusterIP", ip);
        spec.putArray("clusterIPs").add(ip);
        spec.putArray("ipFamilies").add("IPv4");
        spec.put("ipFamilyPolicy", "SingleStack");
        spec.put("sessionAffinity", "None");
        ArrayNode ports = spec.putArray("ports");
        ports.addObject().put("name", "dns").put("port", 53).put("protocol", "UDP").put("targetPort", 53);
        ports.addObject().put("name", "dns-tcp").put("port", 53).put("protocol", "TCP").put("targetPort", 53);
        svc.putObject("status").putObject("loadBalancer");
        return svc;
    }
}
