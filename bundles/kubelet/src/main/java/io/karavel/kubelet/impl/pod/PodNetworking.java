package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.api.network.PodNetwork;
import io.karavel.api.network.ServiceNetwork;
import io.karavel.api.runtime.DnsConfig;
import io.karavel.kubelet.impl.ServiceCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a pod of one node sees of the cluster's Services: the environment variables of the
 * Services that exist when a container starts, and the pod's resolver. Both depend on the pod's
 * network: a pod on the host's network reaches a Service at its ClusterIP, a pod on a container
 * bridge at the address the node's {@link ServiceNetwork} serves for it. Without a ServiceNetwork
 * (no proxy on the node), the ClusterIPs are given as they are and pods keep the host's resolver.
 */
public final class PodNetworking {

    private static final Logger LOG = LoggerFactory.getLogger(PodNetworking.class);

    private final boolean runtimeOnHostNetwork;
    private final ServiceCache services;
    private final Supplier<ServiceNetwork> serviceNetwork;
    private final Path hostResolvConf;

    /**
     * @param runtimeOnHostNetwork whether the runtime's pods share the host's network
     *     ({@link io.karavel.api.runtime.ContainerRuntime#podsOnHostNetwork()})
     * @param serviceNetwork the node's Service network, {@code null} while there is none
     * @param hostResolvConf the host's resolver configuration ({@code /etc/resolv.conf})
     */
    public PodNetworking(boolean runtimeOnHostNetwork, ServiceCache services, Supplier<ServiceNetwork> serviceNetwork,
                         Path hostResolvConf) {
        this.runtimeOnHostNetwork = runtimeOnHostNetwork;
        this.services = services;
        this.serviceNetwork = serviceNetwork;
        this.hostResolvConf = hostResolvConf;
    }

    ServiceCache services() {
        return services;
    }

    /** The same Services and resolver for the pods of a runtime whose pods are (or are not) on the host network. */
    PodNetworking forRuntime(boolean podsOnHostNetwork) {
        return podsOnHostNetwork == runtimeOnHostNetwork ? this
                : new PodNetworking(podsOnHostNetwork, services, serviceNetwork, hostResolvConf);
    }

    /** Where the pod's network lives. */
    PodNetwork network(Pod pod) {
        return runtimeOnHostNetwork || Boolean.TRUE.equals(pod.getSpec().getHostNetwork())
                ? PodNetwork.HOST : PodNetwork.BRIDGE;
    }

    /**
     * The Service variables of a container of {@code pod}, from the Services that exist now.
     *
     * @throws ContainerConfigException while the Services were never read (the kubelet refuses to
     *     start a container then rather than give it an incomplete environment)
     */
    Map<String, String> serviceEnv(Pod pod) throws ContainerConfigException {
        if (!services.hasSynced()) {
            throw new ContainerConfigException("CreateContainerConfigError",
                    "services have not yet been read at least once, cannot construct envvars");
        }
        ServiceNetwork network = serviceNetwork.get();
        PodNetwork podNetwork = network(pod);
        String namespace = pod.getMetadata().getNamespace();
        boolean links = !Boolean.FALSE.equals(pod.getSpec().getEnableServiceLinks());
        return ServiceEnvVars.forPod(namespace, links, services.forNamespace(namespace),
                clusterIP -> network == null ? clusterIP : network.serviceAddress(clusterIP, podNetwork));
    }

    /**
     * The pod's resolver for its sandbox ({@code null}: the runtime's default, the host's).
     *
     * @param warnings receives what should become Warning events of the pod
     */
    DnsConfig dnsConfig(Pod pod, Consumer<String> warnings) {
        ServiceNetwork network = serviceNetwork.get();
        String clusterDns = null;
        String domain = "";
        if (network != null) {
            clusterDns = network.dnsServer(network(pod)).filter(s -> !s.isEmpty()).orElse(null);
            domain = network.clusterDomain();
        }
        return PodDnsConfigs.build(pod, hostResolver(), domain, clusterDns, warnings);
    }

    private DnsConfig hostResolver() {
        try {
            return PodDnsConfigs.parseResolvConf(Files.readString(hostResolvConf, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return new DnsConfig(List.of(), List.of(), List.of());
        } catch (IOException e) {
            LOG.warn("cannot read {}: pods get no search domains of the host: {}", hostResolvConf, e.getMessage());
            return new DnsConfig(List.of(), List.of(), List.of());
        }
    }
}
