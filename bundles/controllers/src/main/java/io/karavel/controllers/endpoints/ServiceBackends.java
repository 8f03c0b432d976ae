package io.karavel.controllers.endpoints;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.karavel.api.controller.Selectors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Service's backends: its selected pods grouped by the ports they resolve to (a named
 * {@code targetPort} can resolve to different numbers, or not at all, per pod), as the endpoints
 * and EndpointSlice controllers both need them.
 */
final class ServiceBackends {

    /** One resolved port of the Service, as Endpoints and EndpointSlices list it. */
    record Port(String name, int port, String protocol, String appProtocol) {}

    /**
     * One pod that backs the Service.
     *
     * @param hostname the pod's {@code spec.hostname} when its {@code spec.subdomain} names this
     *     Service (it then has a DNS name of its own under the Service's), else null
     */
    record Backend(Pod pod, String ip, boolean ready, String hostname) {
        String nodeName() {
            return pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        }
    }

    private ServiceBackends() {}

    /** Whether the Service gets its Endpoints from a selector (it does not when it has none). */
    static boolean hasSelector(Service service) {
        return service.getSpec() != null && service.getSpec().getSelector() != null && !service.getSpec().getSelector().isEmpty();
    }

    static boolean selects(Service service, Pod pod) {
        return hasSelector(service) && Selectors.matches(service.getSpec().getSelector(), pod.getMetadata().getLabels());
    }

    /**
     * The selected pods that belong in the endpoints (an IP, not terminating, not finished),
     * grouped by resolved port list; groups, ports and pods in a stable order so that an unchanged
     * state produces identical content.
     */
    static Map<List<Port>, List<Backend>> group(Service service, List<Pod> podsInNamespace) {
        boolean publishNotReady = Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
        List<ServicePort> servicePorts = service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
        List<Pod> pods = new ArrayList<>();
        for (Pod pod : podsInNamespace) {
            if (selects(service, pod) && eligible(pod)) {
                pods.add(pod);
            }
        }
        pods.sort(Comparator.comparing((Pod p) -> p.getStatus().getPodIP()).thenComparing(p -> p.getMetadata().getName()));
        Map<List<Port>, List<Backend>> groups = new LinkedHashMap<>();
        for (Pod pod : pods) {
            List<Port> ports = new ArrayList<>();
            for (ServicePort sp : servicePorts) {
                Integer number = resolve(sp, pod);
                if (number != null) {
                    ports.add(new Port(sp.getName(), number, sp.getProtocol() == null ? "TCP" : sp.getProtocol(), sp.getAppProtocol()));
                }
            }
            if (!servicePorts.isEmpty() && ports.isEmpty()) {
                continue; // none of the Service's ports exists on this pod: it cannot serve
            }
            ports.sort(Comparator.comparing((Port p) -> p.name() == null ? "" : p.name()).thenComparingInt(Port::port));
            boolean ready = publishNotReady || podReady(pod);
            groups.computeIfAbsent(List.copyOf(ports), k -> new ArrayList<>()).add(new Backend(pod, pod.getStatus().getPodIP(), ready, hostname(service, pod)));
        }
        return groups;
    }

    private static String hostname(Service service, Pod pod) {
        String hostname = pod.getSpec() == null ? null : pod.getSpec().getHostname();
        boolean inSubdomain = hostname != null && !hostname.isEmpty()
                && service.getMetadata().getName().equals(pod.getSpec().getSubdomain());
        return inSubdomain ? hostname : null;
    }

    private static boolean eligible(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null) {
            return false;
        }
        String ip = pod.getStatus().getPodIP();
        String phase = pod.getStatus().getPhase();
        return ip != null && !ip.isEmpty() && !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    static boolean podReady(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    /**
     * The container port a Service port reaches on this pod: the number itself, the service port
     * when no target is given, or the container port with that name and protocol (null when the
     * pod has none, as Kubernetes' {@code podutil.FindPort}).
     */
    static Integer resolve(ServicePort servicePort, Pod pod) {
        IntOrString target = servicePort.getTargetPort();
        if (target == null || (target.getIntVal() == null && (target.getStrVal() == null || target.getStrVal().isEmpty()))) {
            return servicePort.getPort();
        }
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        String name = target.getStrVal();
        String protocol = servicePort.getProtocol() == null ? "TCP" : servicePort.getProtocol();
        if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
            return null;
        }
        for (Container c : pod.getSpec().getContainers()) {
            if (c.getPorts() == null) {
                continue;
            }
            for (ContainerPort p : c.getPorts()) {
                String portProtocol = p.getProtocol() == null ? "TCP" : p.getProtocol();
                if (name.equals(p.getName()) && protocol.equals(portProtocol)) {
                    return p.getContainerPort();
                }
            }
        }
        return null;
    }
}
