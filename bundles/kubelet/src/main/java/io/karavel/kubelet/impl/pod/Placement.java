package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.Pod;

/** Which runtime (its pod context) a pod runs on: its RuntimeClass's handler, else the node's default runtime. */
interface Placement {

    /**
     * @throws RuntimeUnavailableException when that runtime is not available on the node (the
     *     message says why, for the pod's status and events)
     */
    PodContext place(Pod pod) throws RuntimeUnavailableException;

    /** Whether the pod names a RuntimeClass: then it stays on its handler when the default runtime changes. */
    static boolean pinned(Pod pod) {
        return pod.getSpec() != null && pod.getSpec().getRuntimeClassName() != null
                && !pod.getSpec().getRuntimeClassName().isEmpty();
    }
}
