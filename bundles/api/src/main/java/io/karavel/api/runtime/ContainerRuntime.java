package io.karavel.api.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Runs pod sandboxes and their containers on one node. Shaped after the Kubernetes CRI
 * (RuntimeService + ImageService). Implementations must be thread-safe: the node agent calls them
 * from one worker per pod, concurrently for different pods.
 *
 * <p>Every operation is idempotent by id: starting a running container, stopping a stopped one or
 * removing a removed one succeeds. Operations on ids the runtime does not know throw
 * {@link ContainerNotFoundException} (except stop and remove, which then do nothing).
 */
@ConsumerType
public interface ContainerRuntime {

    /** Service property naming the runtime ({@code podman}, {@code process}, {@code simulated}). */
    String NAME_PROPERTY = "runtime.name";

    /** This runtime's name, the value of {@link #NAME_PROPERTY}. */
    String name();

    /** Name, version and isolation of this runtime, for the Node's {@code nodeInfo} and labels. */
    RuntimeInfo info();

    /**
     * Whether this runtime runs no real processes (the simulated runtime of hollow nodes). The node
     * agent then counts every probe as successful instead of connecting to addresses where nothing
     * listens.
     */
    default boolean simulated() {
        return false;
    }

    /**
     * Whether this runtime's pods share the host's network namespace (the process runtime: its
     * pods are host processes with loopback IPs) rather than having their own on a container
     * bridge (podman). The node agent uses it to give pods Service addresses and a DNS server
     * they can reach: a loopback ClusterIP means the pod's own loopback inside a network
     * namespace of its own.
     *
     * @since 1.2
     */
    default boolean podsOnHostNetwork() {
        return false;
    }

    /**
     * Makes {@code image} available locally according to {@code policy} and returns its local
     * reference (the container status {@code imageID}).
     *
     * @throws ImagePullException when the image is missing and cannot be pulled (or the policy
     *     forbids pulling); its message says why, for the pod's {@code ErrImagePull} status
     */
    String ensureImage(String image, ImagePullPolicy policy);

    /**
     * Creates and starts the sandbox of a pod (network namespace, IP) and returns it. Idempotent by
     * {@link PodSandboxConfig#uid()}: when a ready sandbox for that pod exists it is returned as is.
     */
    PodSandbox runPodSandbox(PodSandboxConfig config);

    /** Stops every container of the sandbox at once (no grace) and releases its network. */
    void stopPodSandbox(String sandboxId);

    /** Removes the sandbox and every container in it. Does nothing when it is already gone. */
    void removePodSandbox(String sandboxId);

    /** Every sandbox this runtime knows, ready or not: the node agent adopts them after a restart. */
    List<PodSandbox> listPodSandboxes();

    /** Creates (but does not start) a container in a sandbox; returns its id. */
    String createContainer(String sandboxId, ContainerConfig config);

    /** Starts a created container. */
    void startContainer(String containerId);

    /**
     * Stops a container: SIGTERM, then SIGKILL once {@code gracePeriod} has passed. Returns when
     * it has exited. Does nothing when it is not running or unknown.
     */
    void stopContainer(String containerId, Duration gracePeriod);

    /** Removes an exited container and its logs. Does nothing when it is unknown. */
    void removeContainer(String containerId);

    /** The containers of a sandbox, every state, with their current status. */
    List<ContainerStatus> listContainers(String sandboxId);

    /**
     * Every container of every sandbox, in one call. The node agent relists this once per sync
     * period to notice what changed and wakes only the pods concerned (Kubernetes' PLEG), instead
     * of asking every pod's sandbox every period. Only {@code id}, {@code sandboxId}, {@code name},
     * {@code attempt}, {@code state} and {@code exitCode} must be filled. The default asks each
     * sandbox; runtimes with a cheaper way to list everything override it.
     */
    default List<ContainerStatus> listAllContainers() {
        List<ContainerStatus> all = new java.util.ArrayList<>();
        for (PodSandbox sandbox : listPodSandboxes()) {
            try {
                all.addAll(listContainers(sandbox.id()));
            } catch (ContainerNotFoundException gone) {
                // removed between the two calls: nothing of it to report
            }
        }
        return all;
    }

    /** One container's current status, empty when the runtime does not know it. */
    Optional<ContainerStatus> containerStatus(String containerId);

    /**
     * Writes the container's output (stdout and stderr interleaved, line by line) to {@code out}.
     * With {@link LogOptions#follow()} it blocks, writing new lines as they come, until the
     * container exits, the calling thread is interrupted, or writing to {@code out} fails (the
     * client went away).
     *
     * @throws ContainerNotFoundException when the container is unknown
     */
    void logs(String containerId, LogOptions options, OutputStream out) throws IOException;

    /**
     * Runs {@code command} inside a running container (same namespaces and environment).
     *
     * @param stdin whether the process gets a standard input ({@link ExecProcess#stdin()})
     * @param tty whether it runs on a terminal (stdout and stderr then arrive merged on stdout)
     * @throws ContainerNotFoundException when the container is unknown
     * @throws ContainerRuntimeException when it is not running or the command cannot start
     */
    ExecProcess exec(String containerId, List<String> command, boolean stdin, boolean tty) throws IOException;
}
