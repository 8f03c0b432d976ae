/**
 * The container runtime SPI: how the node agent (kubelet) runs pods, shaped after the Kubernetes
 * Container Runtime Interface (CRI).
 *
 * <p>A pod is a <em>sandbox</em> (its shared execution environment: network namespace and IP) and
 * the <em>containers</em> created inside it. The node agent owns the pod lifecycle (restart policy,
 * back-off, probes, status); a runtime only does what it is told, and every operation is idempotent
 * by id, so the agent can repeat any step after a crash. A runtime is an OSGi service of type
 * {@link io.karavel.api.runtime.ContainerRuntime} registered with the property
 * {@value io.karavel.api.runtime.ContainerRuntime#NAME_PROPERTY}.
 *
 * <p>Adoption after a node agent restart works from labels: the agent puts the pod's identity on
 * sandboxes ({@link io.karavel.api.runtime.RuntimeLabels}) and finds them again with
 * {@link io.karavel.api.runtime.ContainerRuntime#listPodSandboxes()}.
 */
@Export
@Version("1.2.0")
package io.karavel.api.runtime;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
