package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.Map;
import java.util.TreeMap;

/** Selector and template checks shared by Deployments and ReplicaSets. */
final class WorkloadRules {
    private WorkloadRules() {}

    static void validate(
            Integer replicas, LabelSelector selector, PodTemplateSpec template, FieldErrors errors) {
        if (replicas != null && replicas < 0) {
            errors.invalid("spec.replicas", replicas, "must be greater than or equal to 0");
        }
        boolean emptySelector =
                selector == null
                        || ((selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty()));
        if (emptySelector) {
            errors.required("spec.selector");
        }
        if (template == null) {
            errors.required("spec.template");
            return;
        }
        Map<String, String> labels =
                template.getMetadata() == null ? null : template.getMetadata().getLabels();
        if (!emptySelector) {
            boolean matches;
            try {
                matches = io.karavel.apiserver.impl.selector.LabelSelector.fromModel(selector).test(labels == null ? Map.of() : labels);
            } catch (IllegalArgumentException e) {
                errors.invalid("spec.selector", "", e.getMessage());
                matches = true;
            }
            if (!matches) {
                errors.invalidRendered(
                        "spec.template.metadata.labels",
                        goMap(labels),
                        "`selector` does not match template `labels`");
            }
        }
        PodSpecRules.validate(template.getSpec(), "spec.template.spec", errors);
        if (template.getSpec() != null
                && template.getSpec().getRestartPolicy() != null
                && !template.getSpec().getRestartPolicy().equals("Always")) {
            errors.notSupported(
                    "spec.template.spec.restartPolicy",
                    template.getSpec().getRestartPolicy(),
                    java.util.List.of("Always"));
        }
    }

    /** Renders labels as Go's %#v does, as Kubernetes' message shows them. */
    private static String goMap(Map<String, String> labels) {
        StringBuilder s = new StringBuilder("map[string]string{");
        boolean first = true;
        for (Map.Entry<String, String> e : new TreeMap<>(labels == null ? Map.<String, String>of() : labels).entrySet()) {
            if (!first) {
                s.append(", ");
            }
            first = false;
            s.append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
        }
        return s.append('}').toString();
    }

    static void validateSelectorUnchanged(LabelSelector now, LabelSelector old, FieldErrors errors) {
        if (old != null && !old.equals(now)) {
            errors.invalid("spec.selector", "", "field is immutable");
        }
    }
}
