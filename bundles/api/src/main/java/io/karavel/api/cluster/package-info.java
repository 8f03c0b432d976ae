/**
 * The control plane's own state: which masters exist, which one leads, and how far each one's
 * replica has got. Provided by the replicated store (HA masters); a single master has no
 * {@link io.karavel.api.cluster.ControlPlane} service and is its own leader.
 */
@Export
@Version("1.0.0")
package io.karavel.api.cluster;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
