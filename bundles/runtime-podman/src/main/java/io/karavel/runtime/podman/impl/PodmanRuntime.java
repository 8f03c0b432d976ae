package io.karavel.runtime.podman.impl;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.runtime.ContainerConfig;
import io.karavel.api.runtime.ContainerNotFoundException;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.api.runtime.ContainerRuntimeException;
import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.DnsConfig;
import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.ImagePullException;
import io.karavel.api.runtime.ImagePullPolicy;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.api.runtime.PodSandboxConfig;
import io.karavel.api.runtime.RuntimeInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The podman container runtime: a pod sandbox is a podman pod (its infra container owns the
 * network namespace and the pod's one IP on podman's bridge, shared by every container of the
 * pod), its containers are podman containers in that pod. Everything goes through podman's libpod
 * REST API on a unix socket ({@link LibpodClient} says why that client); the runtime starts
 * {@code podman system service} itself ({@link PodmanService}) unless a socket is configured.
 *
 * <p>Names, like the kubelet's: pods {@code k8s_<pod>_<namespace>_<uid prefix>_<sandbox attempt>}
 * (infra container {@code k8s_POD_...}), containers
 * {@code k8s_<container>_<pod>_<namespace>_<uid prefix>_<attempt>}. Identity is kept in labels,
 * never parsed from names: everything this runtime creates carries {@value #MANAGED_LABEL}{@code =true}
 * (foreign podman pods and containers are ignored), sandboxes carry the pod's uid, name, namespace
 * and annotations, containers their name, attempt and image. Those labels are this runtime's
 * bookkeeping and are removed from the labels it reports.
 *
 * <p>A sandbox that is no longer ready (stopped, or its infra container died) is not restarted:
 * like a CRI runtime, {@link #runPodSandbox} then creates a new one (next sandbox attempt) and
 * leaves the old one, listed as not ready, for the node agent to remove.
 *
 * <p>Images: see {@link #ensureImage}. Images named {@code localhost/...} are used as they are
 * whatever the pull policy: podman gives that name to images built or imported on this machine,
 * which no registry can serve, and Kubernetes' default policy for {@code :latest} is Always.
 */
@Component(name = PodmanRuntime.PID, service = ContainerRuntime.class,
        property = ContainerRuntime.NAME_PROPERTY + "=" + PodmanRuntime.NAME,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = PodmanRuntime.Config.class)
public final class PodmanRuntime implements ContainerRuntime, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PodmanRuntime.class);

    static final String PID = "io.karavel.runtime.podman";
    static final String NAME = "podman";

    /** On every pod and container this runtime creates. */
    static final String MANAGED_LABEL = "karavel.io/managed";
    static final String POD_UID_LABEL = "karavel.io/pod.uid";
    static final String POD_NAME_LABEL = "karavel.io/pod.name";
    static final String POD_NAMESPACE_LABEL = "karavel.io/pod.namespace";
    /** Podman pods have no annotations: they are kept as one JSON object in this label. */
    static final String POD_ANNOTATIONS_LABEL = "karavel.io/pod.annotations";
    static final String CONTAINER_NAME_LABEL = "karavel.io/container.name";
    static final String CONTAINER_ATTEMPT_LABEL = "karavel.io/container.attempt";
    static final String CONTAINER_IMAGE_LABEL = "karavel.io/container.image";
    static final String CONTAINER_IMAGE_REF_LABEL = "karavel.io/container.imageRef";
    private static final List<String> BOOKKEEPING_LABELS = List.of(MANAGED_LABEL, POD_UID_LABEL, POD_NAME_LABEL,
            POD_NAMESPACE_LABEL, POD_ANNOTATIONS_LABEL, CONTAINER_NAME_LABEL, CONTAINER_ATTEMPT_LABEL,
            CONTAINER_IMAGE_LABEL, CONTAINER_IMAGE_REF_LABEL);

    /** What an image reference may contain (it becomes part of a URL path). */
    private static final Pattern IMAGE_REFERENCE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@+-]*");
    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);
    /** Linux limits host names to 64 bytes; the kubelet truncates pod host names to 63. */
    private static final int MAX_HOSTNAME = 63;
    private static final long CPU_PERIOD_MICROS = 100_000;

    /** Configuration of PID {@value #PID} ({@code etc/io.karavel.runtime.podman.cfg}). */
    @ObjectClassDefinition(name = "Karavel podman runtime",
            description = "Runs pods as podman pods through podman's REST API socket.")
    public @interface Config {
        @AttributeDefinition(description = "Unix socket of a podman API service to use (e.g. "
                + "/run/podman/podman.sock). Empty (the default): the runtime starts "
                + "'podman system service' itself on <run.directory>/podman.sock and stops it when it "
                + "stops (see stop.service.on.deactivate).")
        String socket() default "";

        @AttributeDefinition(name = "containers.conf", description = "containers.conf given to the started "
                + "podman service as CONTAINERS_CONF. A relative path is resolved against karaf.base (or the "
                + "working directory). When the file does not exist the service inherits this process's "
                + "environment. Not used with a configured socket.")
        String containers_conf() default "etc/podman/containers.conf";

        @AttributeDefinition(description = "The podman executable that starts the service.")
        String podman_binary() default "podman";

        @AttributeDefinition(description = "Directory of the started service's socket, pid file and log; "
                + "relative to karaf.base (or the working directory).")
        String run_directory() default "var/podman";

        @AttributeDefinition(description = "Whether the started service is stopped when the runtime stops. "
                + "Containers keep running either way (each has its own conmon); a service left running is "
                + "adopted by the next start.")
        boolean stop_service_on_deactivate() default true;

        @AttributeDefinition(description = "Seconds the started service may take to open its socket.")
        long start_timeout_seconds() default 30;
    }

    /** The service this runtime started, {@code null} with a configured socket. */
    private final PodmanService service;
    private final boolean stopServiceOnClose;
    private final LibpodClient client;
    private final RuntimeInfo info;

    @Activate
    public PodmanRuntime(Config config) {
        this(settings(config));
    }

    /** For tests and for use without OSGi. */
    public PodmanRuntime(PodmanSettings settings) {
        this.service = settings.socket() != null ? null : PodmanService.start(settings.podmanBinary(),
                settings.serviceDirectory(), settings.containersConf(), settings.serviceStartTimeout());
        this.stopServiceOnClose = settings.stopServiceOnClose();
        try {
            this.client = new LibpodClient(service == null ? settings.socket() : service.socket());
        } catch (RuntimeException | Error e) {
            // A failed activation must not leave a service behind (Errors too: a missing class).
            if (service != null) {
                service.close();
            }
            throw e;
        }
        try {
            this.info = readInfo();
            LOG.info("podman runtime on {}: podman {}", client.socket(), info.version());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static PodmanSettings settings(Config config) {
        Path base = Path.of(System.getProperty("karaf.base", ""));
        String socket = config.socket().trim();
        Path containersConf = base.resolve(config.containers_conf()).toAbsolutePath();
        if (socket.isEmpty() && !Files.isRegularFile(containersConf)) {
            LOG.warn("{} does not exist: the podman service inherits CONTAINERS_CONF from the environment ({})",
                    containersConf, System.getenv().getOrDefault("CONTAINERS_CONF", "unset"));
            containersConf = null;
        }
        return new PodmanSettings(socket.isEmpty() ? null : Path.of(socket),
                base.resolve(config.run_directory()).toAbsolutePath(), containersConf, config.podman_binary(),
                config.stop_service_on_deactivate(), Duration.ofSeconds(config.start_timeout_seconds()));
    }

    /** The pid of the podman service this runtime started, -1 when it uses a configured socket. */
    long startedServicePid() {
        return service == null ? -1 : service.pid();
    }

    @Deactivate
    @Override
    public void close() {
        client.close();
        if (service != null && stopServiceOnClose) {
            service.close();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RuntimeInfo info() {
        return info; // read once: the version of a running service does not change
    }

    private RuntimeInfo readInfo() {
        LibpodClient.Reply reply = client.get("/version", Map.of());
        String version = reply.body().path("Version").asText("");
        if (!reply.ok() || version.isEmpty()) {
            throw new ContainerRuntimeException("podman did not tell its version: " + reply.message());
        }
        return new RuntimeInfo(NAME, version, true);
    }

    // ---------------------------------------------------------------------------------- images

    /**
     * Kubernetes' pull policies, with one exception for {@code localhost/} images (see the class
     * comment): Never and IfNotPresent use a local image; Always pulls, and a failed pull fails
     * even with a local copy. A missing image that cannot be pulled fails with a one-line
     * {@link ImagePullException}. Returns the image's repository digest
     * ({@code localhost/busybox@sha256:...}, what Kubernetes shows as {@code imageID}), or
     * {@code sha256:<image id>} for an image without one.
     */
    @Override
    public String ensureImage(String image, ImagePullPolicy policy) {
        if (image == null || !IMAGE_REFERENCE.matcher(image).matches()) {
            throw new ImagePullException("invalid image reference \"" + image + "\"");
        }
        Optional<JsonNode> local = inspectImage(image);
        boolean localOnly = image.startsWith("localhost/");
        if (local.isPresent() && (policy != ImagePullPolicy.ALWAYS || localOnly)) {
            return localReference(local.get(), image);
        }
        if (policy == ImagePullPolicy.NEVER) {
            throw new ImagePullException("image \"" + image + "\" not present locally and imagePullPolicy is Never");
        }
        String failure = pull(image);
        if (failure != null) {
            throw new ImagePullException(local.isPresent()
                    ? "pull of image \"" + image + "\" failed (imagePullPolicy Always): " + failure
                    : "image \"" + image + "\" not present locally and pull failed: " + failure);
        }
        return inspectImage(image).map(found -> localReference(found, image)).orElseThrow(
                () -> new ImagePullException("image \"" + image + "\" was pulled but podman does not find it"));
    }

    private Optional<JsonNode> inspectImage(String image) {
        LibpodClient.Reply reply = client.get("/images/" + image + "/json", Map.of());
        if (reply.notFound()) {
            return Optional.empty();
        }
        if (!reply.ok()) {
            throw new ContainerRuntimeException("cannot inspect image \"" + image + "\": " + reply.message());
        }
        return Optional.of(reply.body());
    }

    /** Pulls an image; returns why it failed, {@code null} on success. */
    private String pull(String image) {
        LibpodClient.Reply reply = client.post("/images/pull", Map.of("reference", image, "quiet", "true"), null,
                PULL_TIMEOUT);
        // The answer is a sequence of JSON objects; a failure is one with "error" (even with 200).
        String error = null;
        try (MappingIterator<JsonNode> objects = client.json().readerFor(JsonNode.class).readValues(reply.text())) {
            while (objects.hasNextValue()) {
                JsonNode object = objects.nextValue();
                String message = object.path("error").asText(object.path("message").asText(""));
                if (!message.isEmpty()) {
                    error = message;
                }
            }
        } catch (IOException | RuntimeException e) {
            error = reply.text();
        }
        if (error == null && !reply.ok()) {
            error = reply.message();
        }
        return error == null ? null : LibpodClient.oneLine(error);
    }

    private static String localReference(JsonNode image, String requested) {
        String repository = repositoryOf(requested);
        List<String> digests = new ArrayList<>();
        image.path("RepoDigests").forEach(digest -> digests.add(digest.asText()));
        for (String digest : digests) {
            if (repositoryOf(digest).equals(repository)) {
                return digest;
            }
        }
        for (String digest : digests) {
            // A short name (busybox) that podman resolved to a qualified one (localhost/busybox).
            if (repositoryOf(digest).endsWith("/" + repository)) {
                return digest;
            }
        }
        if (!digests.isEmpty()) {
            return digests.get(0);
        }
        return "sha256:" + image.path("Id").asText();
    }

    /** {@code registry/name} of a reference, without its tag or digest. */
    static String repositoryOf(String reference) {
        int at = reference.indexOf('@');
        String name = at >= 0 ? reference.substring(0, at) : reference;
        int colon = name.lastIndexOf(':');
        return colon > name.lastIndexOf('/') ? name.substring(0, colon) : name;
    }

    // --------------------------------------------------------------------------------- sandboxes

    @Override
    public PodSandbox runPodSandbox(PodSandboxConfig config) {
        List<JsonNode> existing = listPods(List.of(MANAGED_LABEL + "=true", POD_UID_LABEL + "=" + config.uid()));
        // Podman ANDs label filters; checked here too, so that a looser podman cannot mix up pods.
        existing.removeIf(pod -> !config.uid().equals(pod.path("Labels").path(POD_UID_LABEL).asText()));
        for (JsonNode pod : existing) {
            Optional<PodSandbox> sandbox = toSandbox(pod);
            if (sandbox.isPresent() && sandbox.get().ready()) {
                return sandbox.get();
            }
        }
        Map<String, String> labels = new LinkedHashMap<>(config.labels());
        labels.put(MANAGED_LABEL, "true");
        labels.put(POD_UID_LABEL, config.uid());
        labels.put(POD_NAME_LABEL, config.name());
        labels.put(POD_NAMESPACE_LABEL, config.namespace());
        labels.put(POD_ANNOTATIONS_LABEL, toJson(config.annotations()));
        String podId = null;
        for (int attempt = existing.size(); podId == null; attempt++) {
            String suffix = config.name() + "_" + config.namespace() + "_" + uidPrefix(config.uid()) + "_" + attempt;
            ObjectNode spec = client.json().createObjectNode();
            spec.put("name", "k8s_" + suffix);
            spec.put("infra_name", "k8s_POD_" + suffix);
            spec.put("hostname", hostname(config.hostname()));
            spec.set("labels", client.json().valueToTree(labels));
            setDns(spec, config.dns());
            LibpodClient.Reply created = client.post("/pods/create", Map.of(), spec);
            if (created.status() == 409 && attempt < existing.size() + 100) {
                continue; // a pod of that name exists (a foreign one, or a race): next attempt number
            }
            if (!created.ok()) {
                throw new ContainerRuntimeException("cannot create pod sandbox for " + config.namespace() + "/"
                        + config.name() + ": " + created.message());
            }
            podId = created.body().path("Id").asText();
        }
        LibpodClient.Reply started = client.post("/pods/" + podId + "/start", Map.of(), null);
        if (!started.ok() && !started.notModified()) {
            removePodSandbox(podId);
            throw new ContainerRuntimeException("cannot start pod sandbox for " + config.namespace() + "/"
                    + config.name() + ": " + started.message());
        }
        return inspectSandbox(podId).orElseThrow(() -> new ContainerRuntimeException(
                "pod sandbox " + config.namespace() + "/" + config.name() + " vanished right after its start"));
    }

    /**
     * The pod's resolver, in the infra container's resolv.conf that every container of the pod
     * shares (libpod's pod spec: {@code dns_server}, {@code dns_search}, {@code dns_option}).
     * Podman fills what is not given from the host's file; a resolver without search domains gets
     * podman's {@code "."}, which means none.
     */
    private void setDns(ObjectNode spec, DnsConfig dns) {
        if (dns == null) {
            return; // podman's default: the host's resolver (or podman's own when it is a loopback one)
        }
        if (!dns.servers().isEmpty()) {
            spec.set("dns_server", client.json().valueToTree(dns.servers()));
        }
        spec.set("dns_search", client.json().valueToTree(dns.searches().isEmpty() ? List.of(".") : dns.searches()));
        if (!dns.options().isEmpty()) {
            spec.set("dns_option", client.json().valueToTree(dns.options()));
        }
    }

    @Override
    public void stopPodSandbox(String sandboxId) {
        if (!killContainers(sandboxId)) {
            return;
        }
        LibpodClient.Reply reply = client.post("/pods/" + sandboxId + "/stop", Map.of("t", "0"), null);
        if (!reply.ok() && !reply.notModified() && !reply.notFound()) {
            throw new ContainerRuntimeException("cannot stop pod sandbox " + sandboxId + ": " + reply.message());
        }
    }

    @Override
    public void removePodSandbox(String sandboxId) {
        if (!killContainers(sandboxId)) {
            return;
        }
        LibpodClient.Reply reply = client.delete("/pods/" + sandboxId, Map.of("force", "true"));
        if (!reply.ok() && !reply.notFound()) {
            throw new ContainerRuntimeException("cannot remove pod sandbox " + sandboxId + ": " + reply.message());
        }
    }

    /**
     * Kills every running container of a pod at once. Podman 4.3 ignores the timeout of pod stop
     * and pod removal and gives each container 10 s after SIGTERM, which a PID 1 without a
     * handler (httpd, sleep) never honours; a container stop with timeout 0 kills at once.
     * Returns {@code false} when the pod does not exist.
     */
    private boolean killContainers(String sandboxId) {
        LibpodClient.Reply reply = client.get("/containers/json",
                Map.of("filters", filters("pod", List.of(sandboxId)), "all", "true"));
        if (!reply.ok()) {
            throw new ContainerRuntimeException("cannot list the containers of " + sandboxId + ": " + reply.message());
        }
        if (reply.body().isEmpty() && client.get("/pods/" + sandboxId + "/exists", Map.of()).notFound()) {
            return false;
        }
        for (JsonNode container : reply.body()) {
            if (!container.path("IsInfra").asBoolean(false) && container.path("State").asText("").equals("running")) {
                stopContainer(container.path("Id").asText(), Duration.ZERO);
            }
        }
        return true;
    }

    @Override
    public List<PodSandbox> listPodSandboxes() {
        List<PodSandbox> sandboxes = new ArrayList<>();
        for (JsonNode pod : listPods(List.of(MANAGED_LABEL + "=true"))) {
            toSandbox(pod).ifPresent(sandboxes::add);
        }
        return sandboxes;
    }

    private List<JsonNode> listPods(List<String> labelFilters) {
        LibpodClient.Reply reply = client.get("/pods/json", Map.of("filters", filters("label", labelFilters)));
        if (!reply.ok()) {
            throw new ContainerRuntimeException("cannot list podman pods: " + reply.message());
        }
        List<JsonNode> pods = new ArrayList<>();
        reply.body().forEach(pods::add);
        return pods;
    }

    private Optional<PodSandbox> inspectSandbox(String podId) {
        LibpodClient.Reply reply = client.get("/pods/" + podId + "/json", Map.of());
        if (reply.notFound()) {
            return Optional.empty();
        }
        if (!reply.ok()) {
            throw new ContainerRuntimeException("cannot inspect pod sandbox " + podId + ": " + reply.message());
        }
        ObjectNode pod = (ObjectNode) reply.body();
        // The inspection names the infra container InfraContainerID, the pod list InfraId.
        pod.set("InfraId", pod.path("InfraContainerID"));
        return toSandbox(pod);
    }

    /** A sandbox from a pod (listed or inspected); empty when it vanished meanwhile. */
    private Optional<PodSandbox> toSandbox(JsonNode pod) {
        Map<String, String> labels = labels(pod.path("Labels"));
        boolean ready = false;
        String ip = null;
        String infraId = pod.path("InfraId").asText("");
        if (!infraId.isEmpty()) {
            LibpodClient.Reply infra = client.get("/containers/" + infraId + "/json", Map.of());
            if (infra.notFound()) {
                return Optional.empty();
            }
            if (infra.ok() && infra.body().path("State").path("Running").asBoolean(false)) {
                ip = ipAddress(infra.body().path("NetworkSettings"));
                ready = ip != null;
            }
        }
        return Optional.of(new PodSandbox(pod.path("Id").asText(), labels.get(POD_UID_LABEL),
                labels.get(POD_NAMESPACE_LABEL), labels.get(POD_NAME_LABEL), ready, ip,
                instant(pod.path("Created").asText(null)), userLabels(labels),
                fromJson(labels.get(POD_ANNOTATIONS_LABEL))));
    }

    private static String ipAddress(JsonNode networkSettings) {
        String ip = networkSettings.path("IPAddress").asText("");
        if (ip.isEmpty()) {
            for (JsonNode network : networkSettings.path("Networks")) {
                ip = network.path("IPAddress").asText("");
                if (!ip.isEmpty()) {
                    break;
                }
            }
        }
        return ip.isEmpty() ? null : ip;
    }

    private static String hostname(String hostname) {
        String truncated = hostname.length() > MAX_HOSTNAME ? hostname.substring(0, MAX_HOSTNAME) : hostname;
        return truncated.replaceAll("[-.]+$", "");
    }

    private static String uidPrefix(String uid) {
        String compact = uid.replace("-", "");
        return compact.substring(0, Math.min(8, compact.length()));
    }

    // -------------------------------------------------------------------------------- containers

    @Override
    public String createContainer(String sandboxId, ContainerConfig config) {
        LibpodClient.Reply pod = client.get("/pods/" + sandboxId + "/json", Map.of());
        if (pod.notFound()) {
            throw new ContainerNotFoundException(sandboxId);
        }
        if (!pod.ok()) {
            throw new ContainerRuntimeException("cannot inspect pod sandbox " + sandboxId + ": " + pod.message());
        }
        Map<String, String> podLabels = labels(pod.body().path("Labels"));
        String podName = podLabels.getOrDefault(POD_NAME_LABEL, pod.body().path("Name").asText());
        String imageRef = config.imageRef() == null || config.imageRef().isEmpty() ? config.image() : config.imageRef();

        Map<String, String> labels = new LinkedHashMap<>(config.labels());
        labels.put(MANAGED_LABEL, "true");
        labels.put(CONTAINER_NAME_LABEL, config.name());
        labels.put(CONTAINER_ATTEMPT_LABEL, Integer.toString(config.attempt()));
        labels.put(CONTAINER_IMAGE_LABEL, config.image());
        labels.put(CONTAINER_IMAGE_REF_LABEL, imageRef);

        ObjectNode spec = client.json().createObjectNode();
        spec.put("name", "k8s_" + config.name() + "_" + podName + "_"
                + podLabels.getOrDefault(POD_NAMESPACE_LABEL, "") + "_"
                + uidPrefix(podLabels.getOrDefault(POD_UID_LABEL, sandboxId)) + "_" + config.attempt());
        spec.put("pod", sandboxId);
        spec.put("image", imageRef);
        spec.set("labels", client.json().valueToTree(labels));
        spec.set("env", client.json().valueToTree(config.env()));
        // Podman's rules match Kubernetes': an entrypoint given replaces the image's and drops the
        // image's command; a command given alone replaces the image's command only.
        if (!config.command().isEmpty()) {
            spec.set("entrypoint", client.json().valueToTree(config.command()));
        }
        if (!config.args().isEmpty()) {
            spec.set("command", client.json().valueToTree(config.args()));
        }
        if (config.workingDir() != null && !config.workingDir().isEmpty()) {
            spec.put("work_dir", config.workingDir());
        }
        ArrayNode mounts = spec.putArray("mounts");
        for (ContainerConfig.Mount mount : config.mounts()) {
            ObjectNode bind = mounts.addObject();
            bind.put("type", "bind");
            bind.put("source", mount.hostPath());
            bind.put("destination", mount.containerPath());
            bind.putArray("options").add("rbind").add(mount.readOnly() ? "ro" : "rw");
        }
        ContainerConfig.ResourceLimits limits = config.limits();
        if (limits.cpuMillis() > 0 || limits.memoryBytes() > 0) {
            ObjectNode resources = spec.putObject("resource_limits");
            if (limits.memoryBytes() > 0) {
                resources.putObject("memory").put("limit", limits.memoryBytes());
            }
            if (limits.cpuMillis() > 0) {
                // CFS quota as the kubelet computes it: millicores of a 100 ms period (at least 1 ms).
                long quota = Math.max(1000, limits.cpuMillis() * CPU_PERIOD_MICROS / 1000);
                resources.putObject("cpu").put("quota", quota).put("period", CPU_PERIOD_MICROS);
            }
        }
        spec.put("stdin", config.stdin());
        spec.put("terminal", config.tty());

        LibpodClient.Reply created = client.post("/containers/create", Map.of(), spec);
        if (!created.ok()) {
            String cause = created.body().path("cause").asText("");
            if (cause.equals("no such pod")) {
                throw new ContainerNotFoundException(sandboxId);
            }
            throw new ContainerRuntimeException("cannot create container " + config.name() + ": " + created.message());
        }
        return created.body().path("Id").asText();
    }

    @Override
    public void startContainer(String containerId) {
        // Podman would run an exited container again; the CRI starts a container once.
        ContainerStatus status = containerStatus(containerId)
                .orElseThrow(() -> new ContainerNotFoundException(containerId));
        if (status.state() != ContainerStatus.State.CREATED) {
            return;
        }
        LibpodClient.Reply reply = client.post("/containers/" + containerId + "/start", Map.of(), null);
        if (reply.notFound()) {
            throw new ContainerNotFoundException(containerId);
        }
        if (!reply.ok() && !reply.notModified()) {
            throw new ContainerRuntimeException("cannot start container " + containerId + ": " + reply.message());
        }
    }

    @Override
    public void stopContainer(String containerId, Duration gracePeriod) {
        // Podman's stop: the stop signal (SIGTERM), then SIGKILL after the timeout, in whole seconds.
        long millis = gracePeriod == null || gracePeriod.isNegative() ? 0 : gracePeriod.toMillis();
        long seconds = (millis + 999) / 1000;
        LibpodClient.Reply reply = client.post("/containers/" + containerId + "/stop",
                Map.of("timeout", Long.toString(seconds)), null, Duration.ofSeconds(seconds + 60));
        if (!reply.ok() && !reply.notModified() && !reply.notFound()) {
            throw new ContainerRuntimeException("cannot stop container " + containerId + ": " + reply.message());
        }
    }

    @Override
    public void removeContainer(String containerId) {
        // A forced removal would give a running container 10 s after SIGTERM (podman 4.3): kill it first.
        stopContainer(containerId, Duration.ZERO);
        LibpodClient.Reply reply = client.delete("/containers/" + containerId, Map.of("force", "true"));
        if (!reply.ok() && !reply.notFound()) {
            throw new ContainerRuntimeException("cannot remove container " + containerId + ": " + reply.message());
        }
    }

    @Override
    public List<ContainerStatus> listContainers(String sandboxId) {
        LibpodClient.Reply exists = client.get("/pods/" + sandboxId + "/exists", Map.of());
        if (exists.notFound()) {
            throw new ContainerNotFoundException(sandboxId);
        }
        Map<String, String> filters = Map.of("filters", "{\"pod\":[" + toJson(sandboxId) + "],\"label\":["
                + toJson(MANAGED_LABEL + "=true") + "]}", "all", "true");
        LibpodClient.Reply reply = client.get("/containers/json", filters);
        if (!reply.ok()) {
            throw new ContainerRuntimeException("cannot list the containers of " + sandboxId + ": " + reply.message());
        }
        List<ContainerStatus> statuses = new ArrayList<>();
        for (JsonNode container : reply.body()) {
            if (container.path("IsInfra").asBoolean(false)) {
                continue; // it carries the pod's labels, ours included
            }
            containerStatus(container.path("Id").asText()).ifPresent(statuses::add);
        }
        return statuses;
    }

    /**
     * One list request for every container this runtime created (the node agent's relist): the
     * summary podman's list gives (state, exit code, labels), without inspecting each container.
     */
    @Override
    public List<ContainerStatus> listAllContainers() {
        LibpodClient.Reply reply = client.get("/containers/json",
                Map.of("filters", "{\"label\":[" + toJson(MANAGED_LABEL + "=true") + "]}", "all", "true"));
        if (!reply.ok()) {
            throw new ContainerRuntimeException("cannot list containers: " + reply.message());
        }
        List<ContainerStatus> all = new ArrayList<>();
        for (JsonNode c : reply.body()) {
            if (c.path("IsInfra").asBoolean(false)) {
                continue;
            }
            Map<String, String> labels = labels(c.path("Labels"));
            ContainerStatus.State state = state(c.path("State").asText(""));
            int exitCode = state == ContainerStatus.State.EXITED ? c.path("ExitCode").asInt() : 0;
            int attempt;
            try {
                attempt = Integer.parseInt(labels.getOrDefault(CONTAINER_ATTEMPT_LABEL, "0"));
            } catch (NumberFormatException e) {
                attempt = 0;
            }
            all.add(new ContainerStatus(c.path("Id").asText(), c.path("Pod").asText(null),
                    labels.getOrDefault(CONTAINER_NAME_LABEL, ""), attempt, state, exitCode, null, null,
                    c.path("Image").asText(null), null, null, null, null, userLabels(labels)));
        }
        return all;
    }

    @Override
    public Optional<ContainerStatus> containerStatus(String containerId) {
        LibpodClient.Reply reply = client.get("/containers/" + containerId + "/json", Map.of());
        if (reply.notFound()) {
            return Optional.empty();
        }
        if (!reply.ok()) {
            throw new ContainerRuntimeException("cannot inspect container " + containerId + ": " + reply.message());
        }
        return Optional.of(toStatus(reply.body()));
    }

    private static ContainerStatus toStatus(JsonNode container) {
        Map<String, String> labels = labels(container.path("Config").path("Labels"));
        JsonNode state = container.path("State");
        ContainerStatus.State mapped = state(state.path("Status").asText(""));
        boolean exited = mapped == ContainerStatus.State.EXITED;
        int exitCode = exited ? state.path("ExitCode").asInt() : 0;
        String reason = null;
        if (exited) {
            reason = state.path("OOMKilled").asBoolean(false) ? "OOMKilled" : exitCode == 0 ? "Completed" : "Error";
        }
        String error = state.path("Error").asText("");
        int attempt;
        try {
            attempt = Integer.parseInt(labels.getOrDefault(CONTAINER_ATTEMPT_LABEL, "0"));
        } catch (NumberFormatException e) {
            attempt = 0;
        }
        Instant startedAt = instant(state.path("StartedAt").asText(null));
        Instant finishedAt = exited ? instant(state.path("FinishedAt").asText(null)) : null;
        if (startedAt != null && finishedAt != null && finishedAt.isBefore(startedAt)) {
            // Podman records StartedAt after the start returns: a command that exits at once can
            // show a FinishedAt a few milliseconds earlier. Kubernetes statuses never go backwards.
            finishedAt = startedAt;
        }
        return new ContainerStatus(container.path("Id").asText(), container.path("Pod").asText(null),
                labels.getOrDefault(CONTAINER_NAME_LABEL, container.path("Name").asText()), attempt, mapped, exitCode,
                reason, error.isEmpty() ? null : LibpodClient.oneLine(error),
                labels.getOrDefault(CONTAINER_IMAGE_LABEL, container.path("ImageName").asText()),
                labels.getOrDefault(CONTAINER_IMAGE_REF_LABEL, "sha256:" + container.path("Image").asText()),
                instant(container.path("Created").asText(null)), startedAt, finishedAt, userLabels(labels));
    }

    /** Podman's container states to the CRI's. */
    static ContainerStatus.State state(String podmanState) {
        switch (podmanState) {
            case "configured":
            case "created":
            case "initialized":
                return ContainerStatus.State.CREATED;
            case "running":
            case "paused":
            case "stopping":
                return ContainerStatus.State.RUNNING;
            case "exited":
            case "stopped":
                return ContainerStatus.State.EXITED;
            default:
                return ContainerStatus.State.UNKNOWN;
        }
    }

    // ------------------------------------------------------------------------------ logs and exec

    /**
     * Streams {@code /containers/{id}/logs}. The libpod endpoint multiplexes stdout and stderr
     * (with or without a tty); both go to {@code out} in the order podman logged them. Timestamps
     * are podman's (RFC 3339, to the second).
     */
    @Override
    public void logs(String containerId, LogOptions options, OutputStream out) throws IOException {
        Map<String, String> params = new HashMap<>();
        params.put("stdout", "true");
        params.put("stderr", "true");
        params.put("follow", Boolean.toString(options.follow()));
        params.put("timestamps", Boolean.toString(options.timestamps()));
        if (options.tailLines() >= 0) {
            params.put("tail", Long.toString(options.tailLines()));
        }
        if (options.sinceTime() != null) {
            params.put("since", options.sinceTime().toString());
        }
        LibpodClient.StreamingReply reply = client.stream("/containers/" + containerId + "/logs", params);
        if (reply.status() == 404) {
            throw new ContainerNotFoundException(containerId);
        }
        if (reply.error() != null) {
            throw new ContainerRuntimeException("cannot read the logs of " + containerId + ": "
                    + reply.error().message());
        }
        long remaining = options.limitBytes() < 0 ? Long.MAX_VALUE : options.limitBytes();
        // Closing the body before its end aborts the request: podman stops following.
        try (InputStream body = reply.body()) {
            MultiplexedStream frames = new MultiplexedStream(body);
            for (MultiplexedStream.Frame frame = frames.next(); frame != null && remaining > 0; frame = frames.next()) {
                int length = (int) Math.min(frame.payload().length, remaining);
                out.write(frame.payload(), 0, length);
                remaining -= length;
                if (options.follow()) {
                    out.flush();
                }
            }
            out.flush();
        }
    }

    @Override
    public ExecProcess exec(String containerId, List<String> command, boolean stdin, boolean tty) throws IOException {
        ObjectNode request = client.json().createObjectNode();
        request.put("AttachStdin", stdin);
        request.put("AttachStdout", true);
        request.put("AttachStderr", true);
        request.put("Tty", tty);
        request.set("Cmd", client.json().valueToTree(command));
        LibpodClient.Reply created = client.post("/containers/" + containerId + "/exec", Map.of(), request);
        if (created.notFound()) {
            throw new ContainerNotFoundException(containerId);
        }
        if (!created.ok()) {
            if (created.body().path("cause").asText("").equals("container state improper")) {
                throw new ContainerRuntimeException("container " + containerId + " is not running");
            }
            throw new ContainerRuntimeException("cannot exec in container " + containerId + ": " + created.message());
        }
        String execId = created.body().path("Id").asText();
        ObjectNode start = client.json().createObjectNode();
        start.put("Detach", false);
        start.put("Tty", tty);
        LibpodClient.HijackedConnection connection;
        try {
            connection = client.hijack("/exec/" + execId + "/start", start);
        } catch (LibpodClient.HijackRefusedException e) {
            throw new ContainerRuntimeException("cannot start " + command + " in container " + containerId + ": "
                    + e.getMessage(), e);
        }
        return new PodmanExecProcess(client, execId, connection, stdin, tty);
    }

    // ------------------------------------------------------------------------------------ helpers

    private static Map<String, String> labels(JsonNode labels) {
        Map<String, String> map = new LinkedHashMap<>();
        labels.fields().forEachRemaining(entry -> map.put(entry.getKey(), entry.getValue().asText()));
        return map;
    }

    private static Map<String, String> userLabels(Map<String, String> labels) {
        Map<String, String> user = new LinkedHashMap<>(labels);
        BOOKKEEPING_LABELS.forEach(user::remove);
        return user;
    }

    private String filters(String key, List<String> values) {
        return "{" + toJson(key) + ":" + toJson(values) + "}";
    }

    private String toJson(Object value) {
        try {
            return client.json().writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, String> fromJson(String json) {
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        try {
            return client.json().readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (IOException e) {
            LOG.warn("unreadable sandbox annotations label: {}", json);
            return Map.of();
        }
    }

    /** A podman time; {@code null} for none or Go's zero time (year 1). */
    static Instant instant(String text) {
        if (text == null || text.isEmpty() || text.startsWith("0001-01-01")) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
