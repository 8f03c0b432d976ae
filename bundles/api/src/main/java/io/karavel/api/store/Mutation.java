package io.karavel.api.store;

import java.util.Objects;

/**
 * One conditional write. A value object so that a replicated store can forward it to the leader
 * as it is.
 *
 * @param type create, update or delete
 * @param key the key
 * @param value the new value; null for deletes
 * @param expectedModRevision for updates and deletes: the mod revision the key must have, or 0
 *     for an unconditional write; ignored for creates
 */
public record Mutation(Type type, String key, byte[] value, long expectedModRevision) {

    /** The kind of write. */
    public enum Type {
        CREATE,
        UPDATE,
        DELETE
    }

    public Mutation {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
        if (type != Type.DELETE) {
            Objects.requireNonNull(value, "value");
        }
        if (expectedModRevision < 0) {
            throw new IllegalArgumentException("expectedModRevision must be >= 0");
        }
    }

    /** Creates the key; fails with {@link KeyExistsException} if it exists. */
    public static Mutation create(String key, byte[] value) {
        return new Mutation(Type.CREATE, key, value, 0);
    }

    /** Replaces the key's value; {@code expectedModRevision} 0 means unconditional. */
    public static Mutation update(String key, byte[] value, long expectedModRevision) {
        return new Mutation(Type.UPDATE, key, value, expectedModRevision);
    }

    /** Deletes the key; {@code expectedModRevision} 0 means unconditional. */
    public static Mutation delete(String key, long expectedModRevision) {
        return new Mutation(Type.DELETE, key, null, expectedModRevision);
    }
}
