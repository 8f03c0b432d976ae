package io.karavel.runtime.podman.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * A bounded in-memory pipe from one writer thread to one reader, for the demultiplexed output of
 * an exec. Unlike {@link java.io.PipedInputStream} it does not care which threads read and write
 * (a pooled reader thread that ends does not break it). The writer blocks while the pipe is full,
 * like a process blocks on a full pipe; once the reader closes its end, writes are discarded.
 */
final class BytePipe {
    private final byte[] buffer;
    private int start;
    private int count;
    private boolean writerClosed;
    private boolean readerClosed;
    private IOException failure;

    BytePipe(int capacity) {
        this.buffer = new byte[capacity];
    }

    /** Appends bytes, waiting while the pipe is full. */
    synchronized void write(byte[] bytes, int offset, int length) throws InterruptedIOException {
        while (length > 0) {
            if (readerClosed) {
                return;
            }
            if (count == buffer.length) {
                awaitChange();
                continue;
            }
            int end = (start + count) % buffer.length;
            int chunk = Math.min(length, Math.min(buffer.length - count, buffer.length - end));
            System.arraycopy(bytes, offset, buffer, end, chunk);
            count += chunk;
            offset += chunk;
            length -= chunk;
            notifyAll();
        }
    }

    /** Ends the stream: the reader sees end-of-file, or {@code failure} when not {@code null}. */
    synchronized void closeWriter(IOException failure) {
        writerClosed = true;
        this.failure = failure;
        notifyAll();
    }

    private synchronized int read(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (count == 0) {
            if (readerClosed) {
                throw new IOException("stream closed");
            }
            if (writerClosed) {
                if (failure != null) {
                    throw new IOException(failure.getMessage(), failure);
                }
                return -1;
            }
            awaitChange();
        }
        int chunk = Math.min(length, Math.min(count, buffer.length - start));
        System.arraycopy(buffer, start, bytes, offset, chunk);
        start = (start + chunk) % buffer.length;
        count -= chunk;
        notifyAll();
        return chunk;
    }

    private synchronized int available() {
        return count;
    }

    private synchronized void closeReader() {
        readerClosed = true;
        count = 0;
        notifyAll();
    }

    private void awaitChange() throws InterruptedIOException {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    /** The reading end. */
    InputStream inputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return BytePipe.this.read(b, off, len);
            }

            @Override
            public int available() {
                return BytePipe.this.available();
            }

            @Override
            public void close() {
                closeReader();
            }
        };
    }
}
