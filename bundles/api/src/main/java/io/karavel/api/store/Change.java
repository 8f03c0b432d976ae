package io.karavel.api.store;

import java.util.Objects;

/**
 * One committed write, as recorded in the change log and delivered to watches.
 *
 * @param revision the global revision of this write
 * @param type what happened
 * @param key the key written
 * @param value for {@link Type#CREATED} and {@link Type#UPDATED} the new value; for
 *     {@link Type#DELETED} the last value before deletion
 * @param createRevision the revision that created the key
 * @param previousValue for updates and deletes the value before this write (lets a filtered
 *     watch tell when an object leaves its selector); null for creates
 */
public record Change(
        long revision, Type type, String key, byte[] value, long createRevision, byte[] previousValue) {

    /** The kind of write. */
    public enum Type {
        CREATED,
        UPDATED,
        DELETED
    }

    public Change {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    /** The key's state after this change, with this change's revision as mod revision. */
    public KeyValue toKeyValue() {
        return new KeyValue(key, value, createRevision, revision);
    }
}
