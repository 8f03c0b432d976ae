package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;

/**
 * Deployments: the defaults {@code kubectl rollout status} and fabric8's {@code waitUntilReady}
 * rely on (replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds
 * 600) and the selector/template checks.
 */
public final class DeploymentRules implements ResourceStrategy {
    @Override
    public java.util.List<io.karavel.apiserver.impl.table.TableColumn> tableColumns() {
        return io.karavel.apiserver.impl.table.BuiltinColumns.DEPLOYMENT;
    }

    @Override
    public void applyDefaults(HasMetadata object) {
        DeploymentSpec spec = ((Deployment) object).getSpec();
        if (spec == null) {
            return;
        }
        if (spec.getReplicas() == null) {
            spec.setReplicas(1);
        }
        if (spec.getRevisionHistoryLimit() == null) {
            spec.setRevisionHistoryLimit(10);
        }
        if (spec.getProgressDeadlineSeconds() == null) {
            spec.setProgressDeadlineSeconds(600);
        }
        DeploymentStrategy strategy = spec.getStrategy();
        if (strategy == null) {
            strategy = new DeploymentStrategy();
            spec.setStrategy(strategy);
        }
        if (strategy.getType() == null) {
            strategy.setType("RollingUpdate");
        }
        if (strategy.getType().equals("RollingUpdate")) {
            RollingUpdateDeployment rolling = strategy.getRollingUpdate();
            if (rolling == null) {
                rolling = new RollingUpdateDeployment();
                strategy.setRollingUpdate(rolling);
            }
            if (rolling.getMaxSurge() == null) {
                rolling.setMaxSurge(new IntOrString("25%"));
            }
            if (rolling.getMaxUnavailable() == null) {
                rolling.setMaxUnavailable(new IntOrString("25%"));
            }
        }
        if (spec.getTemplate() != null) {
            PodSpecRules.applyDefaults(spec.getTemplate().getSpec());
        }
    }

    @Override
    public void prepareForCreate(HasMetadata object) {
        ((Deployment) object).setStatus(null);
    }

    @Override
    public void validate(HasMetadata object, FieldErrors errors) {
        DeploymentSpec spec = ((Deployment) object).getSpec();
        if (spec == null) {
            errors.required("spec");
            return;
        }
        WorkloadRules.validate(spec.getReplicas(), spec.getSelector(), spec.getTemplate(), errors);
        String type = spec.getStrategy() == null ? null : spec.getStrategy().getType();
        if (type != null && !type.equals("RollingUpdate") && !type.equals("Recreate")) {
            errors.notSupported("spec.strategy.type", type, java.util.List.of("Recreate", "RollingUpdate"));
        }
        if ("Recreate".equals(type) && spec.getStrategy().getRollingUpdate() != null) {
            errors.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'");
        }
    }

    @Override
    public void validateUpdate(HasMetadata object, HasMetadata old, FieldErrors errors) {
        DeploymentSpec now = ((Deployment) object).getSpec();
        DeploymentSpec before = ((Deployment) old).getSpec();
        if (now != null && before != null) {
            WorkloadRules.validateSelectorUnchanged(now.getSelector(), before.getSelector(), errors);
        }
    }
}
