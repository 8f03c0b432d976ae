package io.karavel.api.store;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The cluster store: etcd-like semantics over one global revision.
 *
 * <ul>
 *   <li>Every committed {@link Mutation} gets the next revision; that revision becomes the
 *       key's {@link KeyValue#modRevision()} (the object's {@code metadata.resourceVersion}).
 *   <li>Writes are conditional: create-if-absent, compare-and-swap update and delete on the
 *       key's mod revision. {@link #commit} returns only once the write is durable: an
 *       acknowledged write survives {@code kill -9} of the process.
 *   <li>Reads ({@link #get}, {@link #list}) see only committed, durable writes, and a list is a
 *       consistent snapshot at the revision it reports.
 *   <li>{@link #watch} delivers every change after a revision, in revision order, with no gap
 *       and no duplicate, as long as that revision is still in the bounded history.
 * </ul>
 *
 * <p>Implementations are thread-safe. One is registered as an OSGi service; the API server and
 * controllers use whichever is bound (the embedded MapDB store, or the replicated store).
 */
@ProviderType
public interface Store {

    /** The revision of the last committed change; 0 for a store that never had a write. */
    long currentRevision();

    /**
     * The oldest revision a watch may start after. Watching from an older revision fails with
     * {@link RevisionCompactedException}: its history is gone (the API answers 410 Expired).
     */
    long compactedRevision();

    /** The current value of a key, if it exists. */
    Optional<KeyValue> get(String key);

    /**
     * Keys starting with {@code prefix}, in key order, as one consistent snapshot.
     *
     * @param prefix key prefix, usually ending with {@code /}
     * @param startAfter return only keys strictly greater than this one (paging); null for all
     * @param limit at most this many entries; 0 or negative for no limit
     */
    ListResult list(String prefix, String startAfter, int limit);

    /**
     * Applies one conditional write atomically and waits until it is durable.
     *
     * @return the key's new state; for a delete, the last state of the key with the deletion's
     *     revision as its {@code modRevision}
     * @throws KeyExistsException a create found the key present
     * @throws KeyNotFoundException an update or delete found the key absent
     * @throws ConflictException the key's mod revision differs from the expected one
     * @throws StoreUnavailableException the store cannot accept writes now (closed, failed disk,
     *     no leader); nothing was written
     */
    KeyValue commit(Mutation mutation);

    /** Shorthand for {@code commit(Mutation.create(key, value))}. */
    default KeyValue create(String key, byte[] value) {
        return commit(Mutation.create(key, value));
    }

    /** Shorthand for {@code commit(Mutation.update(key, value, expectedModRevision))}. */
    default KeyValue update(String key, byte[] value, long expectedModRevision) {
        return commit(Mutation.update(key, value, expectedModRevision));
    }

    /** Shorthand for {@code commit(Mutation.delete(key, expectedModRevision))}. */
    default KeyValue delete(String key, long expectedModRevision) {
        return commit(Mutation.delete(key, expectedModRevision));
    }

    /**
     * Watches every key starting with {@code prefix} for changes with a revision greater than
     * {@code afterRevision}: first the ones already in the history, then live ones, in revision
     * order, each exactly once.
     *
     * @throws RevisionCompactedException {@code afterRevision} is older than
     *     {@link #compactedRevision()}
     */
    Watch watch(String prefix, long afterRevision, WatchListener listener);
}
