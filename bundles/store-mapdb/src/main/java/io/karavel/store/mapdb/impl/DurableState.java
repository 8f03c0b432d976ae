package io.karavel.store.mapdb.impl;

import io.karavel.api.store.Change;
import io.karavel.api.store.KeyValue;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.mapdb.Atomic;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

/**
 * The durable half of the store: the MapDB file that holds every live key and the revision
 * counter. It knows nothing about validation, watches or callers.
 *
 * <p><b>The seam.</b> {@link #apply(List)} is the one way state changes: "apply this ordered batch
 * of {@link Change}s, whose revisions are already assigned, durably and atomically". The single
 * leader path (the {@link MapDbStore} committer, which validates mutations and assigns revisions)
 * goes through it, and so will a follower of the replicated store, which receives batches that a
 * leader already validated and numbered. Either the whole batch becomes durable (one MapDB
 * transaction, the revision counter included, then {@code fsync}) or none of it does.
 *
 * <p>Not thread-safe: one thread (the committer) calls {@link #apply}; {@link #load} runs before
 * it starts and {@link #close} after it stopped.
 */
final class DurableState implements AutoCloseable {

    /** Encoded value: createRevision (8 bytes), modRevision (8 bytes), then the value bytes. */
    private static final int HEADER_BYTES = 16;

    private final DB db;
    private final HTreeMap<String, byte[]> keys;
    private final Atomic.Long revision;

    private DurableState(DB db) {
        this.db = db;
        // A hash map, not a B-tree: the store never reads MapDB by key range (the in-memory index
        // serves reads), and a B-tree would rewrite a whole node of ~1 KiB values on every insert.
        this.keys = db.hashMap("keys", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.revision = db.atomicLong("revision").createOrOpen();
        db.commit();
    }

    /**
     * Opens (or creates) the store file {@code dir/store.db} with MapDB's write-ahead log on.
     *
     * @param fileChannel use a {@code FileChannel} volume (else {@code RandomAccessFile}); never
     *     mmap, whose failed delayed writes crash the JVM with SIGBUS
     */
    static DurableState openFile(Path dir, boolean fileChannel) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create store directory " + dir, e);
        }
        DBMaker.Maker maker = DBMaker.fileDB(dir.resolve("store.db").toFile()).transactionEnable();
        if (fileChannel) {
            maker = maker.fileChannelEnable();
        }
        return new DurableState(maker.make());
    }

    /** Same semantics on byte arrays in the heap: for unit tests of other modules. */
    static DurableState openInMemory() {
        return new DurableState(DBMaker.memoryDB().transactionEnable().make());
    }

    /** The revision of the last durable batch. */
    long revision() {
        return revision.get();
    }

    /** Feeds every stored key to {@code sink}, in no particular order. */
    void load(Consumer<KeyValue> sink) {
        for (Map.Entry<String, byte[]> entry : keys.getEntries()) {
            sink.accept(decode(entry.getKey(), entry.getValue()));
        }
    }

    /**
     * Writes the batch and commits it: on return it is on disk ({@code fsync}ed by MapDB's
     * commit). On failure the transaction is rolled back and the exception rethrown; nothing of
     * the batch remains.
     *
     * @param changes consecutive revisions, each greater than {@link #revision()}
     */
    void apply(List<Change> changes) {
        if (changes.isEmpty()) {
            return;
        }
        try {
            for (Change change : changes) {
                if (change.type() == Change.Type.DELETED) {
                    keys.remove(change.key());
                } else {
                    keys.put(change.key(), encode(change));
                }
            }
            revision.set(changes.get(changes.size() - 1).revision());
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

    @Override
    public void close() {
        if (!db.isClosed()) {
            db.close();
        }
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
