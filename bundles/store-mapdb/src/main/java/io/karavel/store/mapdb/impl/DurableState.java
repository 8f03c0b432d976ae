package io.karavel.store.mapdb.impl;

import io.karavel.api.store.Change;
import io.karavel.api.store.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.mapdb.Atomic;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable half of the store: a {@link ChangeJournal} that makes each batch durable with one
 * {@code fdatasync}, and a MapDB file (write-ahead log on) that checkpoints the journal in the
 * background and holds every live key and the revision counter. It knows nothing about
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
 * <p><b>Recovery.</b> Opening loads the MapDB checkpoint (revision R), then replays the journal's
 * changes after R. The checkpoint thread applies published batches to MapDB every
 * {@code checkpointInterval} (or sooner when many keys are dirty), collapsing repeated writes of a
 * key, commits them with the new revision in one MapDB transaction, then deletes journal segments
 * the checkpoint covers. A MapDB commit interrupted by a crash cannot be replayed by MapDB 3.1
 * (it never replays its own WAL), so each checkpoint also stores a digest of its entries, checked
 * on load: a torn checkpoint is reported instead of being served.
 *
 * <p>The in-memory variant has no journal and commits MapDB (on byte arrays) synchronously.
 *
 * <p>Threads: one thread (the committer) calls {@link #apply}; {@link #open} runs before it
 * starts and {@link #close} after it stopped; the checkpoint thread alone touches MapDB in
 * between.
 */
final class DurableState implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DurableState.class);

    /** Encoded value: createRevision (8 bytes), modRevision (8 bytes), then the value bytes. */
    private static final int HEADER_BYTES = 16;
    private static final int MAX_DIRTY_KEYS = 20_000;
    private static final List<Change> STOP = List.of();

    private final DB db;
    private final HTreeMap<String, byte[]> keys;
    private final Atomic.Long revision;
    private final Atomic.Long digest;
    private final ChangeJournal journal; // null in memory
    private final long checkpointIntervalNanos;
    private final LinkedBlockingQueue<List<Change>> toCheckpoint = new LinkedBlockingQueue<>();
    private final Thread checkpointer;
    private volatile long durableRevision;

    private DurableState(DB db, Path journalDir, long segmentBytes, long checkpointIntervalMillis,
            Map<String, KeyValue> index) {
        this.db = db;
        // A hash map, not a B-tree: the store never reads MapDB by key range (the in-memory index
        // serves reads), and a B-tree would rewrite a whole node of ~1 KiB values on every insert.
        this.keys = db.hashMap("keys", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.revision = db.atomicLong("revision").createOrOpen();
        this.digest = db.atomicLong("digest").createOrOpen();
        db.commit();
        this.checkpointIntervalNanos = TimeUnit.MILLISECONDS.toNanos(checkpointIntervalMillis);

        long checkpointRevision = revision.get();
        long loadedDigest = 0;
        for (Map.Entry<String, byte[]> entry : keys.getEntries()) {
            KeyValue kv = decode(entry.getKey(), entry.getValue());
            index.put(kv.key(), kv);
            loadedDigest ^= entryDigest(entry.getKey(), entry.getValue());
        }
        if (loadedDigest != digest.get()) {
            throw new IllegalStateException("the store checkpoint (MapDB file) is inconsistent: an interrupted"
                    + " checkpoint commit damaged it. Restore the store directory from a backup.");
        }
        durableRevision = checkpointRevision;
        if (journalDir == null) {
            journal = null;
            checkpointer = null;
            return;
        }
        Map<String, Change> replayed = new LinkedHashMap<>();
        journal = ChangeJournal.open(journalDir, segmentBytes, checkpointRevision, change -> {
            if (change.type() == Change.Type.DELETED) {
                index.remove(change.key());
            } else {
                index.put(change.key(), change.toKeyValue());
            }
            replayed.put(change.key(), change);
        });
        durableRevision = journal.lastRevision();
        if (!replayed.isEmpty()) {
            LOG.info("Replayed the store journal from revision {} to {} ({} keys)", checkpointRevision,
                    durableRevision, replayed.size());
            toCheckpoint.add(List.copyOf(replayed.values()));
        }
        checkpointer = new Thread(this::runCheckpoints, "karavel-store-checkpoint");
        checkpointer.setDaemon(true);
        checkpointer.start();
    }

    /**
     * Opens (or creates) the store in {@code dir} ({@code store.db} and {@code journal/}),
     * filling {@code index} with its state.
     *
     * @param fileChannel use a {@code FileChannel} volume (else {@code RandomAccessFile}); never
     *     mmap, whose failed delayed writes crash the JVM with SIGBUS
     */
    static DurableState openFile(Path dir, boolean fileChannel, long checkpointIntervalMillis, long segmentBytes,
            Map<String, KeyValue> index) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create store directory " + dir, e);
        }
        DBMaker.Maker maker = DBMaker.fileDB(dir.resolve("store.db").toFile()).transactionEnable();
        if (fileChannel) {
            maker = maker.fileChannelEnable();
        }
        DB db = maker.make();
        try {
            return new DurableState(db, dir.resolve("journal"), segmentBytes, checkpointIntervalMillis, index);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Same semantics on byte arrays in the heap, without journal: for unit tests of other modules. */
    static DurableState openInMemory(Map<String, KeyValue> index) {
        return new DurableState(DBMaker.memoryDB().transactionEnable().make(), null, 0, 0, index);
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
        if (changes.isEmpty()) {
            return;
        }
        if (journal == null) {
            Map<String, Change> latest = new LinkedHashMap<>();
            changes.forEach(c -> latest.put(c.key(), c));
            writeCheckpoint(latest, changes.get(changes.size() - 1).revision());
        } else {
            journal.append(changes);
            toCheckpoint.add(changes);
        }
        durableRevision = changes.get(changes.size() - 1).revision();
    }

    private void runCheckpoints() {
        Map<String, Change> dirty = new LinkedHashMap<>();
        long dirtyRevision = 0;
        long nextCheckpoint = System.nanoTime() + checkpointIntervalNanos;
        boolean stopping = false;
        while (!stopping || !dirty.isEmpty()) {
            try {
                List<Change> batch = stopping ? null
                        : toCheckpoint.poll(Math.max(0, nextCheckpoint - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (batch == STOP) {
                    stopping = true;
                    // whatever was queued before STOP is drained below
                } else if (batch != null) {
                    for (Change change : batch) {
                        dirty.put(change.key(), change);
                    }
                    dirtyRevision = batch.get(batch.size() - 1).revision();
                    if (dirty.size() < MAX_DIRTY_KEYS && System.nanoTime() < nextCheckpoint) {
                        continue;
                    }
                }
                if (!dirty.isEmpty()) {
                    writeCheckpoint(dirty, dirtyRevision);
                    journal.releaseUpTo(dirtyRevision);
                    dirty.clear();
                }
                nextCheckpoint = System.nanoTime() + checkpointIntervalNanos;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The journal still holds everything: retry at the next interval.
                LOG.error("Store checkpoint to MapDB failed; will retry", e);
                nextCheckpoint = System.nanoTime() + checkpointIntervalNanos;
                if (stopping) {
                    return;
                }
            }
        }
    }

    /** Writes the latest state of each key and the revision in one MapDB transaction. */
    private void writeCheckpoint(Map<String, Change> latest, long newRevision) {
        try {
            long newDigest = digest.get();
            for (Change change : latest.values()) {
                byte[] old;
                if (change.type() == Change.Type.DELETED) {
                    old = keys.remove(change.key());
                } else {
                    byte[] encoded = encode(change);
                    old = keys.put(change.key(), encoded);
                    newDigest ^= entryDigest(change.key(), encoded);
                }
                if (old != null) {
                    newDigest ^= entryDigest(change.key(), old);
                }
            }
            digest.set(newDigest);
            revision.set(newRevision);
            db.commit();
        } catch (RuntimeException | Error e) {
            try {
                db.rollback();
            } catch (RuntimeException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        }
    }

    /** Writes a last checkpoint (so that the next start replays nothing) and closes the files. */
    @Override
    public void close() {
        if (checkpointer != null) {
            toCheckpoint.add(STOP);
            try {
                checkpointer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            journal.close();
        }
        if (!db.isClosed()) {
            db.close();
        }
    }

    /** Number of journal segment files (for tests). */
    int journalSegments() {
        return journal == null ? 0 : journal.segmentCount();
    }

    private static long entryDigest(String key, byte[] encoded) {
        CRC32C crc = new CRC32C();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        long high = crc.getValue();
        crc.update(encoded);
        return (high << 32) | crc.getValue();
    }

    private static byte[] encode(Change change) {
        byte[] value = change.value();
        return ByteBuffer.allocate(HEADER_BYTES + value.length)
                .putLong(change.createRevision())
                .putLong(change.revision())
                .put(value)
                .array();
    }

    private static KeyValue decode(String key, byte[] encoded) {
        ByteBuffer buffer = ByteBuffer.wrap(encoded);
        long createRevision = buffer.getLong();
        long modRevision = buffer.getLong();
        byte[] value = new byte[encoded.length - HEADER_BYTES];
        buffer.get(value);
        return new KeyValue(key, value, createRevision, modRevision);
    }
}
