package io.karavel.apiserver.impl.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.store.ConflictException;
import io.karavel.api.store.KeyExistsException;
import io.karavel.api.store.KeyNotFoundException;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.Store;
import io.karavel.apiserver.impl.rest.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * Allocates integers of a range (IP offsets, node ports) as store keys, one key per allocated
 * value, written with create-if-absent. The store is the only authority: two API servers sharing
 * a store cannot hand out the same value, and allocations survive restarts. Nothing is cached.
 *
 * <p>Values are picked at random (as Kubernetes does), preferring the upper part of the range:
 * the lower "static band" (1/16 of the range, 16 to 256 values) is left for values users or the
 * API server itself ask for explicitly, such as kube-dns's range base + 10 (Kubernetes' KEP-3070
 * and KEP-3668).
 *
 * <p>Each key's value records the owner Service and when it was allocated (JSON).
 */
final class StoreAllocator {
    /** Random guesses before listing the allocated values: a sparse range rarely needs the list. */
    private static final int RANDOM_TRIES = 4;
    /** Lost create races before giving up (each retry re-lists the allocated values). */
    private static final int MAX_LIST_ATTEMPTS = 64;

    /** One allocation as stored. */
    record Allocation(String key, int value, AllocationOwner owner, Instant allocatedAt, long modRevision) {}

    /** What an explicit allocation found. */
    enum Outcome {
        ALLOCATED,
        /** the value already belongs to this owner (its uid) */
        ALREADY_OWNED,
        TAKEN
    }

    /** No free value is left. */
    static final class RangeFullException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RangeFullException() {
            super("range is full");
        }
    }

    private final Store store;
    private final String prefix;
    private final int first;
    private final int last;
    private final int staticBandEnd;
    private final IntFunction<String> nameOf;
    private final ToIntFunction<String> valueOf;
    private final Clock clock;

    /**
     * @param prefix the keys' prefix, ending with {@code /}
     * @param first lowest value handed out
     * @param last highest value handed out
     * @param nameOf the key name (after the prefix) of a value
     * @param valueOf the value of a key name, or -1 for names outside the range
     */
    StoreAllocator(Store store, String prefix, int first, int last, IntFunction<String> nameOf,
            ToIntFunction<String> valueOf, Clock clock) {
        this.store = store;
        this.prefix = prefix;
        this.first = first;
        this.last = last;
        int size = last - first + 1;
        int band = Math.min(Math.max(size / 16, 16), 256);
        // a tiny range has no static band: every value is dynamic
        this.staticBandEnd = band >= size ? first - 1 : first + band - 1;
        this.nameOf = nameOf;
        this.valueOf = valueOf;
        this.clock = clock;
    }

    String prefix() {
        return prefix;
    }

    String key(int value) {
        return prefix + nameOf.apply(value);
    }

    /** Allocates {@code value} for {@code owner} unless someone else holds it. */
    Outcome allocate(int value, AllocationOwner owner) {
        try {
            store.create(key(value), encode(owner));
            return Outcome.ALLOCATED;
        } catch (KeyExistsException e) {
            Optional<Allocation> current = get(value);
            if (current.isEmpty()) {
                return allocate(value, owner); // released meanwhile
            }
            return owner.uid().equals(current.get().owner().uid()) ? Outcome.ALREADY_OWNED : Outcome.TAKEN;
        }
    }

    /** Allocates some free value for {@code owner}. */
    int allocateNext(AllocationOwner owner) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int dynamicFirst = staticBandEnd + 1;
        for (int i = 0; i < RANDOM_TRIES; i++) {
            int candidate = dynamicFirst + random.nextInt(last - dynamicFirst + 1);
            if (tryCreate(candidate, owner)) {
                return candidate;
            }
        }
        for (int attempt = 0; attempt < MAX_LIST_ATTEMPTS; attempt++) {
            int candidate = pickFree(allocatedValues(), random);
            if (candidate < 0) {
                throw new RangeFullException();
            }
            if (tryCreate(candidate, owner)) {
                return candidate;
            }
        }
        throw new IllegalStateException("lost " + MAX_LIST_ATTEMPTS + " allocation races in a row under " + prefix);
    }

    /** A value that is free now, without allocating it (dry runs); -1 when the range is full. */
    int peekFree() {
        return pickFree(allocatedValues(), ThreadLocalRandom.current());
    }

    boolean isFree(int value) {
        return store.get(key(value)).isEmpty();
    }

    Optional<Allocation> get(int value) {
        return store.get(key(value)).map(this::decode);
    }

    /** Releases {@code value} if {@code uid} owns it; an allocation of someone else stays. */
    void release(int value, String uid) {
        for (int attempt = 0; attempt < 4; attempt++) {
            Optional<Allocation> current = get(value);
            if (current.isEmpty() || !uid.equals(current.get().owner().uid())) {
                return;
            }
            if (releaseIfUnchanged(current.get())) {
                return;
            }
        }
    }

    /** Deletes exactly this allocation; false when it changed or went meanwhile. */
    boolean releaseIfUnchanged(Allocation allocation) {
        try {
            store.delete(allocation.key(), allocation.modRevision());
            return true;
        } catch (ConflictException | KeyNotFoundException e) {
            return false;
        }
    }

    /** Every allocation of this range, in key order. Keys of values outside the range are skipped. */
    List<Allocation> list() {
        List<Allocation> out = new ArrayList<>();
        for (KeyValue kv : store.list(prefix, null, 0).items()) {
            Allocation a = decode(kv);
            if (a.value() >= first && a.value() <= last) {
                out.add(a);
            }
        }
        return out;
    }

    private BitSet allocatedValues() {
        BitSet used = new BitSet();
        for (KeyValue kv : store.list(prefix, null, 0).items()) {
            int value = valueOf.applyAsInt(kv.key().substring(prefix.length()));
            if (value >= first && value <= last) {
                used.set(value - first);
            }
        }
        return used;
    }

    /** A random free value, from the dynamic part of the range first; -1 if none is free. */
    private int pickFree(BitSet used, ThreadLocalRandom random) {
        int dynamicFirst = staticBandEnd + 1;
        int picked = pickFree(used, random, dynamicFirst, last);
        return picked >= 0 ? picked : pickFree(used, random, first, staticBandEnd);
    }

    private int pickFree(BitSet used, ThreadLocalRandom random, int from, int to) {
        if (from > to) {
            return -1;
        }
        // scan from a random start, wrapping: every free value can be found, none is favoured much
        int size = to - from + 1;
        int start = random.nextInt(size);
        int free = used.nextClearBit(from - first + start);
        if (free <= to - first) {
            return free + first;
        }
        free = used.nextClearBit(from - first);
        return free <= to - first && free < from - first + start ? free + first : -1;
    }

    private boolean tryCreate(int value, AllocationOwner owner) {
        try {
            store.create(key(value), encode(owner));
            return true;
        } catch (KeyExistsException e) {
            return false;
        }
    }

    private byte[] encode(AllocationOwner owner) {
        ObjectNode node = Json.object();
        node.put("namespace", owner.namespace());
        node.put("name", owner.name());
        node.put("uid", owner.uid());
        node.put("allocatedAt", clock.instant().toString());
        return Json.bytes(node);
    }

    private Allocation decode(KeyValue kv) {
        String name = kv.key().substring(prefix.length());
        ObjectNode node;
        try {
            node = Json.readObject(kv.value());
        } catch (RuntimeException e) {
            node = Json.object();
        }
        Instant at;
        try {
            at = Instant.parse(node.path("allocatedAt").asText(""));
        } catch (DateTimeParseException e) {
            at = Instant.EPOCH; // unreadable: old enough for the repair to judge it on its owner alone
        }
        AllocationOwner owner = new AllocationOwner(
                node.path("namespace").asText(""), node.path("name").asText(""), node.path("uid").asText(""));
        return new Allocation(kv.key(), valueOf.applyAsInt(name), owner, at, kv.modRevision());
    }
}
