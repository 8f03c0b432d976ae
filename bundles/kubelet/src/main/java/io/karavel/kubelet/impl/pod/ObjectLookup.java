package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The API objects a pod's environment and volumes refer to; {@code null} when missing. */
interface ObjectLookup {

    ConfigMap configMap(String namespace, String name);

    Secret secret(String namespace, String name);

    /** Reads them from the API server, as a kubelet does (no cache: read when a container starts). */
    static ObjectLookup of(KubernetesClient client) {
        return new ObjectLookup() {
            @Override
            public ConfigMap configMap(String namespace, String name) {
                return client.configMaps().inNamespace(namespace).withName(name).get();
            }

            @Override
            public Secret secret(String namespace, String name) {
                return client.secrets().inNamespace(namespace).withName(name).get();
            }
        };
    }
}
