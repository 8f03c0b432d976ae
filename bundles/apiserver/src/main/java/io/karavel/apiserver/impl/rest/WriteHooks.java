package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.apiserver.impl.registry.ResourceType;

/**
 * Side effects that must go with a kind's store writes, such as allocating a Service's cluster IP
 * (Kubernetes' registry hooks BeginCreate, BeginUpdate and AfterDelete). The {@link ResourceService}
 * calls them for every kind; a hook ignores the kinds it does not handle. Writes to the
 * {@code /status} subresource, which change nothing but {@code .status}, call no update hook.
 */
public interface WriteHooks {
    /** No side effects. */
    WriteHooks NONE = new WriteHooks() {};

    /**
     * On update, before validation: carries over values the server assigned that the new object
     * leaves out (Kubernetes' patchAllocatedValues), so a PUT of the original manifest works.
     */
    default void prepareUpdate(ResourceType type, HasMetadata object, HasMetadata old) {}

    /**
     * After validation and admission of a create, before the store write. May set fields of
     * {@code object}; throws an {@link ApiException} to refuse the create. With {@code dryRun},
     * nothing persistent may happen.
     *
     * @return what to finish once the write succeeded or failed; exactly one of its methods is called
     */
    default Pending beginCreate(ResourceType type, HasMetadata object, boolean dryRun) {
        return Pending.NONE;
    }

    /** Like {@link #beginCreate} for an update of {@code old} into {@code object}. */
    default Pending beginUpdate(ResourceType type, HasMetadata object, HasMetadata old, boolean dryRun) {
        return Pending.NONE;
    }

    /** The object is gone from the store; {@code removed} is its last stored state. */
    default void afterDelete(ResourceType type, ObjectNode removed) {}

    /** The second half of a begun write. */
    interface Pending {
        Pending NONE = new Pending() {
            @Override
            public void commit() {}

            @Override
            public void abort() {}
        };

        /** The store write succeeded. */
        void commit();

        /** The store write failed or did not happen (dry run): undo what was begun. */
        void abort();
    }
}
