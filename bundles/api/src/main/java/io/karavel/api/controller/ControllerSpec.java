package io.karavel.api.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a controller reconciles and watches.
 *
 * @param name unique controller name, e.g. {@code replicaset}; shown by the runtime report
 * @param primary the reconciled kind: its events enqueue the object's own key; null when all
 *     keys come from {@link #watches()}
 * @param watches secondary kinds and how they map to primary keys
 * @param workers how many keys are reconciled in parallel (a key is never reconciled by two
 *     workers at once)
 * @param resyncPeriod every primary object is re-enqueued this often; null or zero for never
 */
public record ControllerSpec(
        String name,
        Class<? extends HasMetadata> primary,
        List<WatchSpec> watches,
        int workers,
        Duration resyncPeriod) {

    public ControllerSpec {
        watches = List.copyOf(watches);
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1");
        }
    }

    public static Builder builder(String name, Class<? extends HasMetadata> primary) {
        return new Builder(name, primary);
    }

    /** Fluent construction, in the manner of controller-runtime's {@code For/Owns/Watches}. */
    public static final class Builder {
        private final String name;
        private final Class<? extends HasMetadata> primary;
        private final List<WatchSpec> watches = new ArrayList<>();
        private int workers = 1;
        private Duration resync;

        private Builder(String name, Class<? extends HasMetadata> primary) {
            this.name = name;
            this.primary = primary;
        }

        /**
         * Watches objects this controller creates: each maps to the owner named by its
         * controller owner reference when that owner is of the primary kind.
         */
        public Builder owns(Class<? extends HasMetadata> kind) {
            String ownerKind = primary == null ? null : HasMetadata.getKind(primary);
            watches.add(new WatchSpec(kind, (object, caches) -> {
                for (OwnerReference ref : object.getMetadata().getOwnerReferences()) {
                    if (Boolean.TRUE.equals(ref.getController()) && ref.getKind().equals(ownerKind)) {
                        return List.of(new ObjectKey(object.getMetadata().getNamespace(), ref.getName()));
                    }
                }
                return List.of();
            }, true));
            return this;
        }

        public Builder watches(Class<? extends HasMetadata> kind, KeyMapper mapper) {
            watches.add(new WatchSpec(kind, mapper, false));
            return this;
        }

        /** Watches every served kind (see {@link WatchSpec#kind()}). */
        public Builder watchesAll(KeyMapper mapper) {
            watches.add(new WatchSpec(null, mapper, false));
            return this;
        }

        public Builder workers(int count) {
            this.workers = count;
            return this;
        }

        public Builder resync(Duration period) {
            this.resync = period;
            return this;
        }

        public ControllerSpec build() {
            return new ControllerSpec(name, primary, watches, workers, resync);
        }
    }
}
