package io.karavel.runtime.podman.impl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link PodmanRuntime} reaches podman, resolved from its configuration (or built by tests).
 *
 * @param socket the API socket of a podman service someone else runs, {@code null} to start one
 * @param serviceDirectory where a started service keeps its socket, pid file and log
 * @param containersConf the containers.conf given to a started service as {@code CONTAINERS_CONF},
 *     {@code null} to let it inherit this process's environment
 * @param podmanBinary the podman executable to start the service with
 * @param stopServiceOnClose whether closing the runtime stops the service it started
 * @param serviceStartTimeout how long a started service may take to open its socket
 */
public record PodmanSettings(Path socket, Path serviceDirectory, Path containersConf, String podmanBinary,
                      boolean stopServiceOnClose, Duration serviceStartTimeout) {
    public PodmanSettings {
        Objects.requireNonNull(podmanBinary, "podmanBinary");
        Objects.requireNonNull(serviceStartTimeout, "serviceStartTimeout");
        if (socket == null) {
            Objects.requireNonNull(serviceDirectory, "serviceDirectory (needed when no socket is given)");
        }
    }

    /** Settings that start a service in {@code serviceDirectory}, stopped again on close. */
    public static PodmanSettings startingService(Path serviceDirectory, Path containersConf) {
        return new PodmanSettings(null, serviceDirectory, containersConf, "podman", true, Duration.ofSeconds(30));
    }
}
