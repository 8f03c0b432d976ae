package io.karavel.api.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One container to create in a sandbox.
 *
 * <p>{@code command} and {@code args} follow Kubernetes: an empty {@code command} keeps the
 * image's entrypoint, an empty {@code args} keeps the image's default arguments only when
 * {@code command} is empty too. Runtimes without images (process) run {@code command + args} as
 * given.
 *
 * @param name the container name within its pod
 * @param image the image as the pod spec names it
 * @param imageRef the local image reference {@link ContainerRuntime#ensureImage} returned
 * @param attempt how many times this container name was started in this pod before (0 first)
 * @param command the entrypoint override, empty for the image's
 * @param args the arguments, empty for the image's (see above)
 * @param env the environment, in the order given, values resolved
 * @param workingDir the working directory, {@code null} for the image's
 * @param mounts host directories (volumes) to mount
 * @param limits resource limits, never {@code null}
 * @param stdin whether the container keeps a standard input open
 * @param tty whether it runs on a terminal
 * @param labels labels to keep on the container (at least {@link RuntimeLabels})
 */
public record ContainerConfig(String name, String image, String imageRef, int attempt, List<String> command,
                              List<String> args, Map<String, String> env, String workingDir, List<Mount> mounts,
                              ResourceLimits limits, boolean stdin, boolean tty, Map<String, String> labels) {
    public ContainerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        command = List.copyOf(command);
        args = List.copyOf(args);
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        mounts = List.copyOf(mounts);
        limits = limits == null ? ResourceLimits.NONE : limits;
        labels = Map.copyOf(labels);
    }

    /**
     * A host directory mounted into a container.
     *
     * @param hostPath the directory on the node (a volume the node agent prepared)
     * @param containerPath where the container sees it
     * @param readOnly whether the container may write
     */
    public record Mount(String hostPath, String containerPath, boolean readOnly) {
    }

    /**
     * Limits from {@code resources.limits}.
     *
     * @param cpuMillis CPU limit in millicores, 0 for none
     * @param memoryBytes memory limit in bytes, 0 for none
     */
    public record ResourceLimits(long cpuMillis, long memoryBytes) {
        public static final ResourceLimits NONE = new ResourceLimits(0, 0);
    }
}
