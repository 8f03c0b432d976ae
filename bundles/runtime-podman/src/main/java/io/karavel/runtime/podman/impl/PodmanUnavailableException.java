package io.karavel.runtime.podman.impl;

import io.karavel.api.runtime.ContainerRuntimeException;

/** The podman API could not be reached or did not answer in time. */
final class PodmanUnavailableException extends ContainerRuntimeException {
    private static final long serialVersionUID = 1L;

    PodmanUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
