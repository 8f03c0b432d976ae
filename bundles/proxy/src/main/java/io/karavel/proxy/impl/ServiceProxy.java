package io.karavel.proxy.impl;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.karavel.api.network.PodNetwork;
import io.karavel.proxy.impl.dns.ServiceDirectory;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's service proxy: watches Services and EndpointSlices, and serves every Service port
 * with a ClusterIP on that ClusterIP, on its bridge-side address and (NodePort, LoadBalancer) on
 * the NodePort addresses, forwarding to the port's ready endpoints. A port is listened on only
 * while it has a ready endpoint, so clients of a Service without one are refused at once.
 *
 * <p>Informer events only record the object and mark its Service dirty; one sync thread brings
 * the listeners of each dirty Service in line with the cache (level-triggered). The caches also
 * answer the cluster DNS ({@link ServiceDirectory}).
 */
final class ServiceProxy implements ServiceDirectory, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceProxy.class);
    /** Served by the cluster DNS, not proxied. */
    static final String KUBE_DNS = "kube-system/kube-dns";
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    private static final long RETRY_MILLIS = 5_000;
    private static final long HOUSEKEEPING_MILLIS = 60_000;

    /** One address and port served, with its protocol. */
    record Frontend(InetAddress address, int port, String protocol) {
        @Override
        public String toString() {
            return address.getHostAddress() + ":" + port + "/" + protocol;
        }
    }

    /** A Service port, named as in the Service (empty for a single unnamed port). */
    private record PortKey(String name, String protocol) {}

    /** What a Service port should be: its frontends and endpoints. */
    private record Desired(Set<Frontend> frontends, List<InetSocketAddress> ready, Set<InetSocketAddress> known,
                           Duration affinity) {}

    /** A served Service port. Sync thread only, except {@link Backends}. */
    private static final class PortState {
        final Backends backends = new Backends();
        final Map<Frontend, Channel> bound = new HashMap<>();
    }

    private final ProxySettings settings;
    private final KubernetesClient client;
    private final Transport transport;
    private final ServiceAddresses addresses;
    private final ClusterDnsRunner dns;
    private final Map<String, Service> services = new ConcurrentHashMap<>();
    /** Service key -> slice name -> slice. */
    private final Map<String, Map<String, EndpointSlice>> slices = new ConcurrentHashMap<>();
    /** Slice key -> the Service key it was filed under. */
    private final Map<String, String> sliceOwners = new ConcurrentHashMap<>();
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sync;
    /** Sync thread only. */
    private final Map<String, Map<PortKey, PortState>> served = new HashMap<>();
    /** Frontends whose bind failed and was logged (sync thread only): logged once until it succeeds. */
    private final Set<Frontend> bindFailures = new HashSet<>();
    private final Set<String> retrying = ConcurrentHashMap.newKeySet();
    /** What is listened on, for introspection and tests. */
    private final Set<Frontend> listening = ConcurrentHashMap.newKeySet();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param settings what to serve; {@code dnsPort} 0 serves no cluster DNS
     * @param addresses the bridge-side mapping (its range must be accepted by the host)
     */
    ServiceProxy(ProxySettings settings, KubernetesClient client, Transport transport,
                        ServiceAddresses addresses) {
        this.settings = settings;
        this.client = client;
        this.transport = transport;
        this.addresses = addresses;
        this.dns = settings.dnsPort() > 0 ? new ClusterDnsRunner(this, settings, addresses, transport) : null;
        this.sync = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "karavel-proxy-sync");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the informers; Services are served as their objects arrive. Does not wait for the API server. */
    void start() {
        SharedIndexInformer<Service> serviceInformer = client.services().inAnyNamespace().runnableInformer(0);
        serviceInformer.addEventHandler(handler(this::serviceChanged, this::serviceDeleted));
        SharedIndexInformer<EndpointSlice> sliceInformer = client.discovery().v1().endpointSlices().inAnyNamespace()
                .runnableInformer(0);
        sliceInformer.addEventHandler(handler(this::sliceChanged, this::sliceDeleted));
        informers.add(serviceInformer);
        informers.add(sliceInformer);
        for (SharedIndexInformer<?> informer : informers) {
            // keep retrying the first list (and every relist) while the API server is not there:
            // on a node, or an all-in-one whose API server starts after the proxy, it comes later
            informer.exceptionHandler((started, error) -> {
                LOG.debug("service proxy: informer: {} (retrying)", error.toString());
                return !closed;
            });
            informer.start().whenComplete((ok, error) -> {
                if (error != null && !closed) {
                    LOG.warn("service proxy: informer failed to start", error);
                }
            });
        }
        sync.scheduleWithFixedDelay(this::housekeeping, HOUSEKEEPING_MILLIS, HOUSEKEEPING_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private static <T> ResourceEventHandler<T> handler(Consumer<T> changed, Consumer<T> deleted) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                changed.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                changed.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                deleted.accept(obj);
            }
        };
    }

    private static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    private void serviceChanged(Service service) {
        services.put(key(service), service);
        enqueue(key(service));
    }

    private void serviceDeleted(Service service) {
        services.remove(key(service));
        enqueue(key(service));
    }

    private void sliceChanged(EndpointSlice slice) {
        String sliceKey = key(slice);
        String owner = owner(slice);
        String before = owner == null ? sliceOwners.remove(sliceKey) : sliceOwners.put(sliceKey, owner);
        if (before != null && !before.equals(owner)) {
            removeSlice(before, slice.getMetadata().getName());
        }
        if (owner != null) {
            slices.computeIfAbsent(owner, k -> new ConcurrentHashMap<>()).put(slice.getMetadata().getName(), slice);
            enqueue(owner);
        }
    }

    private void sliceDeleted(EndpointSlice slice) {
        String owner = sliceOwners.remove(key(slice));
        if (owner != null) {
            removeSlice(owner, slice.getMetadata().getName());
        }
    }

    private void removeSlice(String owner, String name) {
        slices.computeIfPresent(owner, (k, bucket) -> {
            bucket.remove(name);
            return bucket.isEmpty() ? null : bucket;
        });
        enqueue(owner);
    }

    private static String owner(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        return service == null || service.isEmpty() ? null : slice.getMetadata().getNamespace() + "/" + service;
    }

    /** Marks a Service for sync; many events before the sync runs make one sync. */
    private void enqueue(String serviceKey) {
        if (!closed && dirty.add(serviceKey)) {
            try {
                sync.execute(() -> {
                    dirty.remove(serviceKey);
                    syncService(serviceKey);
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                dirty.remove(serviceKey);
            }
        }
    }

    private void syncService(String key) {
        if (closed) {
            return;
        }
        try {
            Service service = services.get(key);
            if (KUBE_DNS.equals(key)) {
                if (dns != null) {
                    dns.update(service);
                }
                return;
            }
            Map<PortKey, Desired> desired = service == null ? Map.of() : desired(service, slicesOf(key));
            Map<PortKey, PortState> ports = served.computeIfAbsent(key, k -> new HashMap<>());
            boolean failed = false;
            for (var it = ports.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!desired.containsKey(e.getKey())) {
                    unbindAll(e.getValue());
                    e.getValue().backends.closeAll();
                    it.remove();
                }
            }
            for (var e : desired.entrySet()) {
                PortState port = ports.computeIfAbsent(e.getKey(), k -> new PortState());
                Desired d = e.getValue();
                port.backends.update(d.ready(), d.known(), d.affinity());
                Set<Frontend> wanted = d.ready().isEmpty() ? Set.of() : d.frontends();
                for (var b = port.bound.entrySet().iterator(); b.hasNext(); ) {
                    var bound = b.next();
                    if (!wanted.contains(bound.getKey())) {
                        unbind(bound.getKey(), bound.getValue());
                        b.remove();
                    }
                }
                for (Frontend frontend : wanted) {
                    if (!port.bound.containsKey(frontend)) {
                        Channel channel = bind(key, frontend, port.backends);
                        if (channel == null) {
                            failed = true;
                        } else {
                            port.bound.put(frontend, channel);
                        }
                    }
                }
            }
            if (ports.isEmpty()) {
                served.remove(key);
            }
            if (failed && retrying.add(key)) {
                sync.schedule(() -> {
                    retrying.remove(key);
                    enqueue(key);
                }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) {
            LOG.warn("service proxy: sync of Service {} failed", key, e);
        }
    }

    private List<EndpointSlice> slicesOf(String serviceKey) {
        Map<String, EndpointSlice> bucket = slices.get(serviceKey);
        return bucket == null ? List.of() : List.copyOf(bucket.values());
    }

    /** The ports of a Service as they should be served (none for headless and ExternalName Services). */
    private Map<PortKey, Desired> desired(Service service, List<EndpointSlice> serviceSlices) {
        ServiceSpec spec = service.getSpec();
        if (spec == null || "ExternalName".equals(spec.getType()) || spec.getPorts() == null) {
            return Map.of();
        }
        InetAddress clusterIP = Ipv4Range.parseAddress(spec.getClusterIP());
        if (clusterIP == null) {
            return Map.of();
        }
        Optional<InetAddress> bridge = addresses.bridgeAddress(clusterIP);
        boolean nodePorts = "NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType());
        Duration affinity = null;
        if ("ClientIP".equals(spec.getSessionAffinity())) {
            Integer seconds = spec.getSessionAffinityConfig() == null
                    || spec.getSessionAffinityConfig().getClientIP() == null ? null
                    : spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
            affinity = seconds == null || seconds <= 0 ? settings.defaultAffinityTimeout()
                    : Duration.ofSeconds(seconds);
        }
        Map<PortKey, Desired> result = new LinkedHashMap<>();
        for (ServicePort sp : spec.getPorts()) {
            String protocol = sp.getProtocol() == null ? "TCP" : sp.getProtocol();
            if (sp.getPort() == null || !("TCP".equals(protocol) || "UDP".equals(protocol))) {
                continue;
            }
            String name = sp.getName() == null ? "" : sp.getName();
            Set<Frontend> frontends = new LinkedHashSet<>();
            frontends.add(new Frontend(clusterIP, sp.getPort(), protocol));
            bridge.ifPresent(a -> frontends.add(new Frontend(a, sp.getPort(), protocol)));
            if (nodePorts && sp.getNodePort() != null && sp.getNodePort() > 0) {
                for (InetAddress a : settings.nodePortAddresses()) {
                    frontends.add(new Frontend(a, sp.getNodePort(), protocol));
                }
            }
            TreeSet<InetSocketAddress> ready = new TreeSet<>(ENDPOINT_ORDER);
            Set<InetSocketAddress> known = new HashSet<>();
            for (EndpointSlice slice : serviceSlices) {
                collectEndpoints(slice, name, protocol, ready, known);
            }
            result.put(new PortKey(name, protocol), new Desired(frontends, List.copyOf(ready), known, affinity));
        }
        return result;
    }

    /** A stable order, so that round-robin does not restart its cycle on unrelated slice updates. */
    private static final Comparator<InetSocketAddress> ENDPOINT_ORDER = Comparator
            .comparing((InetSocketAddress a) -> a.getAddress().getAddress(), java.util.Arrays::compareUnsigned)
            .thenComparingInt(InetSocketAddress::getPort);

    /** The endpoints of one slice for the Service port named {@code portName}: the slice port of that name. */
    private static void collectEndpoints(EndpointSlice slice, String portName, String protocol,
                                         Set<InetSocketAddress> ready, Set<InetSocketAddress> known) {
        if (slice.getAddressType() != null && !"IPv4".equals(slice.getAddressType())) {
            return;
        }
        if (slice.getPorts() == null || slice.getEndpoints() == null) {
            return;
        }
        for (EndpointPort p : slice.getPorts()) {
            String name = p.getName() == null ? "" : p.getName();
            String proto = p.getProtocol() == null ? "TCP" : p.getProtocol();
            if (!name.equals(portName) || !proto.equals(protocol) || p.getPort() == null) {
                continue;
            }
            for (Endpoint e : slice.getEndpoints()) {
                if (e.getAddresses() == null || e.getAddresses().isEmpty()) {
                    continue;
                }
                // Kubernetes treats the addresses of one endpoint as fungible and uses the first
                InetAddress address = Ipv4Range.parseAddress(e.getAddresses().get(0));
                if (address == null) {
                    continue;
                }
                InetSocketAddress endpoint = new InetSocketAddress(address, p.getPort());
                known.add(endpoint);
                if (isReady(e)) {
                    ready.add(endpoint);
                }
            }
        }
    }

    /** Kubernetes' rule: a null ready condition means ready. */
    static boolean isReady(Endpoint e) {
        return e.getConditions() == null || e.getConditions().getReady() == null
                || e.getConditions().getReady();
    }

    private Channel bind(String service, Frontend frontend, Backends backends) {
        ChannelFuture binding;
        if ("TCP".equals(frontend.protocol())) {
            binding = transport.reuse(new ServerBootstrap())
                    .group(transport.group())
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new TcpFrontend(backends, transport, settings));
                        }
                    })
                    .bind(frontend.address(), frontend.port());
        } else {
            binding = transport.reuse(new Bootstrap())
                    .group(transport.group())
                    .channel(transport.datagramChannel())
                    .handler(new UdpFrontend(backends, transport, settings))
                    .bind(frontend.address(), frontend.port());
        }
        binding.awaitUninterruptibly();
        if (!binding.isSuccess()) {
            if (bindFailures.add(frontend)) {
                LOG.warn("service proxy: cannot listen on {} for Service {} (retrying every {} s): {}", frontend,
                        service, RETRY_MILLIS / 1000, binding.cause().toString());
            }
            return null;
        }
        if (bindFailures.remove(frontend)) {
            LOG.info("service proxy: listening on {} for Service {} after all", frontend, service);
        } else {
            LOG.debug("service proxy: listening on {} for Service {}", frontend, service);
        }
        listening.add(frontend);
        return binding.channel();
    }

    private void unbind(Frontend frontend, Channel channel) {
        // the listening socket only: accepted connections live on until their endpoint goes
        channel.close().awaitUninterruptibly();
        // only now: until the socket is closed, a client may still connect (and then be reset)
        listening.remove(frontend);
        LOG.debug("service proxy: stopped listening on {}", frontend);
    }

    private void unbindAll(PortState port) {
        port.bound.forEach(this::unbind);
        port.bound.clear();
    }

    private void housekeeping() {
        for (Map<PortKey, PortState> ports : served.values()) {
            for (PortState port : ports.values()) {
                port.backends.expireAffinity();
            }
        }
    }

    /** The frontends listened on now (introspection, tests). */
    Set<Frontend> listening() {
        return Set.copyOf(listening);
    }

    /** Connections open to one endpoint of a Service port (tests). */
    int openConnections(String serviceKey, String portName, String protocol, InetSocketAddress endpoint)
            throws Exception {
        return sync.submit(() -> {
            Map<PortKey, PortState> ports = served.get(serviceKey);
            PortState port = ports == null ? null : ports.get(new PortKey(portName, protocol));
            return port == null ? 0 : port.backends.openConnections(endpoint);
        }).get();
    }

    /** The cluster DNS server for pods in {@code network}, while it is served there. */
    Optional<String> dnsServer(PodNetwork network) {
        return dns == null ? Optional.empty() : dns.server(network);
    }

    @Override
    public Optional<ServiceRecord> find(String namespace, String name, PodNetwork network) {
        String key = namespace + "/" + name;
        Service service = services.get(key);
        if (service == null || service.getSpec() == null) {
            return Optional.empty();
        }
        ServiceSpec spec = service.getSpec();
        String clusterIP = null;
        if (!"ExternalName".equals(spec.getType()) && Ipv4Range.parseAddress(spec.getClusterIP()) != null) {
            clusterIP = addresses.serviceAddress(spec.getClusterIP(), network);
        }
        List<PortRecord> ports = new ArrayList<>();
        if (spec.getPorts() != null) {
            for (ServicePort p : spec.getPorts()) {
                if (p.getPort() != null) {
                    ports.add(new PortRecord(Objects.requireNonNullElse(p.getName(), ""),
                            Objects.requireNonNullElse(p.getProtocol(), "TCP"), p.getPort()));
                }
            }
        }
        Map<String, EndpointRecord> endpoints = new LinkedHashMap<>();
        for (EndpointSlice slice : slicesOf(key)) {
            if (slice.getEndpoints() == null) {
                continue;
            }
            for (Endpoint e : slice.getEndpoints()) {
                if (isReady(e) && e.getAddresses() != null && !e.getAddresses().isEmpty()) {
                    endpoints.putIfAbsent(e.getAddresses().get(0),
                            new EndpointRecord(e.getAddresses().get(0), e.getHostname()));
                }
            }
        }
        String externalName = "ExternalName".equals(spec.getType()) ? spec.getExternalName() : null;
        return Optional.of(new ServiceRecord(namespace, name, clusterIP, ports, List.copyOf(endpoints.values()),
                externalName));
    }

    @Override
    public void close() {
        closed = true;
        for (SharedIndexInformer<?> informer : informers) {
            informer.stop();
        }
        try {
            sync.submit(() -> {
                for (Map<PortKey, PortState> ports : served.values()) {
                    for (PortState port : ports.values()) {
                        unbindAll(port);
                        port.backends.closeAll();
                    }
                }
                served.clear();
                if (dns != null) {
                    dns.close();
                }
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("service proxy: error while stopping", e);
        }
        sync.shutdownNow();
    }
}
