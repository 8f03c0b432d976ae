package io.karavel.store.mapdb.impl;

import io.karavel.api.store.Change;
import io.karavel.api.store.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable half of the store: a {@link ChangeJournal} that makes each batch durable with one
 * {@code fdatasync}, checkpointed in the background into two MapDB files. It knows nothing about
 * validation, watches or callers.
 *
 * <p><b>The seam.</b> {@link #apply(List)} is the one way state changes: "make this ordered batch
 * of {@link Change}s, whose revisions are already assigned, durable, atomically". The single
 * leader path (the {@link MapDbStore} committer, which validates mutations and assigns revisions)
 * goes through it, and so will a follower of the replicated store, which receives batches that a
 * leader already validated and numbered. When it returns the whole batch is on disk; if it throws,
 * the batch must be treated as not written (a journal record is all-or-nothing: its checksum
 * rejects a torn one).
 *
 * <p><b>Checkpoints.</b> A MapDB 3.1 commit is not crash-atomic (see {@link Checkpoint}), so there
 * are two checkpoint files, {@code checkpoint-a.db} and {@code checkpoint-b.db}, written in turn
 * by the checkpoint thread every {@code checkpointInterval} (sooner when many keys are dirty): at
 * any moment at most one of them is being written, the other is whole. Each write applies only
 * the latest state of the keys changed since that file's own revision (repeated writes of a key
 * collapse), with the new revision and digest, in one MapDB transaction. The journal keeps every
 * change newer than the older of the two files and deletes the segments both cover.
 *
 * <p><b>Recovery.</b> Opening loads the newest checkpoint whose digest verifies, then replays the
 * journal after it. A damaged file (the one a crash interrupted) is deleted and rebuilt from the
 * recovered state at its next turn; the other file catches up from the journal.
 *
 * <p><b>Replacing everything.</b> {@link #replace} installs a whole new state (a replica reset
 * to a leader's snapshot): it writes the complete new state (both checkpoints at the snapshot's
 * revision and an empty journal) into a fresh directory and switches to it with one atomic rename
 * of a {@code CURRENT} file (see {@link StateDirectory}), so a crash leaves either the old or the
 * new state to open. Journal and checkpoints could not express it in place: the new state's
 * revision may be lower than the old one's, and a torn checkpoint file would fall back to the
 * other one, which still holds the old state.
 *
 * <p>The in-memory variant has one checkpoint on byte arrays, written synchronously, no journal.
 *
 * <p>Threads: one thread (the committer) calls {@link #apply} and {@link #replace}; the
 * constructor runs before it starts and {@link #close} after it stopped; the checkpoint thread
 * alone touches the MapDB files in between.
 */
final class DurableState implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DurableState.class);

    private static final int MAX_DIRTY_KEYS = 20_000;
    private static final List<Change> STOP = List.of();
    private static final String CHECKPOINT_A = "checkpoint-a.db";
    private static final String CHECKPOINT_B = "checkpoint-b.db";
    private static final String JOURNAL = "journal";

    /**
     * A replacement state was committed (or may have been) but could not be opened or confirmed
     * durable: this state is closed, and the store must install a snapshot again or be reopened.
     */
    static final class ReopenRequiredException extends IOException {
        private static final long serialVersionUID = 1L;

        ReopenRequiredException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path root; // null in memory
    private final boolean fileChannel;
    private final long checkpointIntervalMillis;
    private final long segmentBytes;
    private final Checkpoint[] checkpoints;
    /** Per checkpoint: the latest change of each key written since its revision. */
    private final List<Map<String, Change>> dirty = new ArrayList<>();
    private final ChangeJournal journal; // null in memory
    private final long checkpointIntervalNanos;
    private final LinkedBlockingQueue<List<Change>> toCheckpoint = new LinkedBlockingQueue<>();
    private final Thread checkpointer;
    private volatile long durableRevision;
    /** Set by {@link #close} and {@link #replace}: later applies fail. */
    private volatile boolean closed;
    /** Stop without the last checkpoint: the state is being replaced. */
    private volatile boolean abandoned;

    /** The in-memory variant, on {@code checkpoint}. */
    private DurableState(Checkpoint checkpoint, Map<String, KeyValue> index) {
        this.root = null;
        this.fileChannel = false;
        this.checkpointIntervalMillis = 0;
        this.segmentBytes = 0;
        this.checkpoints = new Checkpoint[] {checkpoint};
        this.journal = null;
        this.checkpointer = null;
        this.checkpointIntervalNanos = 0;
        checkpoints[0].load(index);
        durableRevision = checkpoints[0].revision();
    }

    /**
     * @param root the store directory
     * @param dir the directory of the live state: {@code root} or a snapshot's {@code state-<n>}
     */
    private DurableState(Path root, Path dir, boolean fileChannel, long checkpointIntervalMillis, long segmentBytes,
            Map<String, KeyValue> index) {
        this.root = root;
        this.fileChannel = fileChannel;
        this.checkpointIntervalMillis = checkpointIntervalMillis;
        this.segmentBytes = segmentBytes;
        this.checkpointIntervalNanos = TimeUnit.MILLISECONDS.toNanos(checkpointIntervalMillis);
        Path[] files = {dir.resolve(CHECKPOINT_A), dir.resolve(CHECKPOINT_B)};
        checkpoints = new Checkpoint[2];
        boolean[] rebuild = new boolean[2];
        for (int i = 0; i < 2; i++) {
            dirty.add(new LinkedHashMap<>());
            try {
                checkpoints[i] = Checkpoint.openFile(files[i], fileChannel);
            } catch (RuntimeException e) {
                LOG.warn("Store checkpoint {} cannot be opened ({}); rebuilding it", files[i], e.toString());
                checkpoints[i] = recreate(files[i], fileChannel);
                rebuild[i] = true;
            }
        }
        try {
            // The newest checkpoint that verifies is the base; the other one is only verified.
            int base = checkpoints[0].revision() >= checkpoints[1].revision() ? 0 : 1;
            if (!loadOrRebuild(base, files, fileChannel, index, rebuild)) {
                base = 1 - base;
                if (!loadOrRebuild(base, files, fileChannel, index, rebuild)) {
                    throw new IllegalStateException("both store checkpoints in " + dir + " are damaged");
                }
            } else {
                loadOrRebuild(1 - base, files, fileChannel, null, rebuild);
            }
            long baseRevision = checkpoints[base].revision();
            long replayFrom = baseRevision;
            for (int i = 0; i < 2; i++) {
                if (!rebuild[i]) {
                    replayFrom = Math.min(replayFrom, checkpoints[i].revision());
                }
            }
            long[] firstReplayed = {-1};
            journal = ChangeJournal.open(dir.resolve(JOURNAL), segmentBytes, replayFrom, change -> {
                if (firstReplayed[0] < 0) {
                    firstReplayed[0] = change.revision();
                }
                if (change.revision() > baseRevision) {
                    if (change.type() == Change.Type.DELETED) {
                        index.remove(change.key());
                    } else {
                        index.put(change.key(), change.toKeyValue());
                    }
                }
                for (int i = 0; i < 2; i++) {
                    if (change.revision() > checkpoints[i].revision()) {
                        dirty.get(i).put(change.key(), change);
                    }
                }
            });
            if (journal.lastRevision() < baseRevision
                    || firstReplayed[0] > baseRevision + 1) {
                throw new IllegalStateException("the store journal in " + dir + " does not continue checkpoint "
                        + files[base] + " at revision " + baseRevision + ": journal files are missing");
            }
            for (int i = 0; i < 2; i++) {
                if (firstReplayed[0] > checkpoints[i].revision() + 1) {
                    rebuild[i] = true; // the journal no longer holds what this one misses
                }
                if (rebuild[i]) {
                    Map<String, Change> all = dirty.get(i);
                    all.clear();
                    for (Change change : asChanges(index.values())) {
                        all.put(change.key(), change);
                    }
                }
            }
            durableRevision = journal.lastRevision();
            if (durableRevision > baseRevision) {
                LOG.info("Replayed the store journal from revision {} to {}", baseRevision, durableRevision);
            }
        } catch (RuntimeException e) {
            for (Checkpoint checkpoint : checkpoints) {
                checkpoint.close();
            }
            throw e;
        }
        checkpointer = new Thread(this::runCheckpoints, "karavel-store-checkpoint");
        checkpointer.setDaemon(true);
        checkpointer.start();
    }

    /** Loads (or verifies, when {@code index} is null) one checkpoint; a damaged one is recreated empty. */
    private boolean loadOrRebuild(int i, Path[] files, boolean fileChannel, Map<String, KeyValue> index,
            boolean[] rebuild) {
        if (rebuild[i]) {
            return false;
        }
        try {
            checkpoints[i].load(index);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("Store checkpoint {} is damaged ({}); rebuilding it", files[i], e.toString());
            if (index != null) {
                index.clear();
            }
            checkpoints[i].close();
            checkpoints[i] = recreate(files[i], fileChannel);
            rebuild[i] = true;
            return false;
        }
    }

    private static Checkpoint recreate(Path file, boolean fileChannel) {
        Checkpoint.delete(file);
        return Checkpoint.openFile(file, fileChannel);
    }

    /**
     * Opens (or creates) the store in {@code dir} (two checkpoint files and {@code journal/},
     * directly in it or, once a snapshot was installed, in the state directory its {@code CURRENT}
     * file names), filling {@code index} with its state.
     *
     * @param fileChannel MapDB volume: {@code FileChannel} (else {@code RandomAccessFile}); never mmap
     */
    static DurableState openFile(Path dir, boolean fileChannel, long checkpointIntervalMillis, long segmentBytes,
            Map<String, KeyValue> index) {
        Path live;
        try {
            Files.createDirectories(dir);
            live = StateDirectory.live(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open store directory " + dir, e);
        }
        return new DurableState(dir, live, fileChannel, checkpointIntervalMillis, segmentBytes, index);
    }

    /** Same semantics on byte arrays in the heap, without journal: for unit tests of other modules. */
    static DurableState openInMemory(Map<String, KeyValue> index) {
        return new DurableState(Checkpoint.openInMemory(), index);
    }

    /**
     * Replaces the whole state by {@code items} at {@code revision}, and returns the state to use
     * from now on, having filled {@code index} with it as read back from disk. This one is closed
     * (without a last checkpoint) once the new state is committed.
     *
     * <p>The new state (both checkpoints at {@code revision}, an empty journal starting at
     * {@code revision + 1}) is written and forced in a fresh directory, then committed by the
     * atomic rename of {@link StateDirectory}'s {@code CURRENT} file; only then is the old state
     * deleted.
     *
     * @throws ReopenRequiredException the new state was committed (or may have been: forcing the
     *     rename failed) but is not open: this state is closed too, later applies fail; replacing
     *     again or reopening the store recovers
     * @throws IOException (any other) nothing was committed: this state is unchanged and in use
     */
    DurableState replace(Collection<KeyValue> items, long revision, Map<String, KeyValue> index) throws IOException {
        List<Change> all = asChanges(items);
        if (journal == null) {
            Checkpoint replacement = Checkpoint.openInMemory();
            replacement.write(all, revision);
            shutdown(false);
            return new DurableState(replacement, index);
        }
        Path prepared = null;
        Path staged = null;
        try {
            prepared = StateDirectory.prepare(root);
            writeState(prepared, all, revision);
            staged = StateDirectory.stage(root, prepared);
            StateDirectory.commit(root);
        } catch (IOException | RuntimeException e) {
            // Delete only what this attempt made: CURRENT may name a state of an earlier attempt.
            StateDirectory.discard(root, staged != null ? staged : prepared, e);
            throw e instanceof IOException io ? io : new IOException("cannot write the snapshot state: " + e, e);
        }
        shutdown(false);
        try {
            StateDirectory.forceCommit(root);
        } catch (IOException e) {
            // Both states are kept: the next open follows whichever CURRENT reached the disk.
            throw new ReopenRequiredException("the switch to the snapshot state " + staged
                    + " could not be forced to disk", e);
        }
        try {
            StateDirectory.deleteAllBut(root, staged);
        } catch (IOException e) {
            LOG.warn("Could not delete the replaced store state in {} ({}); the next open will", root, e.toString());
        }
        try {
            return new DurableState(root, staged, fileChannel, checkpointIntervalMillis, segmentBytes, index);
        } catch (RuntimeException e) {
            throw new ReopenRequiredException("the snapshot state " + staged + " was committed but cannot be opened", e);
        }
    }

    /** Writes a complete state: both checkpoints (forced) and an empty journal after {@code revision}. */
    private void writeState(Path dir, List<Change> all, long revision) throws IOException {
        Path a = dir.resolve(CHECKPOINT_A);
        try (Checkpoint checkpoint = Checkpoint.openFile(a, fileChannel)) {
            checkpoint.write(all, revision);
        }
        StateDirectory.forceFile(a);
        // A closed MapDB file is self-contained (no WAL left), and a copy costs a fraction of a
        // second MapDB write.
        Path b = dir.resolve(CHECKPOINT_B);
        Files.copy(a, b);
        StateDirectory.forceFile(b);
        // Opening an empty journal creates (and forces) its first segment, so opening the state
        // after the switch writes nothing.
        ChangeJournal.open(dir.resolve(JOURNAL), segmentBytes, revision, change -> {}).close();
    }

    /** The checkpoint form of key-values: each as the change that last wrote it. */
    private static List<Change> asChanges(Collection<KeyValue> items) {
        List<Change> changes = new ArrayList<>(items.size());
        for (KeyValue kv : items) {
            changes.add(new Change(kv.modRevision(), Change.Type.CREATED, kv.key(), kv.value(), kv.createRevision(), null));
        }
        return changes;
    }

    /** The revision of the last durable batch. */
    long revision() {
        return durableRevision;
    }

    /**
     * Makes the batch durable: on return it survives {@code kill -9} and power loss. On failure
     * nothing of it counts, and the exception says why.
     *
     * @param changes consecutive revisions, each greater than {@link #revision()}
     */
    void apply(List<Change> changes) throws IOException {
        if (closed) {
            throw new IOException("the store state is closed");
        }
        if (changes.isEmpty()) {
            return;
        }
        if (journal == null) {
            Map<String, Change> latest = new LinkedHashMap<>();
            changes.forEach(c -> latest.put(c.key(), c));
            checkpoints[0].write(latest.values(), changes.get(changes.size() - 1).revision());
        } else {
            journal.append(changes);
            toCheckpoint.add(changes);
        }
        durableRevision = changes.get(changes.size() - 1).revision();
    }

    private void runCheckpoints() {
        long receivedRevision = durableRevision;
        int next = checkpoints[0].revision() <= checkpoints[1].revision() ? 0 : 1; // the older first
        long nextCheckpoint = System.nanoTime() + checkpointIntervalNanos;
        boolean stopping = false;
        while (true) {
            try {
                List<Change> batch = toCheckpoint.poll(
                        Math.max(0, nextCheckpoint - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (batch == STOP) {
                    stopping = true;
                } else if (batch != null) {
                    for (Map<String, Change> changed : dirty) {
                        for (Change change : batch) {
                            changed.put(change.key(), change);
                        }
                    }
                    receivedRevision = batch.get(batch.size() - 1).revision();
                    if (dirty.get(next).size() < MAX_DIRTY_KEYS && System.nanoTime() < nextCheckpoint) {
                        continue;
                    }
                }
                if (stopping) {
                    if (abandoned) {
                        return;
                    }
                    // a last checkpoint of both, so that the next start replays nothing
                    writeCheckpoint(next, receivedRevision);
                    writeCheckpoint(1 - next, receivedRevision);
                    return;
                }
                writeCheckpoint(next, receivedRevision);
                next = 1 - next;
                nextCheckpoint = System.nanoTime() + checkpointIntervalNanos;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The journal still holds everything: retry at the next interval.
                LOG.error("Store checkpoint to MapDB failed; will retry", e);
                if (stopping) {
                    return;
                }
                nextCheckpoint = System.nanoTime() + checkpointIntervalNanos;
            }
        }
    }

    private void writeCheckpoint(int i, long revision) {
        Map<String, Change> changed = dirty.get(i);
        if (changed.isEmpty() || checkpoints[i].revision() >= revision) {
            return;
        }
        checkpoints[i].write(changed.values(), revision);
        changed.clear();
        journal.releaseUpTo(Math.min(checkpoints[0].revision(), checkpoints[1].revision()));
    }

    /** Writes a last checkpoint (so that the next start replays nothing) and closes the files. */
    @Override
    public void close() {
        shutdown(true);
    }

    /** Closes the files, after a last checkpoint unless the state is being replaced. Idempotent. */
    private void shutdown(boolean lastCheckpoint) {
        if (closed) {
            return;
        }
        closed = true;
        abandoned = !lastCheckpoint;
        if (checkpointer != null) {
            toCheckpoint.add(STOP);
            try {
                checkpointer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            journal.close();
        }
        for (Checkpoint checkpoint : checkpoints) {
            checkpoint.close();
        }
    }

    ChangeJournal journalForTests() {
        return journal;
    }

    /** Number of journal segment files (for tests). */
    int journalSegments() {
        return journal == null ? 0 : journal.segmentCount();
    }
}
