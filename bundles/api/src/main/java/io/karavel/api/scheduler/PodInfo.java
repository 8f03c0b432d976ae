package io.karavel.api.scheduler;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * The pod being scheduled, with what plugins need computed once per cycle.
 *
 * @param pod the pod (do not modify)
 * @param requests its effective requests (max of init containers and sum of containers, plus
 *     overhead), with {@code pods = 1}
 */
public record PodInfo(Pod pod, Resources requests) {}
