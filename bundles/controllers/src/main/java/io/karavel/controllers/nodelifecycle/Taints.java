package io.karavel.controllers.nodelifecycle;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Taint and toleration rules, as in Kubernetes' {@code v1helper.TolerationsTolerateTaint}. */
final class Taints {
    static final String NO_EXECUTE = "NoExecute";
    static final String NO_SCHEDULE = "NoSchedule";

    private Taints() {}

    static boolean sameKeyAndEffect(Taint a, Taint b) {
        return a.getKey().equals(b.getKey()) && a.getEffect().equals(b.getEffect());
    }

    /** Whether {@code toleration} tolerates {@code taint} (key, operator and effect). */
    static boolean tolerates(Toleration toleration, Taint taint) {
        String effect = toleration.getEffect();
        if (effect != null && !effect.isEmpty() && !effect.equals(taint.getEffect())) {
            return false;
        }
        String key = toleration.getKey();
        String operator = toleration.getOperator() == null || toleration.getOperator().isEmpty() ? "Equal" : toleration.getOperator();
        if (key == null || key.isEmpty()) {
            // An empty key with Exists tolerates every taint; with Equal it is invalid and tolerates nothing.
            return "Exists".equals(operator);
        }
        if (!key.equals(taint.getKey())) {
            return false;
        }
        return switch (operator) {
            case "Exists" -> true;
            case "Equal" -> nullToEmpty(toleration.getValue()).equals(nullToEmpty(taint.getValue()));
            default -> false;
        };
    }

    static List<Toleration> matching(List<Toleration> tolerations, Taint taint) {
        return tolerations == null ? List.of() : tolerations.stream().filter(t -> tolerates(t, taint)).toList();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** RFC 3339 with second precision, as Kubernetes writes {@code metav1.Time}. */
    static String format(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Parses a {@code metav1.Time} or {@code MicroTime}; null when absent or malformed. */
    static Instant parse(String time) {
        if (time == null || time.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(time);
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(time).toInstant();
            } catch (DateTimeParseException again) {
                return null;
            }
        }
    }
}
