package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.store.Change;
import io.karavel.apiserver.impl.registry.ResourceType;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Parses each store change once for every watch stream it reaches. The store hands the same
 * {@link Change} instance to all watches of a prefix, and a change to a pod reaches every node
 * agent's watch (each filtering by {@code spec.nodeName}): parsing it once per watcher made the
 * fan-out cost grow with nodes times writes. This is the work kube-apiserver's watch cache saves.
 *
 * <p>The decoded objects are shared between threads and must not be modified. A small ring keyed
 * by the change instance: a miss only costs a second parse.
 */
public final class DecodedChanges {
    private static final int SLOTS = 4096;

    private record Decoded(Change change, String apiVersion, ObjectNode current, ObjectNode previous) {}

    private final AtomicReferenceArray<Decoded> slots = new AtomicReferenceArray<>(SLOTS);

    /** The object after {@code change}, served as {@code type} (resourceVersion set). Read only. */
    ObjectNode current(Change change, ResourceType type) {
        return lookup(change, type).current();
    }

    /** The object before an update, or null when the change carries none. Read only. */
    ObjectNode previous(Change change, ResourceType type) {
        return lookup(change, type).previous();
    }

    private Decoded lookup(Change change, ResourceType type) {
        int slot = (int) (change.revision() & (SLOTS - 1));
        Decoded decoded = slots.get(slot);
        if (decoded != null && decoded.change() == change && decoded.apiVersion().equals(type.apiVersion())) {
            return decoded;
        }
        decoded = new Decoded(change, type.apiVersion(), ResourceService.served(type, change.toKeyValue()),
                change.previousValue() == null ? null : Json.readObject(change.previousValue()));
        slots.set(slot, decoded);
        return decoded;
    }
}
