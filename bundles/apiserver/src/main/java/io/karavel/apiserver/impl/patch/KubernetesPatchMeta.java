package io.karavel.apiserver.impl.patch;

import java.util.Map;
import java.util.Set;

/**
 * The patch strategies of the built-in kinds' lists ({@code patchStrategy}/{@code patchMergeKey}
 * in the Kubernetes Go types), keyed by field name, with the parent field deciding where one
 * name means different things ({@code ports} of a container vs of a Service).
 */
public final class KubernetesPatchMeta implements PatchMeta {
    public static final KubernetesPatchMeta INSTANCE = new KubernetesPatchMeta();

    private static final Set<String> CONTAINER_LISTS = Set.of("containers", "initContainers", "ephemeralContainers");

    private static final Map<String, String> KEY_BY_FIELD =
            Map.ofEntries(
                    Map.entry("containers", "name"),
                    Map.entry("initContainers", "name"),
                    Map.entry("ephemeralContainers", "name"),
                    Map.entry("volumes", "name"),
                    Map.entry("env", "name"),
                    Map.entry("imagePullSecrets", "name"),
                    Map.entry("resourceClaims", "name"),
                    Map.entry("volumeMounts", "mountPath"),
                    Map.entry("volumeDevices", "devicePath"),
                    Map.entry("conditions", "type"),
                    Map.entry("ownerReferences", "uid"),
                    Map.entry("hostAliases", "ip"),
                    Map.entry("topologySpreadConstraints", "topologyKey"));

    private KubernetesPatchMeta() {}

    @Override
    public ListStrategy listStrategy(String path) {
        int dot = path.lastIndexOf('.');
        String field = dot < 0 ? path : path.substring(dot + 1);
        String parent = dot < 0 ? "" : path.substring(0, dot);
        String parentField = parent.substring(parent.lastIndexOf('.') + 1);
        if (field.equals("finalizers") && parent.equals("metadata")) {
            return PRIMITIVES;
        }
        if (field.equals("ports")) {
            if (CONTAINER_LISTS.contains(parentField)) {
                return new MergeByKey("containerPort");
            }
            if (path.equals("spec.ports")) {
                return new MergeByKey("port");
            }
            return ATOMIC;
        }
        if (field.equals("addresses")) {
            return path.equals("status.addresses") ? new MergeByKey("type") : ATOMIC;
        }
        String key = KEY_BY_FIELD.get(field);
        return key == null ? ATOMIC : new MergeByKey(key);
    }
}
