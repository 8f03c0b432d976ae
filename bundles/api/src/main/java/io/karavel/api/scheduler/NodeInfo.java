package io.karavel.api.scheduler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Set;

/**
 * A node as the scheduler sees it in one cycle: the Node object and the pods assigned to it
 * (bound, and assumed by this scheduler while their binding is in flight), with their summed
 * requests. An immutable snapshot: safe to read from any thread.
 */
@org.osgi.annotation.versioning.ProviderType
public interface NodeInfo {
    Node node();

    default String name() {
        return node().getMetadata().getName();
    }

    List<Pod> pods();

    /** Allocatable resources ({@code status.allocatable}, else capacity). */
    Resources allocatable();

    /** Sum of the requests of {@link #pods()}. */
    Resources requested();

    /** Host ports in use, as {@code protocol/hostIP/port} (hostIP {@code 0.0.0.0} when unset). */
    Set<String> usedHostPorts();
}
