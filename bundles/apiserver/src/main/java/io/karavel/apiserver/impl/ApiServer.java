package io.karavel.apiserver.impl;

import io.karavel.api.store.KeyExistsException;
import io.karavel.api.client.ManifestApplier;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.store.Store;
import io.karavel.apiserver.impl.client.LocalObjectClient;
import io.karavel.api.store.StoreKeys;
import io.karavel.apiserver.api.ApiServerStatus;
import io.karavel.apiserver.impl.admission.AdmissionChain;
import io.karavel.apiserver.impl.admission.RuntimeClassAdmission;
import io.karavel.apiserver.impl.auth.Authenticator;
import io.karavel.apiserver.impl.auth.Authorizer;
import io.karavel.apiserver.impl.crd.CrdController;
import io.karavel.apiserver.impl.http.ApiHandler;
import io.karavel.apiserver.impl.manifest.InProcessManifestApplier;
import io.karavel.apiserver.impl.manifest.ManifestEndpoint;
import io.karavel.apiserver.impl.registry.BuiltinResources;
import io.karavel.apiserver.impl.registry.ResourceRegistry;
import io.karavel.apiserver.impl.rest.Json;
import io.karavel.apiserver.impl.rest.ResourceService;
import io.karavel.apiserver.impl.stream.PodStreamProxy;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import io.karavel.apiserver.impl.service.KubeDnsService;
import io.karavel.apiserver.impl.service.ServiceAllocator;
import io.karavel.apiserver.impl.service.ServiceRepair;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One API server: the Jetty listener, the registry of served kinds and the REST service over a
 * store. Plain Java (no OSGi) so tests start it directly; {@link ApiServerComponent} runs it
 * inside Karaf.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    /** Namespaces every cluster has from its first start. */
    public static final List<String> SYSTEM_NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

    private final Store store;
    private final ApiServerSettings settings;
    private final ResourceRegistry registry = new ResourceRegistry();
    private final AdmissionChain admission;
    private final ResourceService service;
    private final ObjectClient objectClient;
    private final InProcessManifestApplier manifestApplier;
    private final ServiceAllocator serviceAllocator;
    private final ServiceRepair serviceRepair;
    private ScheduledExecutorService repairs;
    private Server server;
    private ScheduledExecutorService scheduler;
    private CrdController crds;
    private PodStreamProxy podStreams;
    private volatile boolean ready;
    private volatile Instant startedAt;
    private volatile String url;

    public ApiServer(Store store, ApiServerSettings settings) {
        this.store = store;
        this.settings = settings;
        BuiltinResources.registerAll(registry);
        this.admission = new AdmissionChain(List.of(new RuntimeClassAdmission(store)));
        this.serviceAllocator = new ServiceAllocator(store, settings.services(), Clock.systemUTC());
        this.serviceRepair = new ServiceRepair(store, serviceAllocator, Clock.systemUTC());
        this.service = new ResourceService(store, admission, Clock.systemUTC(), serviceAllocator);
        this.objectClient = new LocalObjectClient(service, registry);
        this.manifestApplier = new InProcessManifestApplier(service, registry);
    }

    public ResourceRegistry registry() {
        return registry;
    }

    /** The API in process, for control-plane components (controllers, scheduler). */
    public ObjectClient objectClient() {
        return objectClient;
    }

    /** Applies manifests in process (the shell; the REST endpoint uses it too). */
    public ManifestApplier manifestApplier() {
        return manifestApplier;
    }

    /** The Service cluster IP and node port repair (tests run a pass directly). */
    public ServiceRepair serviceRepair() {
        return serviceRepair;
    }

    /**
     * Opens the listener, creates the system namespaces and the DNS Service, repairs the Service
     * allocations, writes the kubeconfig; then ready.
     */
    public synchronized void start() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        threads.setName("karavel-api");
        threads.setDaemon(true);
        server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        connector.setIdleTimeout(60_000);
        server.addConnector(connector);
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "karavel-api-watch-timeouts");
            t.setDaemon(true);
            return t;
        });
        podStreams = new PodStreamProxy(store);
        podStreams.start();
        // the manifest endpoint authorizes each object it applies with the same authorizer
        Authorizer authorizer = Authorizer.ALLOW_ALL;
        server.setHandler(new ApiHandler(
                registry, service, Authenticator.ADMIN_FOR_ALL, authorizer, threads, scheduler, () -> ready,
                settings.bookmarkInterval(), podStreams,
                new ManifestEndpoint(manifestApplier, authorizer)));
        server.start();
        startedAt = Instant.now();
        String host = settings.host() == null || settings.host().isEmpty() || settings.host().equals("0.0.0.0")
                ? "127.0.0.1" : settings.host();
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        url = "http://" + host + ":" + connector.getLocalPort();
        ensureSystemNamespaces();
        // Like the namespaces, the cluster DNS Service exists from the first start. There is no
        // default/kubernetes Service: it would tell pods the API server speaks HTTPS at a cluster
        // IP, and ours is plain HTTP.
        KubeDnsService.ensure(store, serviceAllocator, Clock.systemUTC());
        startServiceRepair();
        crds = new CrdController(store, registry, Clock.systemUTC());
        crds.start();
        if (settings.kubeconfigPath() != null) {
            Kubeconfig.write(settings.kubeconfigPath(), url);
        }
        ready = true;
        LOG.info("Karavel API server listening on {}", url);
    }

    /** Creates the system namespaces that do not exist yet (idempotent across restarts). */
    private void ensureSystemNamespaces() {
        for (String name : SYSTEM_NAMESPACES) {
            String key = StoreKeys.key("", "namespaces", null, name);
            if (store.get(key).isPresent()) {
                continue;
            }
            ObjectNode ns = Json.object();
            ns.put("apiVersion", "v1");
            ns.put("kind", "Namespace");
            ObjectNode meta = ns.putObject("metadata");
            meta.put("name", name);
            meta.put("uid", UUID.randomUUID().toString());
            meta.put("creationTimestamp", DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS)));
            meta.putObject("labels").put("kubernetes.io/metadata.name", name);
            ns.putObject("spec").putArray("finalizers").add("kubernetes");
            ns.putObject("status").put("phase", "Active");
            try {
                store.create(key, Json.bytes(ns));
            } catch (KeyExistsException e) {
                // another master created it first
            }
        }
    }

    /** One repair pass now (before serving), then one every repair interval. */
    private void startServiceRepair() {
        serviceRepair.runOnce();
        repairs = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "karavel-api-service-repair");
            t.setDaemon(true);
            return t;
        });
        long every = settings.services().repairInterval().toMillis();
        repairs.scheduleWithFixedDelay(() -> {
            try {
                KubeDnsService.ensure(store, serviceAllocator, Clock.systemUTC());
                serviceRepair.runOnce();
            } catch (RuntimeException e) {
                // store unavailable and the like: the next pass tries again
                LOG.warn("service allocation repair failed: {}", e.toString());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    public String url() {
        return url;
    }

    public ApiServerStatus status() {
        return new ApiServerStatus(url, ready, store.currentRevision(), startedAt);
    }

    @Override
    public synchronized void close() throws Exception {
        ready = false;
        if (crds != null) {
            crds.close();
            crds = null;
        }
        if (server != null) {
            server.stop();
            server = null;
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        if (repairs != null) {
            repairs.shutdownNow();
            repairs = null;
        }
        if (podStreams != null) {
            podStreams.close();
            podStreams = null;
        }
    }
}
