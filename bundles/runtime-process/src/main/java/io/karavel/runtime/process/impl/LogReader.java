package io.karavel.runtime.process.impl;

import io.karavel.api.runtime.LogOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Serves a container's CRI-format log file ({@link CriLogFormat}) with {@code kubectl logs}'
 * options: {@code sinceTime} filters by the time a line was copied into the log, {@code tailLines}
 * keeps the last lines after that filter, {@code timestamps} prefixes each line with its time,
 * {@code limitBytes} stops after that many bytes, and {@code follow} keeps reading until the log
 * is complete ({@code log.done}: the container exited and all its output was copied), the
 * thread is interrupted or the container is removed. Partial entries are joined into one line.
 */
final class LogReader {

    private final ContainerFiles files;
    private final LogOptions options;
    private final OutputStream out;
    private final Runnable refresh;
    private long remainingBytes;
    private final ByteArrayOutputStream pendingLine = new ByteArrayOutputStream();
    private String pendingTime;
    private java.time.Instant pendingInstant;

    /**
     * @param refresh copies the latest raw output into the log file (called before each read)
     */
    LogReader(ContainerFiles files, LogOptions options, OutputStream out, Runnable refresh) {
        this.files = files;
        this.options = options;
        this.out = out;
        this.refresh = refresh;
        this.remainingBytes = options.limitBytes() < 0 ? Long.MAX_VALUE : options.limitBytes();
    }

    void run() throws IOException {
        refresh.run();
        FileChannel channel;
        try {
            channel = FileChannel.open(files.log(), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            if (!options.follow()) {
                return; // nothing logged yet
            }
            channel = waitForLogFile();
            if (channel == null) {
                return;
            }
        }
        try (FileChannel log = channel) {
            LineSource source = new LineSource(log);
            ArrayDeque<byte[]> tail = options.tailLines() >= 0 ? new ArrayDeque<>() : null;
            for (byte[] line : completeLines(source)) {
                if (tail == null) {
                    if (!emit(line)) {
                        return;
                    }
                } else if (options.tailLines() > 0) {
                    tail.addLast(line);
                    if (tail.size() > options.tailLines()) {
                        tail.removeFirst();
                    }
                }
            }
            if (tail != null) {
                for (byte[] line : tail) {
                    if (!emit(line)) {
                        return;
                    }
                }
            }
            out.flush();
            if (!options.follow()) {
                return;
            }
            follow(source);
        }
    }

    private void follow(LineSource source) throws IOException {
        while (!Thread.currentThread().isInterrupted()) {
            boolean complete = Files.exists(files.logDone());
            boolean removed = !Files.isDirectory(files.directory());
            refresh.run();
            List<byte[]> lines = completeLines(source);
            for (byte[] line : lines) {
                if (!emit(line)) {
                    return;
                }
            }
            out.flush();
            if (lines.isEmpty() && (complete || removed)) {
                return;
            }
            if (lines.isEmpty()) {
                try {
                    Thread.sleep(LogPump.POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private FileChannel waitForLogFile() throws IOException {
        while (!Thread.currentThread().isInterrupted() && Files.isDirectory(files.directory())) {
            refresh.run();
            try {
                return FileChannel.open(files.log(), StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                if (Files.exists(files.logDone())) {
                    return null;
                }
            }
            try {
                Thread.sleep(LogPump.POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** The output lines (rendered, newline included) that the new complete log entries make. */
    private List<byte[]> completeLines(LineSource source) throws IOException {
        List<byte[]> rendered = new ArrayList<>();
        for (byte[] raw : source.readLines()) {
            CriLogFormat.Entry entry = CriLogFormat.parse(raw);
            if (entry == null) {
                continue;
            }
            if (pendingTime == null) {
                pendingTime = entry.timeText();
                pendingInstant = entry.time();
            }
            pendingLine.writeBytes(entry.content());
            if (entry.partial()) {
                continue;
            }
            if (options.sinceTime() == null || !pendingInstant.isBefore(options.sinceTime())) {
                ByteArrayOutputStream line = new ByteArrayOutputStream(pendingLine.size() + 40);
                if (options.timestamps()) {
                    line.writeBytes((pendingTime + " ").getBytes(StandardCharsets.US_ASCII));
                }
                pendingLine.writeTo(line);
                line.write('\n');
                rendered.add(line.toByteArray());
            }
            pendingLine.reset();
            pendingTime = null;
        }
        return rendered;
    }

    /** Writes a line within the byte limit; false once the limit is reached. */
    private boolean emit(byte[] line) throws IOException {
        if (remainingBytes <= 0) {
            return false;
        }
        int length = (int) Math.min(line.length, remainingBytes);
        out.write(line, 0, length);
        remainingBytes -= length;
        return remainingBytes > 0;
    }

    /** Reads a growing file line by line, keeping an unterminated rest for the next call. */
    private static final class LineSource {
        private final FileChannel channel;
        private final ByteArrayOutputStream rest = new ByteArrayOutputStream();
        private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

        LineSource(FileChannel channel) {
            this.channel = channel;
        }

        List<byte[]> readLines() throws IOException {
            List<byte[]> lines = new ArrayList<>();
            while (true) {
                buffer.clear();
                int read = channel.read(buffer);
                if (read <= 0) {
                    return lines;
                }
                byte[] bytes = buffer.array();
                int start = 0;
                for (int i = 0; i < read; i++) {
                    if (bytes[i] == '\n') {
                        rest.write(bytes, start, i - start);
                        lines.add(rest.toByteArray());
                        rest.reset();
                        start = i + 1;
                    }
                }
                rest.write(bytes, start, read - start);
            }
        }
    }
}
