package io.karavel.apiserver.impl.strategy;

import java.util.Map;

/** Checks on labels and annotations every kind shares. */
public final class ObjectMetaRules {
    private static final int MAX_ANNOTATION_BYTES = 256 * 1024;

    private ObjectMetaRules() {}

    public static void validateLabels(Map<String, String> labels, String path, FieldErrors errors) {
        if (labels == null) {
            return;
        }
        labels.forEach(
                (k, v) -> {
                    String badKey = Names.checkLabelKey(k);
                    if (badKey != null) {
                        errors.invalid(path, k, badKey);
                    }
                    String badValue = v == null ? null : Names.checkLabelValue(v);
                    if (badValue != null) {
                        errors.invalid(path, v, badValue);
                    }
                });
    }

    public static void validateAnnotations(Map<String, String> annotations, String path, FieldErrors errors) {
        if (annotations == null) {
            return;
        }
        long total = 0;
        for (Map.Entry<String, String> e : annotations.entrySet()) {
            String badKey = Names.checkLabelKey(e.getKey());
            if (badKey != null) {
                errors.invalid(path, e.getKey(), badKey);
            }
            total += e.getKey().length() + (e.getValue() == null ? 0 : e.getValue().length());
        }
        if (total > MAX_ANNOTATION_BYTES) {
            errors.invalid(path, "", "Too long: must have at most 262144 bytes");
        }
    }
}
