package io.karavel.apiserver.impl.admission;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreKeys;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Kubernetes' RuntimeClass admission plugin, on pod creation: a pod naming a RuntimeClass that
 * does not exist is rejected (403), and the RuntimeClass's {@code overhead.podFixed},
 * {@code scheduling.nodeSelector} and {@code scheduling.tolerations} are merged into the pod, so
 * that the scheduler places it only on nodes offering that runtime. A nodeSelector entry that
 * contradicts the pod's, or a pod overhead other than the RuntimeClass's, is rejected (403).
 * Updates are not admitted again (a pod's runtimeClassName is immutable).
 */
public final class RuntimeClassAdmission implements AdmissionHook {

    /** Where RuntimeClasses live in the store. */
    static final String GROUP = "node.k8s.io";
    static final String PLURAL = "runtimeclasses";

    private final Store store;

    public RuntimeClassAdmission(Store store) {
        this.store = store;
    }

    @Override
    public void admit(AdmissionRequest request) {
        if (request.operation() != AdmissionRequest.Operation.CREATE || !(request.object() instanceof Pod pod)
                || !request.type().group().isEmpty() || !"pods".equals(request.type().plural())) {
            return;
        }
        PodSpec spec = pod.getSpec();
        if (spec == null || spec.getRuntimeClassName() == null || spec.getRuntimeClassName().isEmpty()) {
            return;
        }
        String name = spec.getRuntimeClassName();
        RuntimeClass rc = runtimeClass(name)
                .orElseThrow(() -> forbidden(pod, "pod rejected: RuntimeClass \"" + name + "\" not found"));
        setOverhead(pod, spec, rc);
        setScheduling(pod, spec, rc);
    }

    private Optional<RuntimeClass> runtimeClass(String name) {
        Optional<KeyValue> kv = store.get(StoreKeys.key(GROUP, PLURAL, null, name));
        if (kv.isEmpty()) {
            return Optional.empty();
        }
        RuntimeClass rc = Json.MAPPER.convertValue(Json.readObject(kv.get().value()), RuntimeClass.class);
        return rc.getMetadata() != null && rc.getMetadata().getDeletionTimestamp() != null ? Optional.empty()
                : Optional.of(rc);
    }

    private static void setOverhead(Pod pod, PodSpec spec, RuntimeClass rc) {
        if (rc.getOverhead() == null || rc.getOverhead().getPodFixed() == null) {
            if (spec.getOverhead() != null && !spec.getOverhead().isEmpty()) {
                throw forbidden(pod, "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead");
            }
            return;
        }
        Map<String, Quantity> fixed = rc.getOverhead().getPodFixed();
        if (spec.getOverhead() != null && !spec.getOverhead().isEmpty() && !sameQuantities(spec.getOverhead(), fixed)) {
            throw forbidden(pod, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
        }
        spec.setOverhead(new LinkedHashMap<>(fixed));
    }

    private static boolean sameQuantities(Map<String, Quantity> a, Map<String, Quantity> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, Quantity> e : a.entrySet()) {
            if (Quantity.getAmountInBytes(e.getValue()).compareTo(Quantity.getAmountInBytes(b.get(e.getKey()))) != 0) {
                return false;
            }
        }
        return true;
    }

    private static void setScheduling(Pod pod, PodSpec spec, RuntimeClass rc) {
        if (rc.getScheduling() == null) {
            return;
        }
        Map<String, String> runtimeSelector = rc.getScheduling().getNodeSelector();
        if (runtimeSelector != null && !runtimeSelector.isEmpty()) {
            Map<String, String> selector = spec.getNodeSelector() == null ? new LinkedHashMap<>()
                    : new LinkedHashMap<>(spec.getNodeSelector());
            for (Map.Entry<String, String> e : runtimeSelector.entrySet()) {
                String podValue = selector.get(e.getKey());
                if (podValue != null && !podValue.equals(e.getValue())) {
                    throw forbidden(pod, "conflict: runtimeClass.scheduling.nodeSelector[" + e.getKey() + "] = "
                            + e.getValue() + "; pod.spec.nodeSelector[" + e.getKey() + "] = " + podValue);
                }
                selector.put(e.getKey(), e.getValue());
            }
            spec.setNodeSelector(selector);
        }
        List<Toleration> extra = rc.getScheduling().getTolerations();
        if (extra != null && !extra.isEmpty()) {
            spec.setTolerations(mergeTolerations(spec.getTolerations(), extra));
        }
    }

    /**
     * The pod's tolerations plus those of the RuntimeClass it does not have yet, as Kubernetes'
     * MergeTolerations: a toleration already covered by an equal one is not added twice.
     */
    static List<Toleration> mergeTolerations(List<Toleration> first, List<Toleration> second) {
        List<Toleration> merged = new ArrayList<>();
        for (Toleration t : concat(first, second)) {
            if (merged.stream().noneMatch(m -> sameToleration(m, t))) {
                merged.add(t);
            }
        }
        return merged;
    }

    private static List<Toleration> concat(List<Toleration> a, List<Toleration> b) {
        List<Toleration> all = new ArrayList<>(a == null ? List.of() : a);
        all.addAll(b == null ? List.of() : b);
        return all;
    }

    private static boolean sameToleration(Toleration a, Toleration b) {
        return nz(a.getKey()).equals(nz(b.getKey()))
                && operator(a).equals(operator(b))
                && nz(a.getValue()).equals(nz(b.getValue()))
                && nz(a.getEffect()).equals(nz(b.getEffect()))
                && java.util.Objects.equals(a.getTolerationSeconds(), b.getTolerationSeconds());
    }

    private static String operator(Toleration t) {
        return t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** A 403 worded as Kubernetes' admission.NewForbidden: {@code pods "x" is forbidden: <why>}. */
    private static ApiException forbidden(Pod pod, String why) {
        String name = pod.getMetadata() == null ? "" : pod.getMetadata().getName();
        return new ApiException(403, "Forbidden", "pods \"" + name + "\" is forbidden: " + why, name, "", "pods",
                List.of());
    }
}
