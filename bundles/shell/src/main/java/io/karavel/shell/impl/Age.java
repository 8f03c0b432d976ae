package io.karavel.shell.impl;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Ages as kubectl prints them ({@code 45s}, {@code 3m12s}, {@code 5h10m}, {@code 3d4h},
 * {@code 400d}, {@code 2y30d}): the rules of Kubernetes' {@code duration.HumanDuration}, which
 * give more precision to young objects.
 */
final class Age {

    private Age() {}

    /** The age of an object created at {@code timestamp} (RFC 3339), or {@code <unknown>}. */
    static String since(String timestamp, Instant now) {
        if (timestamp == null || timestamp.isEmpty()) {
            return "<unknown>";
        }
        try {
            return human(Duration.between(Instant.parse(timestamp), now));
        } catch (DateTimeParseException e) {
            return "<unknown>";
        }
    }

    static String human(Duration duration) {
        long seconds = duration.getSeconds();
        if (seconds < -1) {
            return "<invalid>"; // clock skew beyond rounding
        }
        if (seconds < 0) {
            return "0s";
        }
        if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        }
        if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        }
        if (hours < 48) {
            return hours + "h";
        }
        if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        }
        if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        }
        if (hours < 24 * 365 * 8) {
            long d = (hours / 24) % 365;
            return d == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + d + "d";
        }
        return hours / 24 / 365 + "y";
    }
}
