package io.karavel.api.runtime;

/**
 * An image is not available locally and could not be pulled (or its policy forbids pulling). The
 * node agent reports {@code ErrImagePull}, then {@code ImagePullBackOff}, with this message.
 */
public class ImagePullException extends ContainerRuntimeException {
    private static final long serialVersionUID = 1L;

    public ImagePullException(String message) {
        super(message);
    }

    public ImagePullException(String message, Throwable cause) {
        super(message, cause);
    }
}
