package io.karavel.api.runtime;

/** The runtime knows no container or sandbox with that id. */
public class ContainerNotFoundException extends ContainerRuntimeException {
    private static final long serialVersionUID = 1L;

    public ContainerNotFoundException(String id) {
        super("no container or sandbox " + id);
    }
}
