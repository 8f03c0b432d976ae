package io.karavel.store.mapdb.impl;

import io.karavel.api.store.Change;
import io.karavel.api.store.ConflictException;
import io.karavel.api.store.KeyExistsException;
import io.karavel.api.store.KeyNotFoundException;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Mutation;
import io.karavel.api.store.RevisionCompactedException;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.api.store.Watch;
import io.karavel.api.store.WatchListener;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded, durable {@link Store}: etcd-like semantics over a journal checkpointed into MapDB
 * (MapDB's own write-ahead log on).
 *
 * <h2>How a write flows</h2>
 *
 * <ol>
 *   <li>{@link #commit} queues the mutation and waits for its future.
 *   <li>The single committer thread drains the queue into a batch (group commit), validates each
 *       mutation against the committed state plus the earlier mutations of the same batch, and
 *       numbers the accepted ones with consecutive revisions.
 *   <li>With a {@link BatchReplicator} (the replicated store's leader), the batch goes to it
 *       first; if it fails, so does every write of the batch, and nothing is written.
 *   <li>{@link DurableState#apply} appends the batch to the journal and {@code fdatasync}s it
 *       (one sync for the whole batch); MapDB receives it later as a background checkpoint. See
 *       there for the seam a replicated store reuses.
 *   <li>Only then the batch is published: the in-memory index, the watch history and the watches
 *       see it, and every caller's future completes. A failed commit fails the whole batch with
 *       {@link StoreUnavailableException} and publishes nothing.
 * </ol>
 *
 * <h2>Reads</h2>
 *
 * Reads are served from an in-memory sorted index ({@code key → KeyValue}) that holds exactly the
 * durable state: it is loaded from MapDB and the journal at start and changed only after a batch
 * is durable.
 * {@link #list} and {@link #get} hold the read side of a lock that publishing takes for writing,
 * so a read is a snapshot at one revision, never ahead of {@link #currentRevision()}.
 *
 * <h2>Watches</h2>
 *
 * The last {@code historySize} changes are kept in memory (not across restarts: after a restart
 * the history starts empty, and older revisions are compacted). A watch is registered under the
 * publish lock, so the replay of the history and the live changes join without gap or overlap.
 * Each watch has its own queue and is fed on a delivery thread, never by the committer.
 *
 * <h2>As a replica of the replicated store</h2>
 *
 * The replicated store keeps one of these on every master and drives it through a few extra
 * methods, all executed in order on the committer thread together with the commits:
 *
 * <ul>
 *   <li>on the leader, {@link #enableWrites(BatchReplicator)}: every decided batch goes to the
 *       {@link BatchReplicator} before it is made durable locally;
 *   <li>on a follower ({@link #openReplica}: writes disabled), {@link #applyReplicated} applies
 *       the leader's batches, and {@link #installSnapshot} replaces the whole state when the
 *       leader's log no longer reaches back far enough or the replica diverged;
 *   <li>{@link #awaitRevision} lets a follower serve reads that must see a given write.
 * </ul>
 *
 * Reads and watches behave the same in every mode.
 */
public final class MapDbStore implements Store, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MapDbStore.class);

    /**
     * Tuning.
     *
     * @param historySize changes kept in memory for watches that start in the past
     * @param maxBatchSize most mutations made durable together (one journal {@code fdatasync})
     * @param maxWatchLag changes a watch may have queued before the store closes it as too slow
     * @param fileChannel MapDB volume: FileChannel (true) or RandomAccessFile (false); never mmap
     * @param checkpointIntervalMillis how often the journal is checkpointed into MapDB
     * @param journalSegmentBytes size of each pre-allocated journal file
     */
    public record Options(int historySize, int maxBatchSize, int maxWatchLag, boolean fileChannel,
            long checkpointIntervalMillis, long journalSegmentBytes) {
        /**
         * 10,000 changes: minutes of history for a busy small cluster (Kubernetes' own watch cache
         * keeps 100 to 1,000 events per resource type), about 10-20 MB of heap with typical objects.
         */
        public static final int DEFAULT_HISTORY_SIZE = 10_000;
        public static final int DEFAULT_MAX_BATCH_SIZE = 1_000;
        public static final int DEFAULT_MAX_WATCH_LAG = 100_000;
        public static final long DEFAULT_CHECKPOINT_INTERVAL_MILLIS = 1_000;
        public static final long DEFAULT_JOURNAL_SEGMENT_BYTES = ChangeJournal.DEFAULT_SEGMENT_BYTES;

        public Options {
            if (historySize < 1 || maxBatchSize < 1 || maxWatchLag < 1 || checkpointIntervalMillis < 1
                    || journalSegmentBytes < 4096) {
                throw new IllegalArgumentException("sizes and intervals must be positive");
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_HISTORY_SIZE, DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_WATCH_LAG, true,
                    DEFAULT_CHECKPOINT_INTERVAL_MILLIS, DEFAULT_JOURNAL_SEGMENT_BYTES);
        }

        public Options withHistorySize(int size) {
            return new Options(size, maxBatchSize, maxWatchLag, fileChannel, checkpointIntervalMillis, journalSegmentBytes);
        }

        public Options withMaxBatchSize(int size) {
            return new Options(historySize, size, maxWatchLag, fileChannel, checkpointIntervalMillis, journalSegmentBytes);
        }

        public Options withMaxWatchLag(int lag) {
            return new Options(historySize, maxBatchSize, lag, fileChannel, checkpointIntervalMillis, journalSegmentBytes);
        }

        public Options withFileChannel(boolean enabled) {
            return new Options(historySize, maxBatchSize, maxWatchLag, enabled, checkpointIntervalMillis, journalSegmentBytes);
        }

        public Options withCheckpointIntervalMillis(long millis) {
            return new Options(historySize, maxBatchSize, maxWatchLag, fileChannel, millis, journalSegmentBytes);
        }

        public Options withJournalSegmentBytes(long bytes) {
            return new Options(historySize, maxBatchSize, maxWatchLag, fileChannel, checkpointIntervalMillis, bytes);
        }
    }

    /**
     * Receives each batch the leader's committer decided, before it is made durable locally:
     * the replicated store sends it to the followers here and returns once a majority has it.
     */
    public interface BatchReplicator {
        /**
         * Replicates one batch. Called on the committer thread (so no other write, replicated
         * batch or snapshot install proceeds meanwhile), with revisions already assigned:
         * consecutive, starting at {@link MapDbStore#currentRevision()} {@code + 1}, never empty. The
         * changes carry their {@code previousValue}.
         *
         * <p>Throwing fails every write of the batch: with the thrown exception if it is a
         * {@link StoreException}, else with a {@link StoreUnavailableException} wrapping it.
         * Nothing of the batch is then written or published and the revision does not advance,
         * so the next batch reuses its revisions.
         *
         * @param batch unmodifiable
         */
        void replicate(List<Change> batch);
    }

    /** Whether commits are accepted, and what sees their batches first. */
    private record WriteMode(boolean enabled, BatchReplicator replicator, String disabledReason) {
        static WriteMode enabled(BatchReplicator replicator) {
            return new WriteMode(true, replicator, null);
        }

        static WriteMode disabled(String reason) {
            return new WriteMode(false, null, reason);
        }
    }

    /** What the committer thread works through, in queue order. */
    private sealed interface Task permits PendingWrite, ReplicatedBatch, SnapshotInstall, Shutdown {
        /** The caller's future; null for {@link Shutdown}. */
        CompletableFuture<?> result();
    }

    /** One caller's mutation on its way through the committer. */
    private record PendingWrite(Mutation mutation, CompletableFuture<KeyValue> result) implements Task {}

    /** A batch a leader decided, for {@link #applyReplicated}. */
    private record ReplicatedBatch(List<Change> changes, CompletableFuture<Long> result) implements Task {}

    /** A whole state for {@link #installSnapshot}. */
    private record SnapshotInstall(List<KeyValue> items, long revision, CompletableFuture<Void> result)
            implements Task {}

    /** Tells the committer to stop. */
    private record Shutdown() implements Task {
        @Override
        public CompletableFuture<?> result() {
            return null;
        }
    }

    /** The outcome of validating one mutation of a batch: a change, or the error to report. */
    private record Decision(PendingWrite write, Change change, StoreException error) {}

    private static final Shutdown SHUTDOWN = new Shutdown();
    /** The reason writes are refused by a store from {@link #openReplica}. */
    public static final String NOT_THE_LEADER = "not the leader";

    private final Options options;
    /** Replaced only by a snapshot install, on the committer thread. */
    private volatile DurableState durable;
    private final String description;
    private volatile WriteMode writeMode = WriteMode.enabled(null);

    private final ConcurrentSkipListMap<String, KeyValue> index = new ConcurrentSkipListMap<>();
    /** Write side: publishing a batch and registering a watch. Read side: list snapshots. */
    private final ReentrantReadWriteLock publishLock = new ReentrantReadWriteLock();
    /** Guarded by the write side of {@link #publishLock}. */
    private final ArrayDeque<Change> history = new ArrayDeque<>();
    private final CopyOnWriteArrayList<StoreWatch> watches = new CopyOnWriteArrayList<>();
    private volatile long currentRevision;
    private volatile long compactedRevision;

    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    /** Notified whenever {@link #currentRevision} changes, and on close ({@link #awaitRevision}). */
    private final Object revisionChanged = new Object();
    private final Thread committer;
    private final ExecutorService delivery;
    private volatile boolean closed;

    /** Opens the durable state; it fills the index it is given. */
    private interface Opener {
        DurableState open(Map<String, KeyValue> index);
    }

    private MapDbStore(Opener opener, Options options, String description) {
        this.options = Objects.requireNonNull(options, "options");
        this.description = description;
        this.durable = opener.open(index);
        this.currentRevision = durable.revision();
        // History does not survive a restart: everything up to now counts as compacted.
        this.compactedRevision = currentRevision;
        this.delivery = Executors.newCachedThreadPool(daemonThreads("karavel-store-watch-"));
        this.committer = daemonThreads("karavel-store-committer-").newThread(this::runCommitter);
        committer.start();
        LOG.info("Store {} opened at revision {} with {} keys", description, currentRevision, index.size());
    }

    /** Opens (or creates) a durable store in {@code dir}, with writes enabled and no replicator. */
    public static MapDbStore open(Path dir, Options options) {
        return new MapDbStore(index -> DurableState.openFile(dir, options.fileChannel(),
                options.checkpointIntervalMillis(), options.journalSegmentBytes(), index), options, dir.toString());
    }

    /**
     * Opens (or creates) a durable store in {@code dir} as a replicated store's replica: like
     * {@link #open}, but with writes disabled (reason {@value #NOT_THE_LEADER}) until
     * {@link #enableWrites} is called. It changes through {@link #applyReplicated} and
     * {@link #installSnapshot}.
     */
    public static MapDbStore openReplica(Path dir, Options options) {
        MapDbStore store = open(dir, options);
        store.disableWrites(NOT_THE_LEADER);
        return store;
    }

    /** {@link #openReplica} in the heap, like {@link #openInMemory(Options)}: for tests. */
    public static MapDbStore openReplicaInMemory(Options options) {
        MapDbStore store = openInMemory(options);
        store.disableWrites(NOT_THE_LEADER);
        return store;
    }

    /** Where the store keeps its files ({@code "in-memory"} for the heap variant), for logs and status. */
    public String description() {
        return description;
    }

    /** A store with the same semantics that keeps everything in the heap: for tests. */
    public static MapDbStore openInMemory() {
        return openInMemory(Options.defaults());
    }

    /** A store with the same semantics that keeps everything in the heap: for tests. */
    public static MapDbStore openInMemory(Options options) {
        return new MapDbStore(DurableState::openInMemory, options, "in-memory");
    }

    @Override
    public long currentRevision() {
        return currentRevision;
    }

    @Override
    public long compactedRevision() {
        return compactedRevision;
    }

    @Override
    public Optional<KeyValue> get(String key) {
        Objects.requireNonNull(key, "key");
        // Under the read lock like list: never a key newer than currentRevision() says.
        publishLock.readLock().lock();
        try {
            return Optional.ofNullable(index.get(key));
        } finally {
            publishLock.readLock().unlock();
        }
    }

    @Override
    public ListResult list(String prefix, String startAfter, int limit) {
        Objects.requireNonNull(prefix, "prefix");
        String from = startAfter != null && startAfter.compareTo(prefix) >= 0 ? startAfter : prefix;
        boolean fromInclusive = startAfter == null || startAfter.compareTo(prefix) < 0;
        List<KeyValue> items = new ArrayList<>();
        boolean more = false;
        publishLock.readLock().lock();
        try {
            for (KeyValue kv : index.tailMap(from, fromInclusive).values()) {
                if (!kv.key().startsWith(prefix)) {
                    break;
                }
                if (limit > 0 && items.size() == limit) {
                    more = true;
                    break;
                }
                items.add(kv);
            }
            return new ListResult(items, currentRevision, more);
        } finally {
            publishLock.readLock().unlock();
        }
    }

    @Override
    public KeyValue commit(Mutation mutation) {
        try {
            return commitAsync(mutation).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof StoreException storeException) {
                // Rethrow a copy-free original; its stack trace shows the committer side.
                throw storeException;
            }
            throw new StoreUnavailableException("commit failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Queues a mutation; the future completes once it is durable and visible, or exceptionally
     * with the {@link StoreException} that {@link #commit} would throw. While writes are disabled
     * it fails at once with {@link StoreUnavailableException} carrying the reason.
     */
    public CompletableFuture<KeyValue> commitAsync(Mutation mutation) {
        Objects.requireNonNull(mutation, "mutation");
        PendingWrite write = new PendingWrite(mutation, new CompletableFuture<>());
        WriteMode mode = writeMode;
        if (!mode.enabled()) {
            write.result().completeExceptionally(new StoreUnavailableException(mode.disabledReason()));
            return write.result();
        }
        return enqueue(write, write.result());
    }

    /**
     * Accepts writes from now on (the replicated store's leader). Each batch the committer decides
     * from now on goes to {@code replicatorOrNull} (when not null) before it is made durable
     * locally; see {@link BatchReplicator} for what its failure does. Replaces an earlier
     * replicator.
     */
    public void enableWrites(BatchReplicator replicatorOrNull) {
        writeMode = WriteMode.enabled(replicatorOrNull);
        LOG.info("Store {} accepts writes{}", description, replicatorOrNull == null ? "" : " (replicated)");
    }

    /**
     * Refuses writes from now on: {@link #commit} and {@link #commitAsync} fail at once with a
     * {@link StoreUnavailableException} carrying {@code reason}, and so do writes already queued
     * when the committer reaches them. A batch the committer decided before this call (its
     * replicator may be running) still completes either way: the replicator is where a leader
     * that lost its term must refuse it. Replicated batches and snapshot installs are unaffected.
     */
    public void disableWrites(String reason) {
        Objects.requireNonNull(reason, "reason");
        writeMode = WriteMode.disabled(reason);
        LOG.info("Store {} refuses writes: {}", description, reason);
    }

    /**
     * Applies a batch that a leader decided and numbered (a follower's path); executed on the
     * committer thread in queue order with commits and the other replica operations.
     *
     * <p>Changes at or below {@link #currentRevision()} are skipped, so a batch delivered again
     * (whole or overlapping) is harmless. The batch must be consecutive and the remaining changes
     * must start at {@code currentRevision() + 1}; otherwise the future fails with an
     * {@link IllegalStateException} naming the expected and received revisions, and nothing is
     * applied. An {@code UPDATED} or {@code DELETED} change without {@code previousValue} gets it
     * from the local state (filtered watches need it), a {@code DELETED} one with an empty value
     * gets the last value too, so a leader may send both lean.
     *
     * <p>The batch is made durable, then published exactly like a commit: index, history,
     * watches, {@link #awaitRevision} waiters. Works whether writes are enabled or not.
     *
     * @return completes with the current revision afterwards; fails with a
     *     {@link StoreUnavailableException} when it could not be made durable (nothing applied)
     */
    public CompletableFuture<Long> applyReplicated(List<Change> batch) {
        Objects.requireNonNull(batch, "batch");
        ReplicatedBatch task = new ReplicatedBatch(List.copyOf(batch), new CompletableFuture<>());
        return enqueue(task, task.result());
    }

    /**
     * Replaces the entire state with {@code items} at {@code revision}: a new follower, one the
     * leader's log no longer reaches back to, or one that diverged and must be reset (its own
     * revision may be above or below {@code revision}). Executed on the committer thread in queue
     * order with commits and applies.
     *
     * <p>Afterwards the state is exactly {@code items}, {@link #currentRevision()} and
     * {@link #compactedRevision()} are {@code revision}, the history is empty, and every open
     * watch has been closed with a {@link RevisionCompactedException} so that its client lists
     * again.
     *
     * <p>Crash safety (file stores): the complete new state (both checkpoints at
     * {@code revision}, an empty journal) is written and forced in a fresh {@code state-<n>}
     * directory inside the store directory, then switched to with the atomic rename of a
     * {@code CURRENT} file that names it; only then is the old state deleted. A crash before the
     * rename reopens the old state, after it the new one; opening deletes the other. The
     * in-memory variant swaps its heap checkpoint.
     *
     * @param items every key of the new state, each with its own create and mod revisions (at
     *     most {@code revision}); keys unique
     * @return fails with {@link IllegalArgumentException} for bad input, with a
     *     {@link StoreUnavailableException} when the state could not be replaced; the message
     *     then says whether the old state is still in use or the store must install a snapshot
     *     again (or be reopened) before it applies anything
     */
    public CompletableFuture<Void> installSnapshot(List<KeyValue> items, long revision) {
        Objects.requireNonNull(items, "items");
        List<KeyValue> copy = List.copyOf(items);
        Set<String> keys = new HashSet<>();
        for (KeyValue kv : copy) {
            if (!keys.add(kv.key()) || kv.modRevision() > revision || kv.createRevision() > kv.modRevision()
                    || kv.createRevision() < 1) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("snapshot item " + kv.key()
                        + " is duplicated or its revisions (" + kv.createRevision() + ", " + kv.modRevision()
                        + ") do not fit the snapshot revision " + revision));
            }
        }
        if (revision < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("negative revision " + revision));
        }
        SnapshotInstall task = new SnapshotInstall(copy, revision, new CompletableFuture<>());
        return enqueue(task, task.result());
    }

    /**
     * Waits until {@link #currentRevision()} is at least {@code revision} (a follower's
     * read-your-writes). Woken by each publish, not polling.
     *
     * @return true once reached; false when {@code timeout} passed or the store closed first
     */
    public boolean awaitRevision(long revision, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (revisionChanged) {
            while (currentRevision < revision) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || closed) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(revisionChanged, remaining);
            }
            return true;
        }
    }

    /** Queues a task for the committer and returns its {@code result}; fails it at once when closed. */
    private <R> CompletableFuture<R> enqueue(Task task, CompletableFuture<R> result) {
        if (closed) {
            result.completeExceptionally(closedException());
            return result;
        }
        queue.add(task);
        // close() may have drained the queue between the check above and the add.
        if (closed && queue.remove(task)) {
            result.completeExceptionally(closedException());
        }
        return result;
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(listener, "listener");
        StoreWatch watch =
                new StoreWatch(prefix, afterRevision, listener, delivery, options.maxWatchLag(), watches::remove);
        publishLock.writeLock().lock();
        try {
            if (closed) {
                throw closedException();
            }
            if (afterRevision < compactedRevision) {
                throw new RevisionCompactedException("revision " + afterRevision
                        + " is compacted; the oldest revision to watch after is " + compactedRevision);
            }
            for (Change change : history) {
                if (watch.matches(change)) {
                    watch.enqueue(change);
                }
            }
            watches.add(watch);
        } finally {
            publishLock.writeLock().unlock();
        }
        watch.schedule();
        return watch;
    }

    /** Stops accepting writes, fails queued ones, closes every watch and the database. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        queue.add(SHUTDOWN);
        boolean interrupted = false;
        while (committer.isAlive()) {
            try {
                committer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        failQueued();
        publishLock.writeLock().lock();
        try {
            for (StoreWatch watch : watches) {
                watch.closeWith(new StoreUnavailableException("store closed"));
            }
        } finally {
            publishLock.writeLock().unlock();
        }
        delivery.shutdown();
        try {
            if (!delivery.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("Watch listeners still busy after 5 s; interrupting them");
                delivery.shutdownNow();
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        durable.close();
        synchronized (revisionChanged) {
            revisionChanged.notifyAll(); // awaitRevision gives up
        }
        LOG.info("Store {} closed at revision {}", description, currentRevision);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    DurableState durableState() {
        return durable;
    }

    // ---- the committer ----

    private void runCommitter() {
        List<Task> drained = new ArrayList<>();
        try {
            List<PendingWrite> batch = new ArrayList<>();
            while (true) {
                drained.add(queue.take());
                queue.drainTo(drained, options.maxBatchSize() - 1);
                boolean shutdown = false;
                // Consecutive writes form one batch; any other task runs between batches, so
                // everything takes effect in queue order.
                for (Task task : drained) {
                    if (task instanceof PendingWrite write) {
                        batch.add(write);
                        continue;
                    }
                    commitBatch(batch);
                    batch.clear();
                    if (task instanceof ReplicatedBatch replicated) {
                        applyReplicatedNow(replicated);
                    } else if (task instanceof SnapshotInstall install) {
                        installSnapshotNow(install);
                    } else {
                        shutdown = true;
                    }
                }
                commitBatch(batch);
                batch.clear();
                drained.clear();
                if (shutdown) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            LOG.error("Store committer died; the store accepts no more writes", t);
            closed = true;
            for (Task task : drained) {
                if (task.result() != null) { // a no-op for those already completed
                    task.result().completeExceptionally(
                            new StoreUnavailableException("store committer failed: " + t, t));
                }
            }
        } finally {
            failQueued();
        }
    }

    private void commitBatch(List<PendingWrite> batch) {
        if (batch.isEmpty()) {
            return;
        }
        // Read once, on this thread: writes queued before disableWrites() fail here too.
        WriteMode mode = writeMode;
        if (!mode.enabled()) {
            failAll(batch, new StoreUnavailableException(mode.disabledReason()));
            return;
        }
        List<Decision> decisions = decide(batch);
        List<Change> changes = new ArrayList<>(decisions.size());
        for (Decision decision : decisions) {
            if (decision.change() != null) {
                changes.add(decision.change());
            }
        }
        if (!changes.isEmpty() && mode.replicator() != null) {
            try {
                mode.replicator().replicate(Collections.unmodifiableList(changes));
            } catch (RuntimeException e) {
                LOG.warn("Store batch of {} changes from revision {} was not replicated; none is written ({})",
                        changes.size(), changes.get(0).revision(), e.toString());
                failAll(batch, e instanceof StoreException storeException ? storeException
                        : new StoreUnavailableException("replication failed: " + e, e));
                return;
            }
        }
        try {
            durable.apply(changes);
        } catch (Exception e) {
            LOG.error("Store commit of {} changes failed; none of them is published or acknowledged", changes.size(), e);
            failAll(batch, new StoreUnavailableException("store commit failed: " + e, e));
            if (mode.replicator() != null && !changes.isEmpty()) {
                // The followers have this batch and this store has not: reusing its revisions
                // for other writes would fork the history.
                disableWrites("the local commit of replicated revisions " + changes.get(0).revision() + ".."
                        + changes.get(changes.size() - 1).revision() + " failed: " + e);
            }
            return;
        }
        publish(changes);
        for (Decision decision : decisions) {
            if (decision.error() != null) {
                decision.write().result().completeExceptionally(decision.error());
            } else {
                decision.write().result().complete(decision.change().toKeyValue());
            }
        }
    }

    /**
     * Validates each mutation against the committed state as changed by the batch's earlier
     * mutations, and numbers the accepted ones from {@code currentRevision + 1}.
     */
    private List<Decision> decide(List<PendingWrite> batch) {
        Map<String, KeyValue> batchState = new HashMap<>(); // value null: deleted in this batch
        long revision = currentRevision;
        List<Decision> decisions = new ArrayList<>(batch.size());
        for (PendingWrite write : batch) {
            Mutation m = write.mutation();
            KeyValue current = batchState.containsKey(m.key()) ? batchState.get(m.key()) : index.get(m.key());
            StoreException error = check(m, current);
            if (error != null) {
                decisions.add(new Decision(write, null, error));
                continue;
            }
            revision++;
            Change change = switch (m.type()) {
                case CREATE -> new Change(revision, Change.Type.CREATED, m.key(), m.value(), revision, null);
                case UPDATE -> new Change(revision, Change.Type.UPDATED, m.key(), m.value(),
                        current.createRevision(), current.value());
                case DELETE -> new Change(revision, Change.Type.DELETED, m.key(), current.value(),
                        current.createRevision(), current.value());
            };
            batchState.put(m.key(), change.type() == Change.Type.DELETED ? null : change.toKeyValue());
            decisions.add(new Decision(write, change, null));
        }
        return decisions;
    }

    private static StoreException check(Mutation m, KeyValue current) {
        if (m.type() == Mutation.Type.CREATE) {
            return current == null ? null : new KeyExistsException("key exists: " + m.key());
        }
        if (current == null) {
            return new KeyNotFoundException("key not found: " + m.key());
        }
        if (m.expectedModRevision() != 0 && m.expectedModRevision() != current.modRevision()) {
            return new ConflictException("key " + m.key() + " is at revision " + current.modRevision()
                    + ", not " + m.expectedModRevision());
        }
        return null;
    }

    private static void failAll(List<PendingWrite> batch, StoreException failure) {
        for (PendingWrite write : batch) {
            write.result().completeExceptionally(failure);
        }
    }

    private void applyReplicatedNow(ReplicatedBatch task) {
        List<Change> incoming = task.changes();
        for (int i = 1; i < incoming.size(); i++) {
            if (incoming.get(i).revision() != incoming.get(i - 1).revision() + 1) {
                task.result().completeExceptionally(new IllegalStateException("replicated batch is not consecutive: revision "
                        + incoming.get(i).revision() + " follows " + incoming.get(i - 1).revision()));
                return;
            }
        }
        long current = currentRevision;
        int from = 0;
        while (from < incoming.size() && incoming.get(from).revision() <= current) {
            from++; // delivered before
        }
        if (from < incoming.size() && incoming.get(from).revision() != current + 1) {
            task.result().completeExceptionally(new IllegalStateException("replicated batch does not continue this store:"
                    + " expected revision " + (current + 1) + ", received " + incoming.get(from).revision()));
            return;
        }
        List<Change> changes = withPreviousValues(incoming.subList(from, incoming.size()));
        try {
            durable.apply(changes);
        } catch (Exception e) {
            LOG.error("Store could not make replicated revisions durable; none is applied", e);
            task.result().completeExceptionally(new StoreUnavailableException("replicated batch failed: " + e, e));
            return;
        }
        publish(changes);
        task.result().complete(currentRevision);
    }

    /** Fills what a leader may leave out from the local state, as changed by the batch's earlier changes. */
    private List<Change> withPreviousValues(List<Change> changes) {
        Map<String, KeyValue> batchState = new HashMap<>(); // value null: deleted in this batch
        List<Change> filled = new ArrayList<>(changes.size());
        for (Change change : changes) {
            KeyValue before = batchState.containsKey(change.key()) ? batchState.get(change.key()) : index.get(change.key());
            if (change.type() != Change.Type.CREATED && change.previousValue() == null && before != null) {
                byte[] value = change.type() == Change.Type.DELETED && change.value().length == 0
                        ? before.value() : change.value();
                change = new Change(change.revision(), change.type(), change.key(), value, change.createRevision(),
                        before.value());
            }
            batchState.put(change.key(), change.type() == Change.Type.DELETED ? null : change.toKeyValue());
            filled.add(change);
        }
        return filled;
    }

    private void installSnapshotNow(SnapshotInstall task) {
        Map<String, KeyValue> loaded = new HashMap<>();
        try {
            durable = durable.replace(task.items(), task.revision(), loaded);
        } catch (DurableState.ReopenRequiredException e) {
            LOG.error("Store {} installed (or may have installed) the snapshot at revision {} but cannot use it;"
                    + " it applies nothing until a snapshot is installed again or it is reopened", description,
                    task.revision(), e);
            disableWrites("the store must be reopened: " + e.getMessage());
            task.result().completeExceptionally(new StoreUnavailableException("snapshot install at revision "
                    + task.revision() + " failed; install it again or reopen the store: " + e.getMessage(), e));
            return;
        } catch (IOException | RuntimeException e) {
            LOG.error("Store {} could not install the snapshot at revision {}; the old state stays", description,
                    task.revision(), e);
            task.result().completeExceptionally(new StoreUnavailableException("snapshot install at revision "
                    + task.revision() + " failed; the old state at revision " + currentRevision + " stays: " + e, e));
            return;
        }
        publishSnapshot(loaded, task.revision());
        LOG.info("Store {} replaced its state by a snapshot at revision {} with {} keys", description,
                task.revision(), loaded.size());
        task.result().complete(null);
    }

    /** Makes an installed snapshot visible; watches end, as they cannot be continued across it. */
    private void publishSnapshot(Map<String, KeyValue> state, long revision) {
        publishLock.writeLock().lock();
        try {
            index.clear();
            index.putAll(state);
            history.clear();
            currentRevision = revision;
            compactedRevision = revision;
            RevisionCompactedException reason = new RevisionCompactedException(
                    "the store's state was replaced by a snapshot at revision " + revision + "; list again");
            for (StoreWatch watch : watches) {
                watch.closeWith(reason);
            }
        } finally {
            publishLock.writeLock().unlock();
        }
        synchronized (revisionChanged) {
            revisionChanged.notifyAll();
        }
    }

    /** Makes a durable batch visible: index, revision, history, then the watches' queues. */
    private void publish(List<Change> changes) {
        if (changes.isEmpty()) {
            return;
        }
        List<StoreWatch> touched = new ArrayList<>();
        publishLock.writeLock().lock();
        try {
            for (Change change : changes) {
                if (change.type() == Change.Type.DELETED) {
                    index.remove(change.key());
                } else {
                    index.put(change.key(), change.toKeyValue());
                }
                history.addLast(change);
                if (history.size() > options.historySize()) {
                    compactedRevision = history.removeFirst().revision();
                }
            }
            currentRevision = changes.get(changes.size() - 1).revision();
            for (StoreWatch watch : watches) {
                boolean any = false;
                for (Change change : changes) {
                    if (watch.matches(change)) {
                        watch.enqueue(change);
                        any = true;
                    }
                }
                if (any) {
                    touched.add(watch);
                }
            }
        } finally {
            publishLock.writeLock().unlock();
        }
        synchronized (revisionChanged) {
            revisionChanged.notifyAll();
        }
        for (StoreWatch watch : touched) {
            watch.schedule();
        }
    }

    private void failQueued() {
        Task task;
        while ((task = queue.poll()) != null) {
            if (task != SHUTDOWN) {
                task.result().completeExceptionally(closedException());
            }
        }
    }

    private StoreUnavailableException closedException() {
        return new StoreUnavailableException("store " + description + " is closed");
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
