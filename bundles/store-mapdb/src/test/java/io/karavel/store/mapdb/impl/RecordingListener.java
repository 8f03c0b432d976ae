package io.karavel.store.mapdb.impl;

import io.karavel.api.store.Change;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.WatchListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Records what a watch delivers and flags overlapping calls. */
class RecordingListener implements WatchListener {
    final List<Change> changes = new CopyOnWriteArrayList<>();
    final AtomicBoolean closed = new AtomicBoolean();
    final AtomicReference<StoreException> closeReason = new AtomicReference<>();
    final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger inside = new AtomicInteger();

    @Override
    public void onChange(Change change) {
        if (inside.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        changes.add(change);
        inside.decrementAndGet();
    }

    @Override
    public void onClose(StoreException reason) {
        closeReason.set(reason);
        closed.set(true);
    }

    List<Long> revisions() {
        List<Long> revisions = new ArrayList<>();
        for (Change change : changes) {
            revisions.add(change.revision());
        }
        return revisions;
    }
}
