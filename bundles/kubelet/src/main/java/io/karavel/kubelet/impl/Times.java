package io.karavel.kubelet.impl;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Kubernetes time stamps: RFC 3339 in UTC, whole seconds ({@code metav1.Time}). */
public final class Times {
    private Times() {
    }

    public static String format(Instant instant) {
        return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
