package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The Service environment variables of a container, with the kubelet's rules: the Services of the
 * pod's namespace when {@code enableServiceLinks} is on (the default), plus the master Service
 * {@code default/kubernetes} always; only Services with a real ClusterIP (not {@code None}, not
 * empty: headless and ExternalName Services give none). For a Service {@code redis-master} with
 * port 6379 at 10.0.0.11:
 * <pre>
 * REDIS_MASTER_SERVICE_HOST=10.0.0.11
 * REDIS_MASTER_SERVICE_PORT=6379            (first port; _SERVICE_PORT_&lt;NAME&gt; for each named one)
 * REDIS_MASTER_PORT=tcp://10.0.0.11:6379    (first port, Docker links style)
 * REDIS_MASTER_PORT_6379_TCP=tcp://10.0.0.11:6379
 * REDIS_MASTER_PORT_6379_TCP_PROTO=tcp
 * REDIS_MASTER_PORT_6379_TCP_PORT=6379
 * REDIS_MASTER_PORT_6379_TCP_ADDR=10.0.0.11
 * </pre>
 * The address in them is what the pod reaches the ClusterIP at from its network (see
 * {@link io.karavel.api.network.ServiceNetwork#serviceAddress}).
 */
final class ServiceEnvVars {

    /** Services whose variables every pod gets, from the {@code default} namespace. */
    static final String MASTER_SERVICE = "kubernetes";
    static final String DEFAULT_NAMESPACE = "default";

    private ServiceEnvVars() {
    }

    /**
     * The variables for a pod of {@code namespace}.
     *
     * @param services every Service known (any namespace); others' are ignored
     * @param address maps a ClusterIP to the address the pod reaches it at
     */
    static Map<String, String> forPod(String namespace, boolean enableServiceLinks, Collection<Service> services,
                                      UnaryOperator<String> address) {
        // One Service per name: the pod's own namespace wins over default/kubernetes, whatever the
        // listing order (the kubelet keeps the master service only when the name is still free).
        Map<String, Service> byName = new TreeMap<>();
        for (Service service : services) {
            if (!hasClusterIP(service)) {
                continue;
            }
            String name = service.getMetadata().getName();
            String ns = service.getMetadata().getNamespace();
            if (enableServiceLinks && namespace.equals(ns)) {
                byName.put(name, service);
            } else if (DEFAULT_NAMESPACE.equals(ns) && MASTER_SERVICE.equals(name)) {
                byName.putIfAbsent(name, service);
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Service service : byName.values()) {
            add(env, service, address.apply(service.getSpec().getClusterIP()));
        }
        return env;
    }

    /** A ClusterIP that is neither unset (ExternalName) nor {@code None} (headless). */
    static boolean hasClusterIP(Service service) {
        if (service.getSpec() == null) {
            return false;
        }
        String ip = service.getSpec().getClusterIP();
        return ip != null && !ip.isEmpty() && !"None".equals(ip) && !"ExternalName".equals(service.getSpec().getType());
    }

    private static void add(Map<String, String> env, Service service, String host) {
        String prefix = variableName(service.getMetadata().getName());
        List<ServicePort> ports = service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
        env.put(prefix + "_SERVICE_HOST", host);
        if (ports.isEmpty()) {
            return; // validation forbids it for a Service with a ClusterIP; nothing more to say
        }
        env.put(prefix + "_SERVICE_PORT", Integer.toString(ports.get(0).getPort()));
        for (ServicePort port : ports) {
            if (port.getName() != null && !port.getName().isEmpty()) {
                env.put(prefix + "_SERVICE_PORT_" + variableName(port.getName()), Integer.toString(port.getPort()));
            }
        }
        String hostPort = (host.contains(":") ? "[" + host + "]" : host) + ":";
        for (int i = 0; i < ports.size(); i++) {
            ServicePort port = ports.get(i);
            String protocol = port.getProtocol() == null || port.getProtocol().isEmpty() ? "TCP" : port.getProtocol();
            String lower = protocol.toLowerCase(Locale.ROOT);
            String url = lower + "://" + hostPort + port.getPort();
            if (i == 0) {
                env.put(prefix + "_PORT", url); // Docker links single out the first port
            }
            String portPrefix = prefix + "_PORT_" + port.getPort() + "_" + protocol.toUpperCase(Locale.ROOT);
            env.put(portPrefix, url);
            env.put(portPrefix + "_PROTO", lower);
            env.put(portPrefix + "_PORT", Integer.toString(port.getPort()));
            env.put(portPrefix + "_ADDR", host);
        }
    }

    /** {@code my-service} -> {@code MY_SERVICE}. */
    static String variableName(String name) {
        return name.replace('-', '_').toUpperCase(Locale.ROOT);
    }
}
