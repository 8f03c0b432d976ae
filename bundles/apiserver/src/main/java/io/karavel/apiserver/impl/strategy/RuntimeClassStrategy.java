package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.karavel.apiserver.impl.table.TableColumn;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code node.k8s.io/v1 RuntimeClass}: the handler names the runtime a node agent runs the pod
 * on, so it must be a DNS label and may not change (Kubernetes' ValidateRuntimeClass and
 * ValidateRuntimeClassUpdate). A RuntimeClass has no spec (no generation) and no status.
 */
public final class RuntimeClassStrategy implements ResourceStrategy {

    private static final Set<String> TOLERATION_OPERATORS = Set.of("Exists", "Equal");
    private static final Set<String> TAINT_EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    @Override
    public boolean hasSpec() {
        return false;
    }

    @Override
    public boolean resetStatusOnCreate() {
        return false; // no status to reset
    }

    @Override
    public List<TableColumn> tableColumns() {
        return List.of(TableColumn.of("Handler", o -> o.path("handler").asText("")));
    }

    @Override
    public void validate(HasMetadata object, FieldErrors errors) {
        RuntimeClass rc = (RuntimeClass) object;
        // As Kubernetes: an empty handler is an invalid label, not a missing field.
        String handler = rc.getHandler() == null ? "" : rc.getHandler();
        String problem = Names.checkLabel(handler);
        if (problem != null) {
            errors.invalid("handler", handler, problem);
        }
        if (rc.getScheduling() != null) {
            Map<String, String> selector = rc.getScheduling().getNodeSelector();
            if (selector != null) {
                selector.forEach((key, value) -> {
                    String keyProblem = Names.checkLabelKey(key);
                    if (keyProblem != null) {
                        errors.invalid("scheduling.nodeSelector", key, keyProblem);
                    }
                    String valueProblem = Names.checkLabelValue(value == null ? "" : value);
                    if (valueProblem != null) {
                        errors.invalid("scheduling.nodeSelector", value, valueProblem);
                    }
                });
            }
            List<Toleration> tolerations = rc.getScheduling().getTolerations();
            if (tolerations != null) {
                for (int i = 0; i < tolerations.size(); i++) {
                    validateToleration(tolerations.get(i), "scheduling.tolerations[" + i + "]", errors);
                }
            }
        }
    }

    private static void validateToleration(Toleration t, String path, FieldErrors errors) {
        String operator = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
        if (!TOLERATION_OPERATORS.contains(operator)) {
            errors.notSupported(path + ".operator", t.getOperator(), List.of("Equal", "Exists"));
        }
        if ("Exists".equals(operator) && t.getValue() != null && !t.getValue().isEmpty()) {
            errors.invalid(path + ".operator", t.getOperator(),
                    "value must be empty when `operator` is 'Exists'");
        }
        if ((t.getKey() == null || t.getKey().isEmpty()) && !"Exists".equals(operator)) {
            errors.invalid(path + ".operator", t.getOperator(),
                    "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
        }
        if (t.getKey() != null && !t.getKey().isEmpty() && Names.checkLabelKey(t.getKey()) != null) {
            errors.invalid(path + ".key", t.getKey(), Names.checkLabelKey(t.getKey()));
        }
        if (t.getEffect() != null && !t.getEffect().isEmpty() && !TAINT_EFFECTS.contains(t.getEffect())) {
            errors.notSupported(path + ".effect", t.getEffect(), List.of("NoExecute", "NoSchedule", "PreferNoSchedule"));
        }
    }

    @Override
    public void validateUpdate(HasMetadata object, HasMetadata old, FieldErrors errors) {
        String handler = ((RuntimeClass) object).getHandler();
        if (!Objects.equals(handler, ((RuntimeClass) old).getHandler())) {
            errors.invalid("handler", handler, "field is immutable");
        }
    }
}
