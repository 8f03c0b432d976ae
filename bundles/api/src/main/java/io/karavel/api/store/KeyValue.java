package io.karavel.api.store;

import java.util.Objects;

/**
 * One key's state at a revision.
 *
 * @param key the key
 * @param value the stored bytes; never modified after construction, callers must not change them
 * @param createRevision revision of the write that created the key
 * @param modRevision revision of the last write to the key (its {@code resourceVersion})
 */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
