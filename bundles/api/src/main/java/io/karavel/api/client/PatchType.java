package io.karavel.api.client;

/** The patch formats the API server accepts, with their media types. */
public enum PatchType {
    /** RFC 6902 JSON patch. */
    JSON("application/json-patch+json"),
    /** RFC 7386 JSON merge patch. */
    MERGE("application/merge-patch+json"),
    /** Kubernetes strategic merge patch (built-in kinds only). */
    STRATEGIC_MERGE("application/strategic-merge-patch+json");

    private final String contentType;

    PatchType(String contentType) {
        this.contentType = contentType;
    }

    public String contentType() {
        return contentType;
    }
}
