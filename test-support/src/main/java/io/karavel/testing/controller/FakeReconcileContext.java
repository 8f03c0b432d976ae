package io.karavel.testing.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.InformerListener;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import io.karavel.api.controller.WatchSpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ReconcileContext} over a {@link FakeCluster}: its caches and client, a recording event
 * recorder, {@link FakeExpectations} and the cluster's {@link MutableClock}. Tests call
 * {@link #reconcile} (or the reconciler directly) and assert on the cluster's actions.
 */
public final class FakeReconcileContext implements ReconcileContext, AutoCloseable {
    private final FakeCluster cluster;
    private final RecordingEventRecorder events;
    private final FakeExpectations expectations;
    private final List<AutoCloseable> observers = new ArrayList<>();

    public FakeReconcileContext(FakeCluster cluster, String component, FakeExpectations expectations) {
        this.cluster = cluster;
        this.events = cluster.recorder(component);
        this.expectations = expectations;
    }

    /** Runs one reconcile of {@code key} with this context. */
    public Result reconcile(Reconciler reconciler, ObjectKey key) throws Exception {
        return reconciler.reconcile(key, this);
    }

    /**
     * Counts creations and deletions of the spec's owned kinds against their owners'
     * expectations, as the runtime does for {@link WatchSpec#owned()} watches.
     */
    public void observeOwned(ControllerSpec spec) {
        for (WatchSpec watch : spec.watches()) {
            if (watch.owned() && watch.kind() != null) {
                @SuppressWarnings("unchecked")
                Class<HasMetadata> kind = (Class<HasMetadata>) watch.kind();
                observers.add(cluster.addListener(kind, new Observer(watch)));
            }
        }
    }

    private final class Observer implements InformerListener<HasMetadata> {
        private final WatchSpec watch;

        Observer(WatchSpec watch) {
            this.watch = watch;
        }

        @Override
        public void onAdd(HasMetadata object) {
            for (ObjectKey owner : watch.mapper().keys(object, cluster)) {
                expectations.creationObserved(owner);
            }
        }

        @Override
        public void onUpdate(HasMetadata oldObject, HasMetadata newObject) {}

        @Override
        public void onDelete(HasMetadata lastKnown) {
            for (ObjectKey owner : watch.mapper().keys(lastKnown, cluster)) {
                expectations.deletionObserved(owner, ObjectKey.of(lastKnown).toString());
            }
        }
    }

    @Override
    public FakeCluster caches() {
        return cluster;
    }

    @Override
    public FakeCluster client() {
        return cluster;
    }

    @Override
    public RecordingEventRecorder events() {
        return events;
    }

    @Override
    public FakeExpectations expectations() {
        return expectations;
    }

    @Override
    public Clock clock() {
        return cluster.clock();
    }

    /** Stops observing owned kinds. */
    @Override
    public void close() throws Exception {
        for (AutoCloseable observer : observers) {
            observer.close();
        }
        observers.clear();
    }
}
