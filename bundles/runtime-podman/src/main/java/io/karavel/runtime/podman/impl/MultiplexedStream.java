package io.karavel.runtime.podman.impl;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the multiplexed stream format of the Docker/libpod API (logs, and exec without a tty):
 * frames of an 8-byte header (stream number: 0 stdin, 1 stdout, 2 stderr; three zero bytes; the
 * payload size as a 32-bit big-endian integer) followed by the payload.
 */
final class MultiplexedStream {
    static final int STDOUT = 1;
    static final int STDERR = 2;

    /** One frame: which stream it belongs to and its bytes. */
    record Frame(int stream, byte[] payload) {
    }

    private final InputStream in;
    private final byte[] header = new byte[8];

    MultiplexedStream(InputStream in) {
        this.in = in;
    }

    /** The next frame, {@code null} at the end of the stream. */
    Frame next() throws IOException {
        int read = in.readNBytes(header, 0, 8);
        if (read == 0) {
            return null;
        }
        if (read < 8) {
            throw new EOFException("multiplexed stream ended inside a frame header");
        }
        int size = ((header[4] & 0xff) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8)
                | (header[7] & 0xff);
        if (size < 0) {
            throw new IOException("multiplexed stream frame of negative size " + size);
        }
        byte[] payload = in.readNBytes(size);
        if (payload.length < size) {
            throw new EOFException("multiplexed stream ended inside a frame");
        }
        return new Frame(header[0], payload);
    }
}
