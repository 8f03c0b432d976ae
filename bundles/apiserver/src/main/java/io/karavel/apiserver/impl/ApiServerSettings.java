package io.karavel.apiserver.impl;

import java.nio.file.Path;

/**
 * Resolved settings of one API server instance.
 *
 * @param host address to listen on
 * @param port port to listen on; 0 picks a free port (tests)
 * @param kubeconfigPath where to write the admin kubeconfig once ready; null to write none
 */
public record ApiServerSettings(String host, int port, Path kubeconfigPath) {}
