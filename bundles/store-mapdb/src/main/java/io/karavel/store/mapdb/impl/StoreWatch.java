package io.karavel.store.mapdb.impl;

import io.karavel.api.store.Change;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.api.store.Watch;
import io.karavel.api.store.WatchListener;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch: a queue of changes and a drain task that feeds them to the listener on the delivery
 * executor, one at a time. The publisher only appends to the queue, so a slow listener never
 * holds up writers or other watches; one that falls more than {@code maxPending} changes behind
 * is closed (the listener contract allows it) rather than buffering without bound.
 */
final class StoreWatch implements Watch {
    private static final Logger LOG = LoggerFactory.getLogger(StoreWatch.class);

    /** Marks "closed by the owner" in {@link #closeReason} (null means open). */
    private static final StoreException CLOSED_BY_OWNER = new StoreException("closed by owner");

    private final String prefix;
    /** Changes at or below it are never delivered, even when the store reaches them later. */
    private final long afterRevision;
    private final WatchListener listener;
    private final Executor executor;
    private final int maxPending;
    private final Consumer<StoreWatch> onClosed;

    private final ConcurrentLinkedQueue<Change> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicReference<StoreException> closeReason = new AtomicReference<>();
    private final AtomicBoolean closeDelivered = new AtomicBoolean();

    StoreWatch(
            String prefix,
            long afterRevision,
            WatchListener listener,
            Executor executor,
            int maxPending,
            Consumer<StoreWatch> onClosed) {
        this.prefix = prefix;
        this.afterRevision = afterRevision;
        this.listener = listener;
        this.executor = executor;
        this.maxPending = maxPending;
        this.onClosed = onClosed;
    }

    /**
     * Whether the watch wants this change. A watch may start after a revision the store has not
     * reached yet (a replica behind the master a client watched before): the changes up to it
     * were delivered to that client already.
     */
    boolean matches(Change change) {
        return change.revision() > afterRevision && change.key().startsWith(prefix);
    }

    /** Queues a change; never blocks. Called in revision order by one thread at a time. */
    void enqueue(Change change) {
        if (closeReason.get() != null) {
            return;
        }
        if (pendingCount.incrementAndGet() > maxPending) {
            closeWith(new StoreUnavailableException(
                    "watch on '" + prefix + "' fell more than " + maxPending
                            + " changes behind; restart it from its last revision"));
            return;
        }
        pending.add(change);
    }

    /** Makes sure a drain task runs after the latest enqueue. */
    void schedule() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The store is shutting down: tell the listener here and now.
                drainScheduled.set(false);
                closeReason.compareAndSet(null, new StoreUnavailableException("store closed"));
                deliverClose();
            }
        }
    }

    @Override
    public void close() {
        closeWith(CLOSED_BY_OWNER);
    }

    /** Closes the watch; the listener's {@code onClose} follows any change it is handling. */
    void closeWith(StoreException reason) {
        if (closeReason.compareAndSet(null, reason)) {
            onClosed.accept(this);
            schedule();
        }
    }

    boolean isClosed() {
        return closeReason.get() != null;
    }

    private void drain() {
        while (true) {
            Change change;
            while (closeReason.get() == null && (change = pending.poll()) != null) {
                pendingCount.decrementAndGet();
                try {
                    listener.onChange(change);
                } catch (RuntimeException e) {
                    LOG.warn("Watch listener on '{}' failed; closing the watch", prefix, e);
                    closeWith(new StoreUnavailableException("watch listener failed: " + e, e));
                }
            }
            if (closeReason.get() != null) {
                pending.clear();
                deliverClose();
                return; // drainScheduled stays true: nothing is delivered after onClose
            }
            drainScheduled.set(false);
            // A change enqueued after the poll above but before the reset would be stranded.
            if (pending.isEmpty() && closeReason.get() == null) {
                return;
            }
            if (!drainScheduled.compareAndSet(false, true)) {
                return; // another drain task took over
            }
        }
    }

    private void deliverClose() {
        if (closeDelivered.compareAndSet(false, true)) {
            StoreException reason = closeReason.get();
            try {
                listener.onClose(reason == CLOSED_BY_OWNER ? null : reason);
            } catch (RuntimeException e) {
                LOG.warn("Watch listener on '{}' failed in onClose", prefix, e);
            }
        }
    }
}
