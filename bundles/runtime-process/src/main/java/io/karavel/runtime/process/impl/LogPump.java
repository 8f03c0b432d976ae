package io.karavel.runtime.process.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies what containers write to their raw output files ({@code stdout.raw}, {@code stderr.raw})
 * into their CRI-format log ({@code container.log}), giving every line the time it was copied.
 *
 * <p>Why a copy at all: the processes write to plain files (never to pipes into the JVM, which
 * would kill them with SIGPIPE when the JVM dies), and plain files carry no per-line times, which
 * {@code kubectl logs --timestamps} and {@code --since-time} need. One thread polls every
 * container still running (every {@value #POLL_MILLIS} ms), so a line's time is at most that late.
 * How far each raw file was copied is saved in {@code log.offsets}, so a new runtime instance
 * resumes where the last one stopped; lines written while no runtime instance ran get the time
 * they were copied, not the time they were written. Within one poll, stdout lines are copied before
 * stderr lines, so the interleaving of the two streams is only exact to the poll interval. A crash
 * between appending lines and saving the offsets copies those lines again (at least once).
 *
 * <p>Once the container has exited and everything is copied (a last unterminated line included),
 * {@code log.done} is created: followers of the log stop there.
 */
final class LogPump implements AutoCloseable {

    static final long POLL_MILLIS = 100;
    /** A line longer than this without a newline is written as a partial ({@code P}) entry. */
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_READ_PER_ROUND = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(LogPump.class);

    private final Map<String, Watched> watched = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread t = new Thread(runnable, "karavel-process-runtime-log-pump");
        t.setDaemon(true);
        return t;
    });

    LogPump() {
        thread.scheduleWithFixedDelay(this::copyAll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts copying a container's output; {@code exited} says whether its process has exited. */
    void watch(String containerId, ContainerFiles files, BooleanSupplier exited) {
        watched.computeIfAbsent(containerId, id -> new Watched(files, exited));
    }

    /** Stops copying (the container is being removed). */
    void unwatch(String containerId) {
        Watched removed = watched.remove(containerId);
        if (removed != null) {
            synchronized (removed) {
                removed.closed = true;
            }
        }
    }

    /** Copies what the container wrote so far, now (before serving its logs). */
    void drain(String containerId) {
        Watched container = watched.get(containerId);
        if (container != null) {
            copy(containerId, container);
        }
    }

    private void copyAll() {
        for (Map.Entry<String, Watched> entry : watched.entrySet()) {
            copy(entry.getKey(), entry.getValue());
        }
    }

    private void copy(String containerId, Watched container) {
        synchronized (container) {
            if (container.closed) {
                return;
            }
            try {
                if (container.copy()) {
                    container.closed = true;
                    watched.remove(containerId, container);
                }
            } catch (IOException | RuntimeException e) {
                if (!Files.isDirectory(container.files.directory())) {
                    watched.remove(containerId, container); // removed under our feet
                } else {
                    LOG.warn("Cannot copy the output of container {} into its log: {}", containerId, e.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The copy state of one container; guarded by its own monitor. */
    private static final class Watched {
        final ContainerFiles files;
        final BooleanSupplier exited;
        boolean closed;
        long stdoutOffset = -1;
        long stderrOffset;

        Watched(ContainerFiles files, BooleanSupplier exited) {
            this.files = files;
            this.exited = exited;
        }

        /** Copies new output; returns true once everything is copied and the container has exited. */
        boolean copy() throws IOException {
            if (Files.exists(files.logDone())) {
                return true;
            }
            if (stdoutOffset < 0) {
                loadOffsets();
            }
            // Decided before reading: whatever the process wrote before it exited is then in the files.
            boolean finished = exited.getAsBoolean();
            ByteArrayOutputStream lines = new ByteArrayOutputStream();
            long newStdout;
            long newStderr;
            boolean more;
            int rounds = 0;
            do {
                Instant now = Instant.now();
                newStdout = copyLines(files.rawStdout(), stdoutOffset, "stdout", now, finished, lines);
                newStderr = copyLines(files.rawStderr(), stderrOffset, "stderr", now, finished, lines);
                // After the exit, copy to the end even when that takes several rounds (bounded: a
                // leftover child could keep writing).
                more = finished && ++rounds < 1000 && (size(files.rawStdout()) > newStdout || size(files.rawStderr()) > newStderr);
                if (lines.size() > 0) {
                    try (OutputStream log = Files.newOutputStream(files.log(), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                        lines.writeTo(log);
                    }
                    lines.reset();
                }
                if (newStdout != stdoutOffset || newStderr != stderrOffset) {
                    stdoutOffset = newStdout;
                    stderrOffset = newStderr;
                    saveOffsets();
                }
            } while (more);
            if (finished) {
                Files.createDirectories(files.directory());
                if (!Files.exists(files.log())) {
                    Files.createFile(files.log());
                }
                Files.createFile(files.logDone());
                return true;
            }
            return false;
        }

        /**
         * Appends the complete lines of {@code raw} after {@code offset} to {@code out} and
         * returns the offset after them. An unterminated rest stays for the next round unless the
         * process has exited or it is too long to wait for.
         */
        private static long copyLines(Path raw, long offset, String stream, Instant now, boolean finished,
                                      ByteArrayOutputStream out) throws IOException {
            byte[] bytes;
            try (FileChannel channel = FileChannel.open(raw, StandardOpenOption.READ)) {
                long available = channel.size() - offset;
                if (available <= 0) {
                    return offset;
                }
                ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(available, MAX_READ_PER_ROUND));
                while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
                    // keep reading until the buffer is full or the end is reached
                }
                bytes = java.util.Arrays.copyOf(buffer.array(), buffer.position());
            } catch (NoSuchFileException e) {
                return offset;
            }
            int lineStart = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    writeEntry(out, now, stream, false, bytes, lineStart, i);
                    lineStart = i + 1;
                } else if (i - lineStart + 1 >= MAX_LINE) {
                    writeEntry(out, now, stream, true, bytes, lineStart, i + 1);
                    lineStart = i + 1;
                }
            }
            if (lineStart < bytes.length && finished && bytes.length < MAX_READ_PER_ROUND) {
                writeEntry(out, now, stream, false, bytes, lineStart, bytes.length);
                lineStart = bytes.length;
            }
            return offset + lineStart;
        }

        private static void writeEntry(ByteArrayOutputStream out, Instant time, String stream, boolean partial,
                                       byte[] bytes, int from, int to) {
            out.writeBytes(CriLogFormat.prefix(time, stream, partial));
            out.write(bytes, from, to - from);
            out.write('\n');
        }

        private static long size(Path file) {
            try {
                return Files.size(file);
            } catch (IOException e) {
                return 0;
            }
        }

        private void loadOffsets() {
            stdoutOffset = 0;
            stderrOffset = 0;
            if (Files.exists(files.logOffsets())) {
                Properties offsets = StateFiles.read(files.logOffsets());
                stdoutOffset = Long.parseLong(offsets.getProperty("stdout", "0"));
                stderrOffset = Long.parseLong(offsets.getProperty("stderr", "0"));
            }
        }

        private void saveOffsets() {
            Properties offsets = new Properties();
            offsets.setProperty("stdout", Long.toString(stdoutOffset));
            offsets.setProperty("stderr", Long.toString(stderrOffset));
            StateFiles.write(files.logOffsets(), offsets);
        }
    }
}
