package io.karavel.kubelet.impl.server;

import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.LogOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * What the node agent's HTTP server needs from the pod manager: the logs of a container and a
 * command run inside it, both addressed the way the API server sees pods (namespace, pod name,
 * container name). Implemented by the pod manager; served by {@link KubeletServer}.
 */
public interface PodStreams {

    /**
     * Writes a container's logs (see {@link io.karavel.api.runtime.ContainerRuntime#logs}).
     *
     * @param previous the previous (terminated) instance of the container instead of the current
     * @throws StreamException with 404 when the pod or container is unknown on this node, 400 when
     *     there is no previous instance or the container has not started
     */
    void logs(String namespace, String pod, String container, boolean previous, LogOptions options,
              OutputStream out) throws IOException;

    /**
     * Starts a command in a running container (see {@link io.karavel.api.runtime.ContainerRuntime#exec}).
     *
     * @throws StreamException with 404 when the pod or container is unknown on this node, 400 when
     *     the container is not running
     */
    ExecProcess exec(String namespace, String pod, String container, List<String> command, boolean stdin,
                     boolean tty) throws IOException;

    /** A request the pod manager refuses; {@link #code()} is the HTTP status to answer. */
    final class StreamException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int code;

        public StreamException(int code, String message) {
            super(message);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }
}
