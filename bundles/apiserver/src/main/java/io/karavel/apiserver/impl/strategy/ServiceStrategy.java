package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Services: names are DNS labels; type ClusterIP, sessionAffinity None, port protocol TCP and
 * targetPort = port by default. Cluster IPs are IPv4 only (single stack). The allocation of
 * cluster IPs and node ports happens at the store write, in
 * {@link io.karavel.apiserver.impl.service.ServiceAllocator}; here are the checks that need no
 * allocator.
 */
public final class ServiceStrategy implements ResourceStrategy {
    @Override
    public java.util.List<io.karavel.apiserver.impl.table.TableColumn> tableColumns() {
        return io.karavel.apiserver.impl.table.BuiltinColumns.SERVICE;
    }

    private static final List<String> TYPES = List.of("ClusterIP", "NodePort", "LoadBalancer", "ExternalName");

    @Override
    public Names.Rule nameRule() {
        return Names.Rule.LABEL;
    }

    @Override
    public void applyDefaults(HasMetadata object) {
        Service service = (Service) object;
        ServiceSpec spec = service.getSpec();
        if (spec == null) {
            spec = new ServiceSpec();
            service.setSpec(spec);
        }
        if (spec.getType() == null) {
            spec.setType("ClusterIP");
        }
        if (spec.getSessionAffinity() == null) {
            spec.setSessionAffinity("None");
        }
        if (spec.getPorts() != null) {
            for (ServicePort port : spec.getPorts()) {
                if (port.getProtocol() == null) {
                    port.setProtocol("TCP");
                }
                if (port.getTargetPort() == null && port.getPort() != null) {
                    port.setTargetPort(new IntOrString(port.getPort()));
                }
            }
        }
    }

    @Override
    public void prepareForCreate(HasMetadata object) {
        Service service = (Service) object;
        // as Kubernetes: a new Service's status is an empty load balancer status (kubectl: <pending>)
        service.setStatus(new ServiceStatusBuilder().withNewLoadBalancer().endLoadBalancer().build());
        // Kubernetes' NormalizeClusterIPs on create: clusterIPs follows clusterIP, or gives it
        ServiceSpec spec = service.getSpec();
        boolean hasIp = spec.getClusterIP() != null && !spec.getClusterIP().isEmpty();
        boolean hasIps = spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty();
        if (hasIp && !hasIps) {
            spec.setClusterIPs(new ArrayList<>(List.of(spec.getClusterIP())));
        } else if (!hasIp && hasIps) {
            spec.setClusterIP(spec.getClusterIPs().get(0));
        }
    }

    @Override
    public void validate(HasMetadata object, FieldErrors errors) {
        ServiceSpec spec = ((Service) object).getSpec();
        String type = spec.getType();
        if (!TYPES.contains(type)) {
            errors.notSupported("spec.type", type, TYPES);
        }
        List<ServicePort> ports = spec.getPorts() == null ? List.of() : spec.getPorts();
        boolean headless = "None".equals(spec.getClusterIP());
        if (ports.isEmpty() && !"ExternalName".equals(type) && !headless) {
            errors.required("spec.ports");
        }
        validateClusterIps(spec, errors);
        validateIpFamilies(spec, errors);
        if ("ExternalName".equals(type) && (spec.getExternalName() == null || spec.getExternalName().isEmpty())) {
            errors.required("spec.externalName");
        }
        boolean nodePorts = "NodePort".equals(type) || "LoadBalancer".equals(type);
        Set<String> nodePortsSeen = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            ServicePort p = ports.get(i);
            String at = "spec.ports[" + i + "]";
            if (ports.size() > 1 && (p.getName() == null || p.getName().isEmpty())) {
                errors.required(at + ".name");
            } else if (p.getName() != null && !p.getName().isEmpty()) {
                String bad = Names.checkLabel(p.getName());
                if (bad != null) {
                    errors.invalid(at + ".name", p.getName(), bad);
                } else if (!names.add(p.getName())) {
                    errors.duplicate(at + ".name", p.getName());
                }
            }
            if (p.getPort() == null || p.getPort() == 0) {
                errors.required(at + ".port");
            } else if (p.getPort() < 1 || p.getPort() > 65535) {
                errors.invalid(at + ".port", p.getPort(), "must be between 1 and 65535, inclusive");
            }
            String protocol = p.getProtocol();
            if (protocol != null && !List.of("TCP", "UDP", "SCTP").contains(protocol)) {
                errors.notSupported(at + ".protocol", protocol, List.of("SCTP", "TCP", "UDP"));
            }
            Integer nodePort = p.getNodePort();
            if (nodePort != null && nodePort != 0) {
                if (!nodePorts) {
                    errors.forbidden(at + ".nodePort", "may not be used when `type` is '" + type + "'");
                } else if (nodePort < 1 || nodePort > 65535) {
                    errors.invalid(at + ".nodePort", nodePort, "must be between 1 and 65535, inclusive");
                } else if (!nodePortsSeen.add(nodePort + "/" + protocol)) {
                    errors.duplicate(at + ".nodePort", nodePort);
                }
            }
        }
    }

    private static void validateClusterIps(ServiceSpec spec, FieldErrors errors) {
        String type = spec.getType();
        String ip = spec.getClusterIP() == null ? "" : spec.getClusterIP();
        List<String> ips = spec.getClusterIPs() == null ? List.of() : spec.getClusterIPs();
        if ("ExternalName".equals(type)) {
            if (!ip.isEmpty()) {
                errors.forbidden("spec.clusterIP", "may not be set for ExternalName services");
            } else if (!ips.isEmpty()) {
                errors.forbidden("spec.clusterIPs", "may not be set for ExternalName services");
            }
            return;
        }
        if (ips.size() > 1) {
            errors.tooMany("spec.clusterIPs", ips.size(), 1);
        }
        if (!ips.isEmpty() && !ip.isEmpty() && !ips.get(0).equals(ip)) {
            errors.invalid("spec.clusterIPs[0]", ips.get(0), "must be the same as spec.clusterIP");
        }
        if ("None".equals(ip)) {
            if ("NodePort".equals(type) || "LoadBalancer".equals(type)) {
                errors.invalid("spec.clusterIPs[0]", ip, "may not be set to 'None' for " + type + " services");
            }
        } else if (!ip.isEmpty() && io.karavel.apiserver.impl.service.Ipv4Range.parseAddress(ip) < 0) {
            errors.invalid("spec.clusterIPs[0]", ip, ip.contains(":")
                    ? "must be an IPv4 address: this cluster has no IPv6 services"
                    : "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        }
    }

    private static void validateIpFamilies(ServiceSpec spec, FieldErrors errors) {
        List<String> families = spec.getIpFamilies() == null ? List.of() : spec.getIpFamilies();
        for (int i = 0; i < families.size(); i++) {
            if (!"IPv4".equals(families.get(i))) {
                errors.invalid("spec.ipFamilies[" + i + "]", families.get(i),
                        "not configured on this cluster (Karavel Services are IPv4 only)");
            }
        }
        String policy = spec.getIpFamilyPolicy();
        if (policy != null && !List.of("SingleStack", "PreferDualStack", "RequireDualStack").contains(policy)) {
            errors.notSupported("spec.ipFamilyPolicy", policy, List.of("PreferDualStack", "RequireDualStack", "SingleStack"));
        } else if ("RequireDualStack".equals(policy)) {
            errors.invalid("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack services");
        }
    }

    /** The cluster IP cannot change, unless the Service leaves or becomes an ExternalName one. */
    @Override
    public void validateUpdate(HasMetadata object, HasMetadata old, FieldErrors errors) {
        ServiceSpec spec = ((Service) object).getSpec();
        ServiceSpec oldSpec = ((Service) old).getSpec();
        if (oldSpec == null || "ExternalName".equals(spec.getType()) || "ExternalName".equals(oldSpec.getType())) {
            return;
        }
        String oldIp = oldSpec.getClusterIP() == null ? "" : oldSpec.getClusterIP();
        String ip = spec.getClusterIP() == null ? "" : spec.getClusterIP();
        if (!oldIp.isEmpty() && !oldIp.equals(ip)) {
            errors.invalid("spec.clusterIP", ip, "field is immutable");
        }
    }
}
