package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Services: names are DNS labels; type ClusterIP, sessionAffinity None, port protocol TCP and
 * targetPort = port by default. Cluster IP allocation belongs to a later issue.
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
        ((Service) object).setStatus(null);
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
        }
    }
}
