package io.karavel.api.runtime;

import java.util.Objects;

/**
 * What a runtime is, for the Node object.
 *
 * @param name the runtime name ({@code podman})
 * @param version its version ({@code 4.3.1}); the Node shows {@code name://version} as
 *     {@code nodeInfo.containerRuntimeVersion}
 * @param isolated whether containers are isolated from the host (own namespaces, filesystem);
 *     {@code false} for the process runtime, which the Node advertises with a label
 */
public record RuntimeInfo(String name, String version, boolean isolated) {
    public RuntimeInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
    }
}
