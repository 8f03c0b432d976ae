package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A container's environment, as the kubelet builds it: {@code envFrom} sources first, then
 * {@code env} in order (later entries win), with {@code $(VAR)} references expanded against the
 * variables defined before and then the Service variables; {@code valueFrom} reads the pod's own
 * fields, ConfigMaps and Secrets. The Service variables ({@link ServiceEnvVars}) come last, each
 * only when the container does not define that name itself.
 */
final class EnvResolver {

    /** The Service variables of a pod's containers. */
    @FunctionalInterface
    interface ServiceEnvSource {
        Map<String, String> serviceEnv(Pod pod) throws ContainerConfigException;
    }

    private final ObjectLookup lookup;
    private final ServiceEnvSource services;

    /** A resolver that gives no Service variables. */
    EnvResolver(ObjectLookup lookup) {
        this(lookup, pod -> Map.of());
    }

    EnvResolver(ObjectLookup lookup, ServiceEnvSource services) {
        this.lookup = lookup;
        this.services = services;
    }

    Map<String, String> resolve(Pod pod, Container container, String podIp, String hostIp)
            throws ContainerConfigException {
        String namespace = pod.getMetadata().getNamespace();
        Map<String, String> serviceEnv = services.serviceEnv(pod);
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : nullToEmpty(container.getEnvFrom())) {
            String prefix = from.getPrefix() == null ? "" : from.getPrefix();
            if (from.getConfigMapRef() != null) {
                ConfigMap cm = lookup.configMap(namespace, from.getConfigMapRef().getName());
                if (cm == null) {
                    if (!Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                        throw missing("configmap \"" + from.getConfigMapRef().getName() + "\" not found");
                    }
                } else if (cm.getData() != null) {
                    cm.getData().forEach((k, v) -> env.put(prefix + k, v));
                }
            }
            if (from.getSecretRef() != null) {
                Secret secret = lookup.secret(namespace, from.getSecretRef().getName());
                if (secret == null) {
                    if (!Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                        throw missing("secret \"" + from.getSecretRef().getName() + "\" not found");
                    }
                } else if (secret.getData() != null) {
                    secret.getData().forEach((k, v) -> env.put(prefix + k, decode(v)));
                }
            }
        }
        for (EnvVar var : nullToEmpty(container.getEnv())) {
            String value;
            if (var.getValueFrom() != null) {
                value = valueFrom(pod, var.getName(), var.getValueFrom(), podIp, hostIp);
                if (value == null) {
                    continue;
                }
            } else {
                value = expand(var.getValue() == null ? "" : var.getValue(), name -> {
                    String defined = env.get(name);
                    return defined != null ? defined : serviceEnv.get(name);
                });
            }
            env.put(var.getName(), value);
        }
        serviceEnv.forEach(env::putIfAbsent);
        return env;
    }

    private String valueFrom(Pod pod, String name, EnvVarSource source, String podIp, String hostIp)
            throws ContainerConfigException {
        String namespace = pod.getMetadata().getNamespace();
        if (source.getFieldRef() != null) {
            String path = source.getFieldRef().getFieldPath();
            return switch (path) {
                case "metadata.name" -> pod.getMetadata().getName();
                case "metadata.namespace" -> namespace;
                case "metadata.uid" -> pod.getMetadata().getUid();
                case "spec.nodeName" -> pod.getSpec().getNodeName();
                case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
                case "status.podIP" -> podIp;
                case "status.podIPs" -> podIp;
                case "status.hostIP" -> hostIp;
                case "status.hostIPs" -> hostIp;
                default -> labelOrAnnotation(pod, path, name);
            };
        }
        if (source.getConfigMapKeyRef() != null) {
            ConfigMapKeySelector ref = source.getConfigMapKeyRef();
            ConfigMap cm = lookup.configMap(namespace, ref.getName());
            String value = cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
            if (value == null && !Boolean.TRUE.equals(ref.getOptional())) {
                throw missing(cm == null ? "configmap \"" + ref.getName() + "\" not found"
                        : "couldn't find key " + ref.getKey() + " in ConfigMap " + namespace + "/" + ref.getName());
            }
            return value;
        }
        if (source.getSecretKeyRef() != null) {
            SecretKeySelector ref = source.getSecretKeyRef();
            Secret secret = lookup.secret(namespace, ref.getName());
            String value = secret == null || secret.getData() == null ? null : secret.getData().get(ref.getKey());
            if (value == null && !Boolean.TRUE.equals(ref.getOptional())) {
                throw missing(secret == null ? "secret \"" + ref.getName() + "\" not found"
                        : "couldn't find key " + ref.getKey() + " in Secret " + namespace + "/" + ref.getName());
            }
            return value == null ? null : decode(value);
        }
        if (source.getResourceFieldRef() != null) {
            throw new ContainerConfigException("CreateContainerConfigError",
                    "env " + name + ": resourceFieldRef is not supported yet");
        }
        return null;
    }

    private static String labelOrAnnotation(Pod pod, String path, String name) throws ContainerConfigException {
        for (String prefix : List.of("metadata.labels['", "metadata.annotations['")) {
            if (path.startsWith(prefix) && path.endsWith("']")) {
                String key = path.substring(prefix.length(), path.length() - 2);
                Map<String, String> map = prefix.contains("labels") ? pod.getMetadata().getLabels()
                        : pod.getMetadata().getAnnotations();
                return map == null ? "" : map.getOrDefault(key, "");
            }
        }
        throw new ContainerConfigException("CreateContainerConfigError",
                "env " + name + ": unsupported fieldPath " + path);
    }

    /**
     * Kubernetes' {@code $(VAR)} expansion: a reference to a defined variable is replaced, an
     * undefined one is left as written, {@code $$} is an escaped {@code $}.
     */
    static String expand(String input, Map<String, String> vars) {
        return expand(input, (Function<String, String>) vars::get);
    }

    /** {@link #expand(String, Map)} with the variables looked up by {@code vars} (null: undefined). */
    static String expand(String input, Function<String, String> vars) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < input.length()) {
            char c = input.charAt(i);
            if (c == '$' && i + 1 < input.length()) {
                char next = input.charAt(i + 1);
                if (next == '$') {
                    out.append('$');
                    i += 2;
                    continue;
                }
                if (next == '(') {
                    int close = input.indexOf(')', i + 2);
                    if (close > 0) {
                        String name = input.substring(i + 2, close);
                        String value = vars.apply(name);
                        out.append(value != null ? value : input, value != null ? 0 : i,
                                value != null ? value.length() : close + 1);
                        i = close + 1;
                        continue;
                    }
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    static List<String> expand(List<String> inputs, Map<String, String> vars) {
        List<String> result = new ArrayList<>();
        for (String s : nullToEmpty(inputs)) {
            result.add(expand(s, vars));
        }
        return result;
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static ContainerConfigException missing(String message) {
        return new ContainerConfigException("CreateContainerConfigError", message);
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
