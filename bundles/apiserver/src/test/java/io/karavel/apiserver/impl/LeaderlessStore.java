package io.karavel.apiserver.impl;

import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Mutation;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.api.store.Watch;
import io.karavel.api.store.WatchListener;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store as a follower master sees it while there is no leader: reads and watches work, every
 * write is refused with {@link StoreUnavailableException} (until {@link #leaderElected()}).
 */
final class LeaderlessStore implements Store {
    static final String NO_LEADER = "no leader: the masters are electing one; retry shortly";

    private final Store replica;
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean leaderless = true;

    LeaderlessStore(Store replica) {
        this.replica = replica;
    }

    void leaderElected() {
        leaderless = false;
    }

    void leaderLost() {
        leaderless = true;
    }

    /** Writes refused so far. */
    int refused() {
        return refused.get();
    }

    @Override
    public KeyValue commit(Mutation mutation) {
        if (leaderless) {
            refused.incrementAndGet();
            throw new StoreUnavailableException(NO_LEADER);
        }
        return replica.commit(mutation);
    }

    @Override
    public long currentRevision() {
        return replica.currentRevision();
    }

    @Override
    public long compactedRevision() {
        return replica.compactedRevision();
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return replica.get(key);
    }

    @Override
    public ListResult list(String prefix, String startAfter, int limit) {
        return replica.list(prefix, startAfter, limit);
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        return replica.watch(prefix, afterRevision, listener);
    }
}
