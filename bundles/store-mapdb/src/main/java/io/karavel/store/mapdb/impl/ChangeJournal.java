package io.karavel.store.mapdb.impl;

import io.karavel.api.store.Change;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The store's own write-ahead log: an append-only sequence of change batches, each made durable
 * with one {@code fdatasync} before the batch is acknowledged. The MapDB file is a checkpoint of
 * it, written in the background ({@link DurableState}); after a crash the journal's batches newer
 * than the checkpoint are replayed.
 *
 * <p>Why not just MapDB's own write-ahead log: a MapDB 3.1 commit costs two {@code fsync}s plus
 * creating and deleting a WAL file, and MapDB 3.1 does not replay its WAL when it opens a store,
 * so a process killed in the middle of a commit can leave a half-written file. Appending to a
 * pre-allocated file costs one {@code fdatasync} (no metadata changes), the same as etcd's WAL.
 *
 * <h2>Format</h2>
 *
 * Segment files {@code <first revision, 20 digits>.journal}, zero-filled when created (so that
 * appends never change the file's size). A record is {@code [int length][int crc32c][payload]};
 * the payload is one batch: {@code [int count]} then per change {@code [byte type][long revision]
 * [long createRevision][int keyLength][key UTF-8][int valueLength][value]}. Reading stops at the
 * first zero length, bad checksum or revision gap: a torn record at the end was never
 * acknowledged, and the next append overwrites it.
 *
 * <p>Not thread-safe: the committer appends; {@link #releaseUpTo} may run on the checkpoint
 * thread, so segment bookkeeping is synchronized.
 */
final class ChangeJournal implements AutoCloseable {

    static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    private static final String SUFFIX = ".journal";
    private static final String NEXT_SEGMENT = "next.journal.tmp";
    private static final int RECORD_HEADER = 8;

    private final Path dir;
    private final long segmentBytes;
    private final ExecutorService preparer;

    /** Guarded by {@code this}: the segments on disk, oldest first; the last one is written. */
    private final List<Path> segments = new ArrayList<>();
    private FileChannel current;
    private long position;
    private long lastRevision;
    private CompletableFuture<Path> nextSegment;
    private IOException failure;

    private ChangeJournal(Path dir, long segmentBytes) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.preparer = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "karavel-store-journal-preparer");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Opens the journal in {@code dir}, feeding every recorded change with a revision above
     * {@code afterRevision} to {@code replay} in revision order.
     */
    static ChangeJournal open(Path dir, long segmentBytes, long afterRevision, Consumer<Change> replay) {
        ChangeJournal journal = new ChangeJournal(dir, segmentBytes);
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(NEXT_SEGMENT));
            journal.recover(afterRevision, replay);
        } catch (IOException e) {
            journal.close();
            throw new UncheckedIOException("cannot open the store journal in " + dir, e);
        }
        return journal;
    }

    /** The revision of the last durable batch in the journal, or the checkpoint's if none. */
    long lastRevision() {
        return lastRevision;
    }

    private void recover(long afterRevision, Consumer<Change> replay) throws IOException {
        List<Path> found;
        try (Stream<Path> files = Files.list(dir)) {
            found = files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
        lastRevision = afterRevision;
        long expectedNext = -1; // unknown until the first record
        for (int i = 0; i < found.size(); i++) {
            Path segment = found.get(i);
            boolean last = i == found.size() - 1;
            try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
                long end = readSegment(channel, expectedNext, afterRevision, replay);
                expectedNext = lastRevision + 1;
                if (last) {
                    position = end;
                }
            }
            segments.add(segment);
        }
        if (segments.isEmpty()) {
            Path first = segmentPath(afterRevision + 1);
            createZeroFilled(first, segmentBytes);
            segments.add(first);
            position = 0;
            syncDirectory();
        }
        current = FileChannel.open(segments.get(segments.size() - 1), StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Reads valid records; returns the position after the last one. */
    private long readSegment(FileChannel channel, long expectedNext, long afterRevision, Consumer<Change> replay)
            throws IOException {
        long size = channel.size();
        long pos = 0;
        ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER);
        while (pos + RECORD_HEADER <= size) {
            header.clear();
            readFully(channel, header, pos);
            header.flip();
            int length = header.getInt();
            int crc = header.getInt();
            if (length <= 0 || pos + RECORD_HEADER + length > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            readFully(channel, payload, pos + RECORD_HEADER);
            if (crc32c(payload.array(), length) != crc) {
                break;
            }
            payload.flip();
            List<Change> batch;
            try {
                batch = decode(payload);
            } catch (RuntimeException e) {
                break; // a checksum collision on garbage: treat as the end, like any bad record
            }
            if (batch.isEmpty()) {
                break;
            }
            long first = batch.get(0).revision();
            if (expectedNext > 0 && first != expectedNext) {
                break; // not the continuation of what came before: stale bytes
            }
            for (Change change : batch) {
                if (change.revision() > afterRevision) {
                    replay.accept(change);
                }
            }
            long batchLast = batch.get(batch.size() - 1).revision();
            lastRevision = Math.max(lastRevision, batchLast);
            expectedNext = batchLast + 1;
            pos += RECORD_HEADER + length;
        }
        return pos;
    }

    /**
     * Appends one batch and {@code fdatasync}s it: on return the batch survives a crash. After an
     * I/O failure the journal refuses every later append (whether a failed {@code fsync} left the
     * data on disk is unknown), so the store stays unavailable until it is reopened.
     */
    void append(List<Change> batch) throws IOException {
        if (failure != null) {
            throw new IOException("journal failed earlier; reopen the store", failure);
        }
        ByteBuffer record = encode(batch);
        long start = -1;
        try {
            if (position + record.remaining() > currentCapacity()) {
                rollOver(batch.get(0).revision(), record.remaining());
            } else if (nextSegment == null && position > currentCapacity() / 2) {
                prepareNextSegment();
            }
            start = position;
            long at = start;
            while (record.hasRemaining()) {
                at += current.write(record, at);
            }
            current.force(false);
            position = at;
            lastRevision = batch.get(batch.size() - 1).revision();
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e);
            if (start >= 0) {
                eraseRecordAt(start);
            }
            throw failure;
        }
    }

    /**
     * Best effort after a failed append: zero the record's length so that a restart does not
     * replay a batch whose callers were told it failed.
     */
    private void eraseRecordAt(long start) {
        try {
            current.write(ByteBuffer.allocate(RECORD_HEADER), start);
            current.force(false);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Closes the file under the journal: later appends fail as on a failed disk (for tests). */
    void breakForTests() throws IOException {
        current.close();
    }

    private long currentCapacity() throws IOException {
        return current.size();
    }

    private void prepareNextSegment() {
        Path tmp = dir.resolve(NEXT_SEGMENT);
        nextSegment = CompletableFuture.supplyAsync(() -> {
            try {
                createZeroFilled(tmp, segmentBytes);
                return tmp;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, preparer);
    }

    /** Continues in a new segment named after the revision it starts with. */
    private void rollOver(long firstRevision, int recordBytes) throws IOException {
        Path next = segmentPath(firstRevision);
        if (recordBytes > segmentBytes) {
            createZeroFilled(next, recordBytes); // an oversized batch gets a segment of its own
        } else {
            if (nextSegment == null) {
                prepareNextSegment();
            }
            Path prepared;
            try {
                prepared = nextSegment.join();
            } catch (RuntimeException e) {
                throw new IOException("cannot prepare the next journal segment", e.getCause());
            } finally {
                nextSegment = null;
            }
            Files.move(prepared, next, StandardCopyOption.ATOMIC_MOVE);
        }
        syncDirectory();
        current.close();
        current = FileChannel.open(next, StandardOpenOption.READ, StandardOpenOption.WRITE);
        position = 0;
        synchronized (this) {
            segments.add(next);
        }
    }

    /** Deletes segments whose every change is at or below {@code revision} (checkpointed). */
    void releaseUpTo(long revision) {
        List<Path> deletable = new ArrayList<>();
        synchronized (this) {
            // segment i ends just before segment i+1 starts; the last one is always kept
            while (segments.size() > 1 && firstRevision(segments.get(1)) - 1 <= revision) {
                deletable.add(segments.remove(0));
            }
        }
        for (Path segment : deletable) {
            try {
                Files.deleteIfExists(segment);
            } catch (IOException e) {
                // harmless: replay skips what the checkpoint already holds
            }
        }
    }

    synchronized int segmentCount() {
        return segments.size();
    }

    @Override
    public void close() {
        preparer.shutdownNow();
        try {
            if (current != null) {
                current.close();
            }
        } catch (IOException e) {
            // nothing left to protect: every acknowledged batch was forced already
        }
    }

    private Path segmentPath(long firstRevision) {
        return dir.resolve(String.format("%020d%s", firstRevision, SUFFIX));
    }

    private static long firstRevision(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    }

    /** Zero-filled and forced, so that appends later change no metadata. */
    private static void createZeroFilled(Path file, long bytes) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            long written = 0;
            while (written < bytes) {
                zeros.clear();
                zeros.limit((int) Math.min(zeros.capacity(), bytes - written));
                written += channel.write(zeros, written);
            }
            channel.force(true);
        }
    }

    private void syncDirectory() throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long pos) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of journal");
            }
        }
    }

    private static int crc32c(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    static ByteBuffer encode(List<Change> batch) {
        int size = 4;
        List<byte[]> keys = new ArrayList<>(batch.size());
        for (Change change : batch) {
            byte[] key = change.key().getBytes(StandardCharsets.UTF_8);
            keys.add(key);
            size += 1 + 8 + 8 + 4 + key.length + 4 + (change.type() == Change.Type.DELETED ? 0 : change.value().length);
        }
        ByteBuffer buffer = ByteBuffer.allocate(RECORD_HEADER + size);
        buffer.putInt(size).putInt(0).putInt(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Change change = batch.get(i);
            buffer.put((byte) change.type().ordinal())
                    .putLong(change.revision())
                    .putLong(change.createRevision())
                    .putInt(keys.get(i).length)
                    .put(keys.get(i));
            if (change.type() == Change.Type.DELETED) {
                buffer.putInt(0);
            } else {
                buffer.putInt(change.value().length).put(change.value());
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), RECORD_HEADER, size);
        buffer.putInt(4, (int) crc.getValue());
        buffer.flip();
        return buffer;
    }

    /** Decodes a batch; deletes come back with an empty value (replay only needs the key). */
    private static List<Change> decode(ByteBuffer payload) {
        int count = payload.getInt();
        List<Change> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Change.Type type = Change.Type.values()[payload.get()];
            long revision = payload.getLong();
            long createRevision = payload.getLong();
            byte[] key = new byte[payload.getInt()];
            payload.get(key);
            byte[] value = new byte[payload.getInt()];
            payload.get(value);
            batch.add(new Change(revision, type, new String(key, StandardCharsets.UTF_8), value, createRevision, null));
        }
        return batch;
    }
}
