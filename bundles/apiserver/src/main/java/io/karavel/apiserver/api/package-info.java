/**
 * The API server's runtime introspection service: what it serves and whether it is ready.
 * Consumers (the shell, health checks, tests) read {@link io.karavel.apiserver.api.ApiServerRuntime}.
 */
@Export
@Version("1.0.0")
package io.karavel.apiserver.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
