package io.karavel.api.runtime;

import java.time.Instant;

/**
 * What {@link ContainerRuntime#logs} writes, after {@code kubectl logs}' options.
 *
 * @param follow keep streaming new lines until the container exits
 * @param tailLines only the last N lines, {@code -1} for all
 * @param timestamps prefix each line with its RFC 3339 time (nanoseconds) and a space
 * @param sinceTime only lines logged at or after this time, {@code null} for all
 * @param limitBytes stop after this many bytes, {@code -1} for no limit
 */
public record LogOptions(boolean follow, long tailLines, boolean timestamps, Instant sinceTime, long limitBytes) {
    /** Everything, once. */
    public static final LogOptions ALL = new LogOptions(false, -1, false, null, -1);
}
