package io.karavel.api.runtime;

/** Kubernetes' {@code imagePullPolicy}. */
public enum ImagePullPolicy {
    /** Pull every time a container starts; a failed pull with a local copy still fails. */
    ALWAYS,
    /** Use the local image; pull only when there is none. */
    IF_NOT_PRESENT,
    /** Use the local image; never pull. */
    NEVER;

    /**
     * The policy of a container spec, with Kubernetes' default: {@code Always} for an image
     * without tag or tagged {@code :latest}, {@code IfNotPresent} otherwise.
     */
    public static ImagePullPolicy of(String specValue, String image) {
        if (specValue != null && !specValue.isEmpty()) {
            switch (specValue) {
                case "Always": return ALWAYS;
                case "IfNotPresent": return IF_NOT_PRESENT;
                case "Never": return NEVER;
                default: throw new IllegalArgumentException("unknown imagePullPolicy " + specValue);
            }
        }
        String afterRegistry = image.substring(image.lastIndexOf('/') + 1);
        if (afterRegistry.contains("@")) {
            return IF_NOT_PRESENT;
        }
        int colon = afterRegistry.lastIndexOf(':');
        return colon < 0 || afterRegistry.substring(colon + 1).equals("latest") ? ALWAYS : IF_NOT_PRESENT;
    }
}
