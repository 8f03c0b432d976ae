/**
 * Service networking on a node, as the node agent needs it: where a pod reaches a Service's
 * ClusterIP and the cluster DNS from its own network. Implemented by the proxy bundle; the node
 * agent uses it when it is there (without it, pods get the ClusterIPs as they are and the host's
 * resolver).
 */
@Export
@Version("1.0.0")
package io.karavel.api.network;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
