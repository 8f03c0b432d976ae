package io.karavel.api.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * A pod sandbox as the runtime sees it.
 *
 * @param id the runtime's id for it
 * @param uid the pod uid it was created for
 * @param namespace the pod's namespace
 * @param name the pod's name
 * @param ready whether its network is up (containers can run in it)
 * @param ip the pod IP its containers share ({@code null} when not ready)
 * @param createdAt when it was created
 * @param labels the labels it was created with
 * @param annotations the annotations it was created with
 */
public record PodSandbox(String id, String uid, String namespace, String name, boolean ready, String ip,
                         Instant createdAt, Map<String, String> labels, Map<String, String> annotations) {
    public PodSandbox {
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
    }
}
