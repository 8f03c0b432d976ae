package io.karavel.api.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * A container as the runtime sees it.
 *
 * @param id the runtime's id
 * @param sandboxId the sandbox it runs in
 * @param name its name within the pod
 * @param attempt the attempt it was created with ({@link ContainerConfig#attempt()})
 * @param state created, running, exited or unknown
 * @param exitCode the exit code once exited, else 0
 * @param reason why it exited, Kubernetes style ({@code Completed}, {@code Error},
 *     {@code OOMKilled}), {@code null} when running
 * @param message details, may be {@code null}
 * @param image the image it was created from
 * @param imageRef the local image reference (container status {@code imageID})
 * @param createdAt when it was created
 * @param startedAt when it started, {@code null} if never
 * @param finishedAt when it exited, {@code null} if not
 * @param labels the labels it was created with
 */
public record ContainerStatus(String id, String sandboxId, String name, int attempt, State state, int exitCode,
                              String reason, String message, String image, String imageRef, Instant createdAt,
                              Instant startedAt, Instant finishedAt, Map<String, String> labels) {
    public ContainerStatus {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** The CRI container states. */
    public enum State { CREATED, RUNNING, EXITED, UNKNOWN }
}
