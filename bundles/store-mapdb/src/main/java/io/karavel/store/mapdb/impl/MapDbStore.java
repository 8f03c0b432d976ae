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
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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

    /** One caller's mutation on its way through the committer. */
    private record PendingWrite(Mutation mutation, CompletableFuture<KeyValue> result) {}

    /** The outcome of validating one mutation of a batch: a change, or the error to report. */
    private record Decision(PendingWrite write, Change change, StoreException error) {}

    private static final PendingWrite SHUTDOWN = new PendingWrite(null, null);

    private final Options options;
    private final DurableState durable;
    private final String description;

    private final ConcurrentSkipListMap<String, KeyValue> index = new ConcurrentSkipListMap<>();
    /** Write side: publishing a batch and registering a watch. Read side: list snapshots. */
    private final ReentrantReadWriteLock publishLock = new ReentrantReadWriteLock();
    /** Guarded by the write side of {@link #publishLock}. */
    private final ArrayDeque<Change> history = new ArrayDeque<>();
    private final CopyOnWriteArrayList<StoreWatch> watches = new CopyOnWriteArrayList<>();
    private volatile long currentRevision;
    private volatile long compactedRevision;

    private final LinkedBlockingQueue<PendingWrite> queue = new LinkedBlockingQueue<>();
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

    /** Opens (or creates) a durable store in {@code dir}. */
    public static MapDbStore open(Path dir, Options options) {
        return new MapDbStore(index -> DurableState.openFile(dir, options.fileChannel(),
                options.checkpointIntervalMillis(), options.journalSegmentBytes(), index), options, dir.toString());
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
     * with the {@link StoreException} that {@link #commit} would throw.
     */
    public CompletableFuture<KeyValue> commitAsync(Mutation mutation) {
        Objects.requireNonNull(mutation, "mutation");
        PendingWrite write = new PendingWrite(mutation, new CompletableFuture<>());
        if (closed) {
            write.result().completeExceptionally(closedException());
            return write.result();
        }
        queue.add(write);
        // close() may have drained the queue between the check above and the add.
        if (closed && queue.remove(write)) {
            write.result().completeExceptionally(closedException());
        }
        return write.result();
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(listener, "listener");
        StoreWatch watch =
                new StoreWatch(prefix, listener, delivery, options.maxWatchLag(), watches::remove);
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
                if (change.revision() > afterRevision && watch.matches(change.key())) {
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
        List<PendingWrite> batch = new ArrayList<>();
        try {
            while (true) {
                PendingWrite first = queue.take();
                if (first == SHUTDOWN) {
                    return;
                }
                batch.add(first);
                queue.drainTo(batch, options.maxBatchSize() - 1);
                boolean shutdown = batch.remove(SHUTDOWN);
                commitBatch(batch);
                batch.clear();
                if (shutdown) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            LOG.error("Store committer died; the store accepts no more writes", t);
            closed = true;
            for (PendingWrite write : batch) {
                write.result().completeExceptionally(
                        new StoreUnavailableException("store committer failed: " + t, t));
            }
        } finally {
            failQueued();
        }
    }

    private void commitBatch(List<PendingWrite> batch) {
        List<Decision> decisions = decide(batch);
        List<Change> changes = new ArrayList<>(decisions.size());
        for (Decision decision : decisions) {
            if (decision.change() != null) {
                changes.add(decision.change());
            }
        }
        try {
            durable.apply(changes);
        } catch (Exception e) {
            LOG.error("Store commit of {} changes failed; none of them is published or acknowledged", changes.size(), e);
            StoreUnavailableException failure =
                    new StoreUnavailableException("store commit failed: " + e, e);
            for (PendingWrite write : batch) {
                write.result().completeExceptionally(failure);
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
                    if (watch.matches(change.key())) {
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
        for (StoreWatch watch : touched) {
            watch.schedule();
        }
    }

    private void failQueued() {
        PendingWrite write;
        while ((write = queue.poll()) != null) {
            if (write != SHUTDOWN) {
                write.result().completeExceptionally(closedException());
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
