package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.kubelet.impl.AgentExecutors;
import io.karavel.kubelet.impl.NodeAgentSettings;
import io.karavel.kubelet.impl.probe.Prober;
import java.time.Clock;

/** What every pod worker of one node shares. */
record PodContext(NodeAgentSettings settings, KubernetesClient client, ContainerRuntime runtime,
                  AgentExecutors executors, Clock clock, EnvResolver env, VolumeManager volumes, Prober prober,
                  EventRecorder events, PodNetworking networking) {
}
