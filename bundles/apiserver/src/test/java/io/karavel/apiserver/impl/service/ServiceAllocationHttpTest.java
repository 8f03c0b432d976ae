package io.karavel.apiserver.impl.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Service;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.Store;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service cluster IP and node port allocation through the REST API of a real API server over a
 * MapDB store: the fields set, Kubernetes' error messages, release, persistence across restarts,
 * repair, and uniqueness under concurrent creates.
 */
class ServiceAllocationHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVICES = "/api/v1/namespaces/default/services";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MapDbStore store;
    private ApiServer server;

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private void start(ServiceNetworkSettings services) throws Exception {
        store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        toClose.add(store);
        server = startServer(store, services);
    }

    private ApiServer startServer(Store on, ServiceNetworkSettings services) throws Exception {
        ApiServer s = new ApiServer(on, new ApiServerSettings("127.0.0.1", 0, null).withServices(services));
        toClose.add(s);
        s.start();
        return s;
    }

    record Reply(int code, JsonNode json) {
        String message() {
            return json.path("message").asText();
        }
    }

    private Reply send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), JSON.readTree(r.body()));
    }

    private Reply post(String json) throws Exception {
        return send("POST", SERVICES, "application/json", json);
    }

    private JsonNode created(String json) throws Exception {
        Reply r = post(json);
        assertThat(r.code()).as(r.json().toString()).isEqualTo(201);
        return r.json();
    }

    private static String service(String name, String spec) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":" + spec + "}";
    }

    private static String clusterIp(String name, String ip) {
        return service(name, "{\"clusterIP\":\"" + ip + "\",\"ports\":[{\"port\":80}]}");
    }

    private static String plain(String name) {
        return service(name, "{\"selector\":{\"app\":\"" + name + "\"},\"ports\":[{\"port\":80,\"targetPort\":8080}]}");
    }

    private static String nodePort(String name, String ports) {
        return service(name, "{\"type\":\"NodePort\",\"ports\":" + ports + "}");
    }

    private Set<String> allocated(String prefix) {
        Set<String> keys = new HashSet<>();
        for (KeyValue kv : store.list(prefix, null, 0).items()) {
            keys.add(kv.key().substring(prefix.length()));
        }
        return keys;
    }

    private String ownerUid(String key) throws Exception {
        return JSON.readTree(store.get(key).orElseThrow().value()).path("uid").asText();
    }

    @Test
    void anEmptyClusterIpGetsAFreeAddressOfTheRangeAndTheFieldsThatGoWithIt() throws Exception {
        start(ServiceNetworkSettings.defaults());
        JsonNode svc = created(plain("web"));
        String ip = svc.at("/spec/clusterIP").asText();
        Ipv4Range range = Ipv4Range.parse("127.96.0.0/16");
        assertThat(range.offsetOf(ip)).as(ip).isPositive();
        assertThat(svc.at("/spec/clusterIPs")).hasSize(1);
        assertThat(svc.at("/spec/clusterIPs/0").asText()).isEqualTo(ip);
        assertThat(svc.at("/spec/ipFamilies").toString()).isEqualTo("[\"IPv4\"]");
        assertThat(svc.at("/spec/ipFamilyPolicy").asText()).isEqualTo("SingleStack");
        assertThat(svc.at("/status/loadBalancer").isObject()).isTrue();
        assertThat(ownerUid(ServiceAllocator.CLUSTER_IP_PREFIX + ip)).isEqualTo(svc.at("/metadata/uid").asText());
        // dynamic addresses stay out of the lower band, where kube-dns's base + 10 lives
        assertThat(range.offsetOf(ip)).isGreaterThan(256);

        // the allocation keys are never served, listed or watched as objects
        JsonNode all = send("GET", "/api/v1/services", null, null).json();
        for (JsonNode item : all.path("items")) {
            assertThat(item.path("kind").asText("Service")).isEqualTo("Service");
            assertThat(item.at("/metadata/name").asText()).isIn("web", "kube-dns");
        }
        assertThat(all.path("items")).hasSize(2);
        JsonNode read = send("GET", SERVICES + "/web", null, null).json();
        assertThat(read.at("/spec/clusterIP").asText()).isEqualTo(ip);
    }

    @Test
    void watchesSeeTheServicesAndNeverTheAllocationKeys() throws Exception {
        start(ServiceNetworkSettings.defaults());
        String rv = send("GET", SERVICES, null, null).json().at("/metadata/resourceVersion").asText();
        HttpRequest watch = HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/services?watch=true&resourceVersion=" + rv))
                .build();
        LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        HttpResponse<java.util.stream.Stream<String>> response = http.send(watch, HttpResponse.BodyHandlers.ofLines());
        Thread reader = new Thread(() -> {
            try {
                response.body().forEach(events::add);
            } catch (java.io.UncheckedIOException e) {
                // the test closed the stream
            }
        }, "watch-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            created(nodePort("first", "[{\"port\":80}]"));
            created(plain("second"));
            send("DELETE", SERVICES + "/first", null, null);
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String line = events.poll(10, TimeUnit.SECONDS);
                assertThat(line).as("event " + i).isNotNull();
                JsonNode event = JSON.readTree(line);
                assertThat(event.at("/object/kind").asText()).isEqualTo("Service");
                seen.add(event.path("type").asText() + " " + event.at("/object/metadata/name").asText());
            }
            assertThat(seen).containsExactly("ADDED first", "ADDED second", "DELETED first");
        } finally {
            response.body().close();
        }
    }

    @Test
    void explicitAddressesAreHonouredOnlyInTheRangeAndWhenFree() throws Exception {
        start(ServiceNetworkSettings.defaults());
        JsonNode a = created(clusterIp("a", "127.96.3.4"));
        assertThat(a.at("/spec/clusterIP").asText()).isEqualTo("127.96.3.4");
        assertThat(a.at("/spec/clusterIPs/0").asText()).isEqualTo("127.96.3.4");

        Reply duplicate = post(clusterIp("b", "127.96.3.4"));
        assertThat(duplicate.code()).isEqualTo(422);
        assertThat(duplicate.json().path("reason").asText()).isEqualTo("Invalid");
        assertThat(duplicate.message()).isEqualTo("Service \"b\" is invalid: spec.clusterIPs[0]: Invalid value: \"127.96.3.4\":"
                + " failed to allocate IP 127.96.3.4: provided IP is already allocated");

        Reply outside = post(clusterIp("c", "10.0.0.1"));
        assertThat(outside.code()).isEqualTo(422);
        assertThat(outside.message()).isEqualTo("Service \"c\" is invalid: spec.clusterIPs[0]: Invalid value: \"10.0.0.1\":"
                + " failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range."
                + " The range of valid IPs is 127.96.0.0/16");
        assertThat(post(clusterIp("d", "127.96.255.255")).message())
                .as("the broadcast address is never handed out").contains("is not in the valid range");
        assertThat(post(clusterIp("e", "127.96.0.0")).message())
                .as("nor the network address").contains("is not in the valid range");
        assertThat(post(clusterIp("f", "not-an-ip")).code()).isEqualTo(422);
        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).containsExactlyInAnyOrder("127.96.0.10", "127.96.3.4");
    }

    @Test
    void aFailedOrDryRunCreateKeepsNoAllocation() throws Exception {
        start(ServiceNetworkSettings.defaults());
        created(plain("taken"));
        Set<String> before = allocated(ServiceAllocator.CLUSTER_IP_PREFIX);

        Reply conflict = post(clusterIp("taken", "127.96.7.7"));
        assertThat(conflict.code()).isEqualTo(409);
        Reply dryRun = send("POST", SERVICES + "?dryRun=All", "application/json", clusterIp("dry", "127.96.7.8"));
        assertThat(dryRun.code()).isEqualTo(201);
        assertThat(dryRun.json().at("/spec/clusterIP").asText()).isEqualTo("127.96.7.8");
        Reply dryAuto = send("POST", SERVICES + "?dryRun=All", "application/json", plain("dry2"));
        assertThat(dryAuto.json().at("/spec/clusterIP").asText()).startsWith("127.96.");
        Reply invalid = post(service("bad", "{\"ports\":[{\"port\":80,\"protocol\":\"XTP\"}]}"));
        assertThat(invalid.code()).isEqualTo(422);

        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).isEqualTo(before);
        // a dry run still reports a taken address
        Reply dryTaken = send("POST", SERVICES + "?dryRun=All", "application/json",
                clusterIp("dry3", send("GET", SERVICES + "/taken", null, null).json().at("/spec/clusterIP").asText()));
        assertThat(dryTaken.code()).isEqualTo(422);
        assertThat(dryTaken.message()).endsWith("provided IP is already allocated");
    }

    @Test
    void headlessAndExternalNameServicesAllocateNoAddress() throws Exception {
        start(ServiceNetworkSettings.defaults());
        Set<String> before = allocated(ServiceAllocator.CLUSTER_IP_PREFIX);
        JsonNode headless = created(service("db", "{\"clusterIP\":\"None\",\"selector\":{\"app\":\"db\"},"
                + "\"ports\":[{\"port\":5432}]}"));
        assertThat(headless.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(headless.at("/spec/clusterIPs").toString()).isEqualTo("[\"None\"]");
        JsonNode external = created(service("ext", "{\"type\":\"ExternalName\",\"externalName\":\"example.org\"}"));
        assertThat(external.at("/spec/clusterIP").isMissingNode()).isTrue();
        assertThat(external.at("/spec/clusterIPs").isMissingNode()).isTrue();
        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).isEqualTo(before);
        assertThat(post(service("ext2", "{\"type\":\"ExternalName\",\"externalName\":\"example.org\","
                + "\"clusterIP\":\"127.96.1.1\"}")).code()).isEqualTo(422);
    }

    @Test
    void aFullRangeIsAClearErrorAndDeletingReleasesTheAddressForReuse() throws Exception {
        // a /29: six usable addresses, too small for kube-dns (base + 10)
        start(ServiceNetworkSettings.of("127.96.0.0/29", "30000-30005"));
        Set<String> ips = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            ips.add(created(plain("s" + i)).at("/spec/clusterIP").asText());
        }
        assertThat(ips).containsExactlyInAnyOrder(
                "127.96.0.1", "127.96.0.2", "127.96.0.3", "127.96.0.4", "127.96.0.5", "127.96.0.6");
        Reply full = post(plain("s6"));
        assertThat(full.code()).isEqualTo(500);
        assertThat(full.json().path("reason").asText()).isEqualTo("InternalError");
        assertThat(full.message()).isEqualTo("Internal error occurred: failed to allocate a serviceIP: range is full");

        String freed = send("GET", SERVICES + "/s3", null, null).json().at("/spec/clusterIP").asText();
        assertThat(send("DELETE", SERVICES + "/s3", null, null).code()).isEqualTo(200);
        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).doesNotContain(freed);
        assertThat(created(plain("s6")).at("/spec/clusterIP").asText()).isEqualTo(freed);
    }

    @Test
    void everyDeletionPathReleases() throws Exception {
        start(ServiceNetworkSettings.defaults());
        // through the in-process client (namespace controller, garbage collector)
        String ip = created(plain("by-client")).at("/spec/clusterIP").asText();
        assertThat(server.objectClient().delete(Service.class, "default", "by-client", null)).isTrue();
        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).doesNotContain(ip);

        // when the last finalizer goes
        JsonNode held = created(service("held", "{\"type\":\"NodePort\",\"ports\":[{\"port\":80}]}")
                .replace("\"name\":\"held\"", "\"name\":\"held\",\"finalizers\":[\"example.com/hold\"]"));
        String heldIp = held.at("/spec/clusterIP").asText();
        String heldPort = held.at("/spec/ports/0/nodePort").asText();
        assertThat(send("DELETE", SERVICES + "/held", null, null).code()).isEqualTo(200);
        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).as("still there while finalizing").contains(heldIp);
        Reply done = send("PATCH", SERVICES + "/held", "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}");
        assertThat(done.code()).as(done.json().toString()).isEqualTo(200);
        assertThat(send("GET", SERVICES + "/held", null, null).code()).isEqualTo(404);
        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).doesNotContain(heldIp);
        assertThat(allocated(ServiceAllocator.NODE_PORT_PREFIX)).doesNotContain(heldPort);

        // a collection delete
        String other = created(plain("in-collection")).at("/spec/clusterIP").asText();
        assertThat(send("DELETE", SERVICES, null, null).code()).isEqualTo(200);
        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).containsExactly("127.96.0.10");
        assertThat(other).isNotEmpty();
    }

    @Test
    void allocationsSurviveARestartOverTheSameStoreDirectory() throws Exception {
        ServiceNetworkSettings settings = ServiceNetworkSettings.defaults();
        store = MapDbStore.open(dir, MapDbStore.Options.defaults());
        server = startServer(store, settings);
        created(clusterIp("pinned", "127.96.5.5"));
        int port = created(nodePort("np", "[{\"port\":80}]")).at("/spec/ports/0/nodePort").asInt();
        server.close();
        store.close();
        toClose.clear();

        store = MapDbStore.open(dir, MapDbStore.Options.defaults());
        toClose.add(store);
        server = startServer(store, settings);
        Reply again = post(clusterIp("pinned-again", "127.96.5.5"));
        assertThat(again.code()).isEqualTo(422);
        assertThat(again.message()).endsWith("provided IP is already allocated");
        Reply samePort = post(nodePort("np2", "[{\"port\":80,\"nodePort\":" + port + "}]"));
        assertThat(samePort.code()).isEqualTo(422);
        assertThat(samePort.message()).endsWith("provided port is already allocated");
        assertThat(send("GET", "/api/v1/namespaces/kube-system/services", null, null).json().path("items"))
                .as("kube-dns created once").hasSize(1);
    }

    @Test
    void theRepairRemovesLeakedAllocationsAfterTheGracePeriodAndRecordsMissingOnes() throws Exception {
        start(ServiceNetworkSettings.defaults());
        String leaked = ServiceAllocator.CLUSTER_IP_PREFIX + "127.96.9.9";
        String young = ServiceAllocator.CLUSTER_IP_PREFIX + "127.96.9.10";
        String leakedPort = ServiceAllocator.NODE_PORT_PREFIX + "31111";
        store.create(leaked, owner("gone", "u1", Instant.parse("2020-01-01T00:00:00Z")));
        store.create(leakedPort, owner("gone", "u1", Instant.parse("2020-01-01T00:00:00Z")));
        store.create(young, owner("coming", "u2", Instant.now()));
        JsonNode svc = created(nodePort("kept", "[{\"port\":80}]"));
        String ip = svc.at("/spec/clusterIP").asText();
        String port = svc.at("/spec/ports/0/nodePort").asText();
        // lost, e.g. removed by hand: the repair records it again for its Service
        store.delete(ServiceAllocator.CLUSTER_IP_PREFIX + ip, 0);
        store.delete(ServiceAllocator.NODE_PORT_PREFIX + port, 0);

        ServiceRepair.Result result = server.serviceRepair().runOnce();

        assertThat(result).isEqualTo(new ServiceRepair.Result(2, 2));
        assertThat(store.get(leaked)).isEmpty();
        assertThat(store.get(leakedPort)).isEmpty();
        assertThat(store.get(young)).as("within the grace period: its Service may be on its way").isPresent();
        assertThat(ownerUid(ServiceAllocator.CLUSTER_IP_PREFIX + ip)).isEqualTo(svc.at("/metadata/uid").asText());
        assertThat(ownerUid(ServiceAllocator.NODE_PORT_PREFIX + port)).isEqualTo(svc.at("/metadata/uid").asText());
        assertThat(server.serviceRepair().runOnce()).isEqualTo(new ServiceRepair.Result(0, 0));
    }

    private static byte[] owner(String name, String uid, Instant at) {
        return ("{\"namespace\":\"default\",\"name\":\"" + name + "\",\"uid\":\"" + uid + "\",\"allocatedAt\":\"" + at + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void concurrentCreatesNeverShareAnAddressOrANodePort() throws Exception {
        start(ServiceNetworkSettings.of("127.96.0.0/24", "30000-30299"));
        int services = 200;
        ExecutorService threads = Executors.newFixedThreadPool(16);
        AtomicInteger next = new AtomicInteger();
        ConcurrentLinkedQueue<JsonNode> results = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                futures.add(threads.submit(() -> {
                    for (int i = next.getAndIncrement(); i < services; i = next.getAndIncrement()) {
                        results.add(created(nodePort("c" + i, "[{\"port\":80}]")));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            threads.shutdownNow();
        }
        Set<String> ips = new HashSet<>();
        Set<Integer> ports = new HashSet<>();
        for (JsonNode svc : results) {
            assertThat(ips.add(svc.at("/spec/clusterIP").asText())).as("duplicate IP " + svc.at("/spec/clusterIP")).isTrue();
            assertThat(ports.add(svc.at("/spec/ports/0/nodePort").asInt())).as("duplicate node port").isTrue();
        }
        assertThat(ips).hasSize(services).doesNotContain("127.96.0.10");
        assertThat(ports).hasSize(services).allMatch(p -> p >= 30000 && p <= 30299);
        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).hasSize(services + 1);
        assertThat(allocated(ServiceAllocator.NODE_PORT_PREFIX)).hasSize(services);
    }

    @Test
    void nodePortsAreAllocatedPerPortHonouredWhenGivenAndReleasedWithTheType() throws Exception {
        start(ServiceNetworkSettings.defaults());
        JsonNode two = created(nodePort("two", "[{\"name\":\"http\",\"port\":80},{\"name\":\"https\",\"port\":443}]"));
        int http = two.at("/spec/ports/0/nodePort").asInt();
        int https = two.at("/spec/ports/1/nodePort").asInt();
        assertThat(List.of(http, https)).allMatch(p -> p >= 30000 && p <= 32767);
        assertThat(http).isNotEqualTo(https);

        JsonNode dns = created(nodePort("dns", "[{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"},"
                + "{\"name\":\"dns-tcp\",\"port\":53,\"protocol\":\"TCP\"}]"));
        assertThat(dns.at("/spec/ports/0/nodePort").asInt()).as("one node port for both protocols")
                .isEqualTo(dns.at("/spec/ports/1/nodePort").asInt());

        JsonNode fixed = created(nodePort("fixed", "[{\"port\":80,\"nodePort\":30080}]"));
        assertThat(fixed.at("/spec/ports/0/nodePort").asInt()).isEqualTo(30080);
        Reply taken = post(nodePort("taken", "[{\"port\":80,\"nodePort\":30080}]"));
        assertThat(taken.code()).isEqualTo(422);
        assertThat(taken.message()).isEqualTo(
                "Service \"taken\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated");
        Reply outside = post(nodePort("outside", "[{\"port\":80,\"nodePort\":8444}]"));
        assertThat(outside.message()).isEqualTo("Service \"outside\" is invalid: spec.ports[0].nodePort: Invalid value: 8444:"
                + " provided port is not in the valid range. The range of valid ports is 30000-32767");
        assertThat(post(service("cip", "{\"ports\":[{\"port\":80,\"nodePort\":30081}]}")).message())
                .endsWith("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");

        // ClusterIP -> NodePort allocates, NodePort -> ClusterIP releases
        JsonNode web = created(plain("web"));
        JsonNode upgraded = send("PATCH", SERVICES + "/web", "application/merge-patch+json",
                "{\"spec\":{\"type\":\"NodePort\"}}").json();
        int webPort = upgraded.at("/spec/ports/0/nodePort").asInt();
        assertThat(webPort).isBetween(30000, 32767);
        assertThat(upgraded.at("/spec/clusterIP").asText()).isEqualTo(web.at("/spec/clusterIP").asText());
        assertThat(allocated(ServiceAllocator.NODE_PORT_PREFIX)).contains(Integer.toString(webPort));
        Reply downgraded = send("PATCH", SERVICES + "/web", "application/strategic-merge-patch+json",
                "{\"spec\":{\"type\":\"ClusterIP\"}}");
        assertThat(downgraded.code()).as(downgraded.json().toString()).isEqualTo(200);
        assertThat(downgraded.json().at("/spec/ports/0/nodePort").isMissingNode()).isTrue();
        assertThat(allocated(ServiceAllocator.NODE_PORT_PREFIX)).doesNotContain(Integer.toString(webPort));

        // LoadBalancer: node ports, and no load balancer (kubectl shows <pending>)
        JsonNode lb = created(service("lb", "{\"type\":\"LoadBalancer\",\"ports\":[{\"port\":80}]}"));
        assertThat(lb.at("/spec/ports/0/nodePort").asInt()).isBetween(30000, 32767);
        assertThat(lb.at("/status/loadBalancer").isObject()).isTrue();
        assertThat(lb.at("/status/loadBalancer/ingress").isMissingNode()).isTrue();
        // allocateLoadBalancerNodePorts: false allocates none, but honours given ones
        JsonNode bare = created(service("bare", "{\"type\":\"LoadBalancer\",\"allocateLoadBalancerNodePorts\":false,"
                + "\"ports\":[{\"name\":\"a\",\"port\":80},{\"name\":\"b\",\"port\":81,\"nodePort\":30090}]}"));
        assertThat(bare.at("/spec/ports/0/nodePort").isMissingNode()).isTrue();
        assertThat(bare.at("/spec/ports/1/nodePort").asInt()).isEqualTo(30090);
        assertThat(allocated(ServiceAllocator.NODE_PORT_PREFIX)).contains("30090");
        send("DELETE", SERVICES + "/bare", null, null);
        assertThat(allocated(ServiceAllocator.NODE_PORT_PREFIX)).doesNotContain("30090");
    }

    @Test
    void updatesKeepAllocatedValuesTheClientLeavesOutAndRefuseAChangedClusterIp() throws Exception {
        start(ServiceNetworkSettings.defaults());
        String manifest = nodePort("app", "[{\"name\":\"http\",\"port\":80}]");
        JsonNode first = created(manifest);
        String ip = first.at("/spec/clusterIP").asText();
        int port = first.at("/spec/ports/0/nodePort").asInt();

        // PUT of the original manifest (no clusterIP, no nodePort), as kubectl replace does
        Reply replaced = send("PUT", SERVICES + "/app", "application/json", manifest);
        assertThat(replaced.code()).as(replaced.json().toString()).isEqualTo(200);
        assertThat(replaced.json().at("/spec/clusterIP").asText()).isEqualTo(ip);
        assertThat(replaced.json().at("/spec/clusterIPs/0").asText()).isEqualTo(ip);
        assertThat(replaced.json().at("/spec/ports/0/nodePort").asInt()).isEqualTo(port);

        Reply changed = send("PUT", SERVICES + "/app", "application/json",
                service("app", "{\"type\":\"NodePort\",\"clusterIP\":\"127.96.200.200\",\"ports\":[{\"name\":\"http\",\"port\":80}]}"));
        assertThat(changed.code()).isEqualTo(422);
        assertThat(changed.message()).contains("spec.clusterIP: Invalid value: \"127.96.200.200\": field is immutable");
        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).doesNotContain("127.96.200.200");

        // a new port gets a node port, a removed one gives its back
        JsonNode more = send("PUT", SERVICES + "/app", "application/json", nodePort("app",
                "[{\"name\":\"http\",\"port\":80},{\"name\":\"metrics\",\"port\":9090}]")).json();
        assertThat(more.at("/spec/ports/0/nodePort").asInt()).isEqualTo(port);
        int metrics = more.at("/spec/ports/1/nodePort").asInt();
        assertThat(metrics).isBetween(30000, 32767).isNotEqualTo(port);
        JsonNode fewer = send("PUT", SERVICES + "/app", "application/json",
                nodePort("app", "[{\"name\":\"metrics\",\"port\":9090}]")).json();
        assertThat(fewer.at("/spec/ports/0/nodePort").asInt()).isEqualTo(metrics);
        assertThat(allocated(ServiceAllocator.NODE_PORT_PREFIX)).contains(Integer.toString(metrics))
                .doesNotContain(Integer.toString(port));

        // becoming an ExternalName Service gives the address back
        Reply external = send("PATCH", SERVICES + "/app", "application/merge-patch+json",
                "{\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"example.org\"}}");
        assertThat(external.code()).as(external.json().toString()).isEqualTo(200);
        assertThat(external.json().at("/spec/clusterIP").isMissingNode()).isTrue();
        assertThat(allocated(ServiceAllocator.CLUSTER_IP_PREFIX)).doesNotContain(ip);
        assertThat(allocated(ServiceAllocator.NODE_PORT_PREFIX)).doesNotContain(Integer.toString(metrics));
    }

    @Test
    void theApiServerCreatesTheClusterDnsService() throws Exception {
        start(ServiceNetworkSettings.defaults());
        JsonNode dns = send("GET", "/api/v1/namespaces/kube-system/services/kube-dns", null, null).json();
        assertThat(dns.at("/spec/clusterIP").asText()).isEqualTo("127.96.0.10");
        assertThat(dns.at("/spec/clusterIPs/0").asText()).isEqualTo("127.96.0.10");
        assertThat(dns.at("/spec/type").asText()).isEqualTo("ClusterIP");
        assertThat(dns.at("/spec/selector").isMissingNode()).isTrue();
        assertThat(dns.at("/spec/ports").toString()).isEqualTo(
                "[{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\",\"targetPort\":53},"
                        + "{\"name\":\"dns-tcp\",\"port\":53,\"protocol\":\"TCP\",\"targetPort\":53}]");
        assertThat(dns.at("/metadata/labels/k8s-app").asText()).isEqualTo("kube-dns");
        assertThat(dns.at("/metadata/labels/kubernetes.io~1name").asText()).isEqualTo("KaravelDNS");
        assertThat(dns.at("/metadata/annotations/karavel.io~1served-by").asText()).isEqualTo("node-proxy");
        assertThat(ownerUid(ServiceAllocator.CLUSTER_IP_PREFIX + "127.96.0.10")).isEqualTo(dns.at("/metadata/uid").asText());
        assertThat(send("GET", "/api/v1/namespaces/default/services/kubernetes", null, null).code())
                .as("no default/kubernetes Service: the API server is plain HTTP").isEqualTo(404);

        // another range: base + 10 of it
        ApiServer other;
        try (MapDbStore second = MapDbStore.openInMemory(MapDbStore.Options.defaults())) {
            other = startServer(second, ServiceNetworkSettings.of("127.97.0.0/24", "30000-32767"));
            assertThat(JSON.readTree(second.get("/core/services/kube-system/kube-dns").orElseThrow().value())
                    .at("/spec/clusterIP").asText()).isEqualTo("127.97.0.10");
            other.close();
        }
    }
}
