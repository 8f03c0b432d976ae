package io.karavel.runtime.process.impl;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The CRI container log line format the kubelet reads:
 * {@code <RFC3339Nano time> <stdout|stderr> <F|P> <content>\n}, where {@code P} marks a partial
 * line continued by the next one and {@code F} the end of a line. Times are written with all nine
 * fraction digits, in UTC.
 */
final class CriLogFormat {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
            .withZone(ZoneOffset.UTC);

    private CriLogFormat() {
    }

    static byte[] prefix(Instant time, String stream, boolean partial) {
        return (TIME.format(time) + " " + stream + " " + (partial ? "P" : "F") + " ").getBytes(StandardCharsets.US_ASCII);
    }

    /** One parsed log file line. */
    record Entry(Instant time, String timeText, String stream, boolean partial, byte[] content) {
    }

    /** Parses one line of the log file (without its newline); {@code null} when it is malformed. */
    static Entry parse(byte[] line) {
        int first = indexOf(line, (byte) ' ', 0);
        int second = first < 0 ? -1 : indexOf(line, (byte) ' ', first + 1);
        int third = second < 0 ? -1 : indexOf(line, (byte) ' ', second + 1);
        if (third < 0) {
            return null;
        }
        String timeText = new String(line, 0, first, StandardCharsets.US_ASCII);
        Instant time;
        try {
            time = Instant.parse(timeText);
        } catch (RuntimeException e) {
            return null;
        }
        String stream = new String(line, first + 1, second - first - 1, StandardCharsets.US_ASCII);
        boolean partial = third - second == 2 && line[second + 1] == 'P';
        byte[] content = java.util.Arrays.copyOfRange(line, third + 1, line.length);
        return new Entry(time, timeText, stream, partial, content);
    }

    private static int indexOf(byte[] bytes, byte wanted, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
