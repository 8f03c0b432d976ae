package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetSpec;

/** ReplicaSets: replicas default to 1; selector must match the template. */
public final class ReplicaSetStrategy implements ResourceStrategy {
    @Override
    public java.util.List<io.karavel.apiserver.impl.table.TableColumn> tableColumns() {
        return io.karavel.apiserver.impl.table.BuiltinColumns.REPLICA_SET;
    }

    @Override
    public void applyDefaults(HasMetadata object) {
        ReplicaSetSpec spec = ((ReplicaSet) object).getSpec();
        if (spec == null) {
            return;
        }
        if (spec.getReplicas() == null) {
            spec.setReplicas(1);
        }
        if (spec.getTemplate() != null) {
            PodSpecRules.applyDefaults(spec.getTemplate().getSpec());
        }
    }

    @Override
    public void prepareForCreate(HasMetadata object) {
        ((ReplicaSet) object).setStatus(null);
    }

    @Override
    public void validate(HasMetadata object, FieldErrors errors) {
        ReplicaSetSpec spec = ((ReplicaSet) object).getSpec();
        if (spec == null) {
            errors.required("spec");
            return;
        }
        WorkloadRules.validate(spec.getReplicas(), spec.getSelector(), spec.getTemplate(), errors);
    }

    @Override
    public void validateUpdate(HasMetadata object, HasMetadata old, FieldErrors errors) {
        ReplicaSetSpec now = ((ReplicaSet) object).getSpec();
        ReplicaSetSpec before = ((ReplicaSet) old).getSpec();
        if (now != null && before != null) {
            WorkloadRules.validateSelectorUnchanged(now.getSelector(), before.getSelector(), errors);
        }
    }
}
