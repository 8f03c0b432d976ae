package io.karavel.apiserver.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The running API server, registered as an OSGi service while the HTTP listener is open.
 * Implemented by the API server bundle only.
 */
@ProviderType
public interface ApiServerRuntime {

    /** A snapshot of the server's state; cheap, safe to call from any thread. */
    ApiServerStatus status();
}
