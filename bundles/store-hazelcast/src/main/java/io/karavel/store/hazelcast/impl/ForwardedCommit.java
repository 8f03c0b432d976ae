package io.karavel.store.hazelcast.impl;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import io.karavel.api.store.ConflictException;
import io.karavel.api.store.KeyExistsException;
import io.karavel.api.store.KeyNotFoundException;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.Mutation;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.StoreUnavailableException;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A follower's write, run on the leader's member: the {@link Mutation} travels as it is (the SPI
 * made it a value object for this) and comes back as the committed key or the store's error.
 */
final class ForwardedCommit implements Callable<ForwardedCommit.Result>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;

    private final Mutation.Type type;
    private final String key;
    private final byte[] value;
    private final long expectedModRevision;
    private transient HazelcastInstance instance;

    ForwardedCommit(Mutation mutation) {
        this.type = mutation.type();
        this.key = mutation.key();
        this.value = mutation.value();
        this.expectedModRevision = mutation.expectedModRevision();
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.instance = hazelcastInstance;
    }

    @Override
    public Result call() {
        ReplicatedStore store = ReplicatedStore.running(instance.getName());
        if (store == null) {
            return Result.failed(new StoreUnavailableException("the store on the leader is stopping"));
        }
        try {
            return Result.of(store.commitAsLeader(new Mutation(type, key, value, expectedModRevision)));
        } catch (StoreException e) {
            return Result.failed(e);
        }
    }

    /** The outcome, as plain data (no exception classes cross the wire). */
    record Result(String error, String message, String key, byte[] value, long createRevision, long modRevision)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        static Result of(KeyValue kv) {
            return new Result(null, null, kv.key(), kv.value(), kv.createRevision(), kv.modRevision());
        }

        static Result failed(StoreException e) {
            String kind = e instanceof KeyExistsException ? "exists"
                    : e instanceof KeyNotFoundException ? "notfound"
                    : e instanceof ConflictException ? "conflict"
                    : "unavailable";
            return new Result(kind, e.getMessage(), null, null, 0, 0);
        }

        /** The committed key, or the leader's error thrown again here. */
        KeyValue keyValueOrThrow() {
            if (error == null) {
                return new KeyValue(key, value, createRevision, modRevision);
            }
            throw switch (error) {
                case "exists" -> new KeyExistsException(message);
                case "notfound" -> new KeyNotFoundException(message);
                case "conflict" -> new ConflictException(message);
                default -> new StoreUnavailableException(message);
            };
        }
    }
}
