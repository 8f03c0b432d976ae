package io.karavel.controllers.support;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * Kubernetes timestamps ({@code metav1.Time}: RFC 3339, whole seconds) as the fabric8 model holds
 * them, as strings.
 */
public final class Times {
    private Times() {}

    /** The instant, or null when {@code value} is null, empty or not a timestamp. */
    public static Instant parse(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Whole seconds, UTC, as the API server writes {@code metav1.Time}. */
    public static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
