package io.karavel.api.scheduler;

import java.util.List;

/**
 * A filter's verdict on one node.
 *
 * @param code the outcome
 * @param reasons why not, as the {@code FailedScheduling} event shows them (e.g.
 *     {@code Insufficient cpu}, {@code node(s) had untolerated taint {k: v}})
 */
public record FilterStatus(Code code, List<String> reasons) {
    private static final FilterStatus SUCCESS = new FilterStatus(Code.SUCCESS, List.of());

    public enum Code {
        SUCCESS,
        /** Not now: preempting or a cluster change may fix it. */
        UNSCHEDULABLE,
        /** Not on this node whatever happens to other pods (e.g. a node selector mismatch). */
        UNSCHEDULABLE_AND_UNRESOLVABLE,
        /** The plugin failed; the pod is retried with back-off. */
        ERROR,
        /** The plugin does not apply to this pod. */
        SKIP
    }

    public FilterStatus {
        reasons = List.copyOf(reasons);
    }

    public static FilterStatus success() {
        return SUCCESS;
    }

    public static FilterStatus unschedulable(String... reasons) {
        return new FilterStatus(Code.UNSCHEDULABLE, List.of(reasons));
    }

    public static FilterStatus unresolvable(String... reasons) {
        return new FilterStatus(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, List.of(reasons));
    }

    public static FilterStatus error(String reason) {
        return new FilterStatus(Code.ERROR, List.of(reason));
    }

    public boolean isSuccess() {
        return code == Code.SUCCESS || code == Code.SKIP;
    }
}
