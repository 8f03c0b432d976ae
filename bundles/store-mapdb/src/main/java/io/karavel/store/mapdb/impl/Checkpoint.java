package io.karavel.store.mapdb.impl;

import io.karavel.api.store.Change;
import io.karavel.api.store.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.zip.CRC32C;
import org.mapdb.Atomic;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

/**
 * One MapDB file (write-ahead log on) holding every live key at one revision, plus a digest of
 * its entries so that a file damaged by an interrupted commit is recognised when loaded.
 *
 * <p>Why the digest: MapDB 3.1's {@code StoreWAL} syncs its WAL, then copies the changes into
 * the main file, but never replays the WAL when it opens a file; a process killed while it copies
 * leaves a half-written file (seen in this project's kill loop). {@link DurableState} therefore
 * keeps two checkpoint files and writes only one at a time.
 */
final class Checkpoint implements AutoCloseable {

    /** Encoded value: createRevision (8 bytes), modRevision (8 bytes), then the value bytes. */
    private static final int HEADER_BYTES = 16;

    private final Path file; // null in memory
    private final DB db;
    private final HTreeMap<String, byte[]> keys;
    private final Atomic.Long revision;
    private final Atomic.Long digest;

    private Checkpoint(Path file, DB db) {
        this.file = file;
        this.db = db;
        // A hash map, not a B-tree: the store never reads MapDB by key range (the in-memory index
        // serves reads), and a B-tree would rewrite a whole node of ~1 KiB values on every insert.
        this.keys = db.hashMap("keys", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.revision = db.atomicLong("revision").createOrOpen();
        this.digest = db.atomicLong("digest").createOrOpen();
        db.commit();
    }

    /**
     * Opens or creates {@code file}.
     *
     * @param fileChannel a {@code FileChannel} volume (else {@code RandomAccessFile}); never mmap,
     *     whose failed delayed writes crash the JVM with SIGBUS
     * @throws RuntimeException MapDB could not open it (damaged)
     */
    static Checkpoint openFile(Path file, boolean fileChannel) {
        DBMaker.Maker maker = DBMaker.fileDB(file.toFile()).transactionEnable();
        if (fileChannel) {
            maker = maker.fileChannelEnable();
        }
        DB db = maker.make();
        try {
            return new Checkpoint(file, db);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    static Checkpoint openInMemory() {
        return new Checkpoint(null, DBMaker.memoryDB().transactionEnable().make());
    }

    long revision() {
        return revision.get();
    }

    /**
     * Puts every entry into {@code index} (may be null to only verify).
     *
     * @throws IllegalStateException the entries do not match the stored digest: the file is damaged
     */
    void load(Map<String, KeyValue> index) {
        long loaded = 0;
        for (Map.Entry<String, byte[]> entry : keys.getEntries()) {
            if (index != null) {
                index.put(entry.getKey(), decode(entry.getKey(), entry.getValue()));
            }
            loaded ^= entryDigest(entry.getKey(), entry.getValue());
        }
        if (loaded != digest.get()) {
            throw new IllegalStateException("checkpoint " + file + " is damaged (digest mismatch)");
        }
    }

    /** Writes the latest state of each key and the revision in one MapDB transaction (fsync). */
    void write(Collection<Change> latest, long newRevision) {
        try {
            long newDigest = digest.get();
            for (Change change : latest) {
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

    @Override
    public void close() {
        if (!db.isClosed()) {
            db.close();
        }
    }

    /** Deletes a damaged file (and MapDB's leftover WAL files) so that it can be rebuilt. */
    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
            for (int i = 0; i < 16; i++) {
                Files.deleteIfExists(Path.of(file + ".wal." + i));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete damaged checkpoint " + file, e);
        }
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
