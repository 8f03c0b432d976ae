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
import io.karavel.apiserver.impl.cluster.ClusterStatusEndpoint;
import io.karavel.apiserver.impl.cluster.ControlPlaneServices;
import io.karavel.apiserver.impl.cluster.ReplicationCheck;
import io.karavel.apiserver.impl.crd.CrdController;
import io.karavel.apiserver.impl.http.ApiHandler;
import io.karavel.apiserver.impl.http.Readyz;
import io.karavel.apiserver.impl.manifest.InProcessManifestApplier;
import io.karavel.apiserver.impl.manifest.ManifestEndpoint;
import io.karavel.apiserver.impl.registry.BuiltinResources;
import io.karavel.apiserver.impl.registry.ResourceRegistry;
import io.karavel.apiserver.impl.rest.Json;
import io.karavel.apiserver.impl.rest.ResourceService;
import io.karavel.apiserver.impl.stream.PodStreamProxy;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import io.karavel.apiserver.impl.service.KubeDnsService;
import io.karavel.apiserver.impl.service.RepairLoop;
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

    /** The startup writes' first retry delay, doubled per refusal up to {@link #STARTUP_MAX_RETRY}. */
    static final Duration STARTUP_FIRST_RETRY = Duration.ofMillis(100);

    static final Duration STARTUP_MAX_RETRY = Duration.ofSeconds(5);

    private final Store store;
    private final ApiServerSettings settings;
    private final ResourceRegistry registry = new ResourceRegistry();
    private final AdmissionChain admission;
    private final ResourceService service;
    private final ObjectClient objectClient;
    private final InProcessManifestApplier manifestApplier;
    private final ServiceAllocator serviceAllocator;
    private final ServiceRepair serviceRepair;
    private final ControlPlaneServices controlPlane;
    private final ClusterStatusEndpoint clusterStatus;
    private final Readyz readyz;
    private volatile RepairLoop repairs;
    private Server server;
    private ScheduledExecutorService scheduler;
    private ScheduledExecutorService startupExecutor;
    private volatile StartupWrites startup;
    private volatile boolean closed;
    private CrdController crds;
    private PodStreamProxy podStreams;
    private volatile Instant startedAt;
    private volatile String url;

    /** A single master's API server (no replicated store: it is the leader). */
    public ApiServer(Store store, ApiServerSettings settings) {
        this(store, settings, ControlPlaneServices.standalone());
    }

    /** @param controlPlane the HA services of the replicated store, when this is one of several masters */
    public ApiServer(Store store, ApiServerSettings settings, ControlPlaneServices controlPlane) {
        this.store = store;
        this.settings = settings;
        this.controlPlane = controlPlane;
        BuiltinResources.registerAll(registry);
        this.admission = new AdmissionChain(List.of(new RuntimeClassAdmission(store)));
        this.serviceAllocator = new ServiceAllocator(store, settings.services(), Clock.systemUTC());
        this.serviceRepair = new ServiceRepair(store, serviceAllocator, Clock.systemUTC());
        this.service = new ResourceService(store, admission, Clock.systemUTC(), serviceAllocator);
        this.objectClient = new LocalObjectClient(service, registry);
        this.manifestApplier = new InProcessManifestApplier(service, registry);
        this.clusterStatus = new ClusterStatusEndpoint(controlPlane, store, hostname(), () -> url, Clock.systemUTC());
        this.readyz = new Readyz(List.of(
                new Readyz.Check("karavel-ready", this::startupCheck),
                new Readyz.Check(ReplicationCheck.NAME, new ReplicationCheck(controlPlane))));
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

    private Readyz.Result startupCheck() {
        StartupWrites current = startup;
        if (closed) {
            return Readyz.Result.failed("shutting down");
        }
        return current == null ? Readyz.Result.failed("not started") : current.check();
    }

    /** The periodic repair (tests count its passes); null before the startup writes are done. */
    RepairLoop repairLoop() {
        return repairs;
    }

    /**
     * {@link #open()}, then waits until the server is ready: for tests and embedded use, where the
     * store accepts writes.
     *
     * @throws Exception what ended the startup writes, if one failed for a reason other than the store
     */
    public void start() throws Exception {
        CompletableFuture<Void> done = open();
        try {
            done.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /**
     * Opens the listener and serves the stored CRDs at once; then, in the background, creates the
     * system namespaces and the DNS Service, repairs the Service allocations (on the leader),
     * writes the kubeconfig, and becomes ready. Those writes wait for a leader on an HA master
     * (see {@link StartupWrites}), so this returns before them.
     *
     * @return completes once ready
     */
    public synchronized CompletableFuture<Void> open() throws Exception {
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
                registry, service, Authenticator.ADMIN_FOR_ALL, authorizer, threads, scheduler, readyz,
                settings.bookmarkInterval(), podStreams,
                new ManifestEndpoint(manifestApplier, authorizer), clusterStatus));
        server.start();
        startedAt = Instant.now();
        String host = settings.host() == null || settings.host().isEmpty() || settings.host().equals("0.0.0.0")
                ? "127.0.0.1" : settings.host();
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        url = "http://" + host + ":" + connector.getLocalPort();
        LOG.info("Karavel API server listening on {}", url);
        crds = new CrdController(store, registry, Clock.systemUTC());
        crds.start();
        startupExecutor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "karavel-api-startup");
            t.setDaemon(true);
            return t;
        });
        startup = new StartupWrites(List.of(
                new StartupWrites.Phase("creating the system namespaces", this::ensureSystemNamespaces),
                // Like the namespaces, the cluster DNS Service exists from the first start. There is no
                // default/kubernetes Service: it would tell pods the API server speaks HTTPS at a cluster
                // IP, and ours is plain HTTP.
                new StartupWrites.Phase("creating the DNS Service kube-system/kube-dns",
                        () -> KubeDnsService.ensure(store, serviceAllocator, Clock.systemUTC())),
                // before ready: Services stored without their allocations get them recorded
                // before clients' creates could hand their addresses out again
                new StartupWrites.Phase("repairing the Service allocations", () -> {
                    if (controlPlane.isLeader()) {
                        serviceRepair.runOnce();
                    }
                }),
                new StartupWrites.Phase("writing the kubeconfig", () -> {
                    if (settings.kubeconfigPath() != null) {
                        Kubeconfig.write(settings.kubeconfigPath(), url, settings.kubeconfigServers());
                    }
                })), startupExecutor, STARTUP_FIRST_RETRY, STARTUP_MAX_RETRY);
        return startup.start().thenRun(this::startServiceRepair);
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

    /** After the startup's pass: one every repair interval, on the leader (a kube-dns deleted by hand comes back). */
    private synchronized void startServiceRepair() {
        if (closed) {
            return;
        }
        LOG.info("Karavel API server ready on {}", url);
        Duration every = settings.services().repairInterval();
        repairs = new RepairLoop(() -> {
            KubeDnsService.ensure(store, serviceAllocator, Clock.systemUTC());
            serviceRepair.runOnce();
        }, controlPlane::isLeader, every);
        repairs.start(every);
    }

    /** This host's name: the lone master's name in the cluster status, as the all-in-one's node is named. */
    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    public String url() {
        return url;
    }

    /** Ready: the startup writes are done and this master leads or follows a leader (what {@code /readyz} answers). */
    public boolean ready() {
        return readyz.passes();
    }

    public ApiServerStatus status() {
        return new ApiServerStatus(url, ready(), store.currentRevision(), startedAt);
    }

    @Override
    public synchronized void close() throws Exception {
        closed = true;
        if (startupExecutor != null) {
            startupExecutor.shutdownNow();
            startupExecutor = null;
        }
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
        RepairLoop loop = repairs;
        if (loop != null) {
            loop.close();
            repairs = null;
        }
        if (podStreams != null) {
            podStreams.close();
            podStreams = null;
        }
    }
}
