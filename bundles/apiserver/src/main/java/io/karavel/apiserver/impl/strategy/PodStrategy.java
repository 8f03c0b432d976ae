package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;

/** Pods: pod spec defaults and checks; a new pod starts {@code Pending}. */
public final class PodStrategy implements ResourceStrategy {
    @Override
    public java.util.List<io.karavel.apiserver.impl.table.TableColumn> tableColumns() {
        return io.karavel.apiserver.impl.table.BuiltinColumns.POD;
    }

    private static final java.util.Set<String> FIELDS = io.karavel.apiserver.impl.selector.FieldSelector.withCommon(
            "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName");

    @Override
    public java.util.Set<String> selectableFields() {
        return FIELDS;
    }

    @Override
    public void applyDefaults(HasMetadata object) {
        PodSpecRules.applyDefaults(((Pod) object).getSpec());
    }

    @Override
    public void prepareForCreate(HasMetadata object) {
        PodStatus status = new PodStatus();
        status.setPhase("Pending");
        ((Pod) object).setStatus(status);
    }

    /**
     * The requested grace period, else {@code spec.terminationGracePeriodSeconds} (30 when unset);
     * 0 for a pod not bound to a node or already finished: nothing runs it, it goes at once.
     */
    @Override
    public Long gracefulDeletionPeriod(HasMetadata object, Long requested) {
        Pod pod = (Pod) object;
        long period = requested != null ? requested
                : pod.getSpec() != null && pod.getSpec().getTerminationGracePeriodSeconds() != null
                        ? pod.getSpec().getTerminationGracePeriodSeconds() : 30;
        boolean bound = pod.getSpec() != null && pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty();
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (!bound || "Succeeded".equals(phase) || "Failed".equals(phase)) {
            period = 0;
        }
        return period;
    }

    @Override
    public void validate(HasMetadata object, FieldErrors errors) {
        PodSpecRules.validate(((Pod) object).getSpec(), "spec", errors);
    }
}
