package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Defaults and checks of a {@code PodSpec}, shared by Pods and the pod templates of workloads. */
final class PodSpecRules {
    private PodSpecRules() {}

    static void applyDefaults(PodSpec spec) {
        if (spec == null) {
            return;
        }
        if (spec.getRestartPolicy() == null) {
            spec.setRestartPolicy("Always");
        }
        if (spec.getDnsPolicy() == null) {
            spec.setDnsPolicy("ClusterFirst");
        }
        if (spec.getTerminationGracePeriodSeconds() == null) {
            spec.setTerminationGracePeriodSeconds(30L);
        }
        if (spec.getSchedulerName() == null) {
            spec.setSchedulerName("default-scheduler");
        }
        if (spec.getEnableServiceLinks() == null) {
            spec.setEnableServiceLinks(true);
        }
        defaultContainers(spec.getInitContainers());
        defaultContainers(spec.getContainers());
    }

    private static void defaultContainers(List<Container> containers) {
        if (containers == null) {
            return;
        }
        for (Container c : containers) {
            if (c.getImagePullPolicy() == null && c.getImage() != null) {
                c.setImagePullPolicy(isLatest(c.getImage()) ? "Always" : "IfNotPresent");
            }
            if (c.getTerminationMessagePath() == null) {
                c.setTerminationMessagePath("/dev/termination-log");
            }
            if (c.getTerminationMessagePolicy() == null) {
                c.setTerminationMessagePolicy("File");
            }
            if (c.getPorts() != null) {
                for (ContainerPort p : c.getPorts()) {
                    if (p.getProtocol() == null) {
                        p.setProtocol("TCP");
                    }
                }
            }
        }
    }

    /** An image without a tag or digest, or tagged {@code latest}, is pulled every time. */
    static boolean isLatest(String image) {
        if (image.contains("@")) {
            return false;
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon <= slash) {
            return true;
        }
        return image.substring(colon + 1).equals("latest");
    }

    static void validate(PodSpec spec, String path, FieldErrors errors) {
        if (spec == null) {
            errors.required(path);
            return;
        }
        Set<String> names = new HashSet<>();
        if (spec.getContainers() == null || spec.getContainers().isEmpty()) {
            errors.required(path + ".containers");
        } else {
            validateContainers(spec.getContainers(), path + ".containers", names, errors);
        }
        if (spec.getInitContainers() != null) {
            validateContainers(spec.getInitContainers(), path + ".initContainers", names, errors);
        }
        String restart = spec.getRestartPolicy();
        if (restart != null && !List.of("Always", "OnFailure", "Never").contains(restart)) {
            errors.notSupported(path + ".restartPolicy", restart, List.of("Always", "OnFailure", "Never"));
        }
    }

    private static void validateContainers(
            List<Container> containers, String path, Set<String> names, FieldErrors errors) {
        for (int i = 0; i < containers.size(); i++) {
            Container c = containers.get(i);
            String at = path + "[" + i + "]";
            if (c.getName() == null || c.getName().isEmpty()) {
                errors.required(at + ".name");
            } else {
                String bad = Names.checkLabel(c.getName());
                if (bad != null) {
                    errors.invalid(at + ".name", c.getName(), bad);
                } else if (!names.add(c.getName())) {
                    errors.duplicate(at + ".name", c.getName());
                }
            }
            if (c.getImage() == null || c.getImage().isBlank()) {
                errors.required(at + ".image");
            }
            if (c.getPorts() != null) {
                for (int p = 0; p < c.getPorts().size(); p++) {
                    Integer port = c.getPorts().get(p).getContainerPort();
                    String portPath = at + ".ports[" + p + "].containerPort";
                    if (port == null || port == 0) {
                        errors.required(portPath);
                    } else if (port < 1 || port > 65535) {
                        errors.invalid(portPath, port, "must be between 1 and 65535, inclusive");
                    }
                }
            }
        }
    }
}
