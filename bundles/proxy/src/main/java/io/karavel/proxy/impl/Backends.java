package io.karavel.proxy.impl;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoints of one Service port and the connections open to them. The sync thread
 * {@linkplain #update updates} it as slices change; event loops {@linkplain #choose choose} from
 * the latest snapshot without locking: round-robin over the ready endpoints, or the client's
 * endpoint while its ClientIP affinity lasts.
 */
final class Backends {

    /** What the sync thread last published; immutable. */
    private record Snapshot(List<InetSocketAddress> ready, Set<InetSocketAddress> readySet,
                            Set<InetSocketAddress> known, long affinityNanos) {}

    /** A client's endpoint under ClientIP affinity and when the client last opened a connection. */
    private static final class Sticky {
        final InetSocketAddress endpoint;
        volatile long lastNanos;

        Sticky(InetSocketAddress endpoint, long lastNanos) {
            this.endpoint = endpoint;
            this.lastNanos = lastNanos;
        }
    }

    private volatile Snapshot snapshot = new Snapshot(List.of(), Set.of(), Set.of(), 0);
    private final AtomicInteger next = new AtomicInteger();
    private final Map<InetAddress, Sticky> affinity = new ConcurrentHashMap<>();
    private final Map<InetSocketAddress, Set<Channel>> open = new ConcurrentHashMap<>();

    /**
     * Publishes new endpoints and closes the connections to endpoints that are gone from every
     * slice (as Kubernetes does; an endpoint that is only no longer ready keeps its connections).
     *
     * @param ready the ready endpoints, in a stable order
     * @param known every endpoint in the slices, ready or not
     * @param affinityTimeout ClientIP affinity timeout, or null without affinity
     */
    void update(List<InetSocketAddress> ready, Set<InetSocketAddress> known, Duration affinityTimeout) {
        long affinityNanos = affinityTimeout == null ? 0 : Math.max(1, affinityTimeout.toNanos());
        Snapshot now = new Snapshot(List.copyOf(ready), Set.copyOf(ready), Set.copyOf(known), affinityNanos);
        snapshot = now;
        if (affinityNanos == 0) {
            affinity.clear();
        } else {
            affinity.values().removeIf(s -> !now.readySet().contains(s.endpoint));
        }
        // A connection registers before it checks the snapshot (see track), and the snapshot is
        // published before this sweep: no connection to a removed endpoint escapes both.
        for (InetSocketAddress endpoint : List.copyOf(open.keySet())) {
            if (!now.known().contains(endpoint)) {
                closeConnections(endpoint);
            }
        }
    }

    boolean hasReady() {
        return !snapshot.ready().isEmpty();
    }

    /**
     * The endpoint for a new connection (or UDP session) from {@code client}, skipping those in
     * {@code tried} (endpoints that refused this connection already); null when none is left.
     */
    InetSocketAddress choose(InetAddress client, Set<InetSocketAddress> tried) {
        Snapshot s = snapshot;
        List<InetSocketAddress> ready = s.ready();
        if (ready.isEmpty()) {
            return null;
        }
        long now = System.nanoTime();
        if (s.affinityNanos() > 0) {
            Sticky sticky = affinity.get(client);
            if (sticky != null && now - sticky.lastNanos <= s.affinityNanos()
                    && s.readySet().contains(sticky.endpoint) && !tried.contains(sticky.endpoint)) {
                sticky.lastNanos = now;
                return sticky.endpoint;
            }
        }
        int start = next.getAndIncrement();
        for (int i = 0; i < ready.size(); i++) {
            InetSocketAddress endpoint = ready.get(Math.floorMod(start + i, ready.size()));
            if (!tried.contains(endpoint)) {
                if (s.affinityNanos() > 0) {
                    affinity.put(client, new Sticky(endpoint, now));
                }
                return endpoint;
            }
        }
        return null;
    }

    /** How many endpoints a connection may try before giving up: each ready one, at most {@code max}. */
    int attempts(int max) {
        return Math.max(1, Math.min(max, snapshot.ready().size()));
    }

    /**
     * Registers a connection (the client side of a TCP pair, or a UDP session's backend channel)
     * to {@code endpoint}, to be closed if the endpoint is removed. Returns false, registering
     * nothing, when the endpoint was removed meanwhile: the caller closes the connection.
     */
    boolean track(InetSocketAddress endpoint, Channel channel) {
        Set<Channel> channels = open.computeIfAbsent(endpoint, e -> ConcurrentHashMap.newKeySet());
        channels.add(channel);
        channel.closeFuture().addListener(f -> {
            channels.remove(channel);
            if (channels.isEmpty()) {
                open.remove(endpoint, channels);
            }
        });
        if (!snapshot.known().contains(endpoint)) {
            channels.remove(channel);
            return false;
        }
        return true;
    }

    /** Connections open to {@code endpoint} (for tests and introspection). */
    int openConnections(InetSocketAddress endpoint) {
        Set<Channel> channels = open.get(endpoint);
        return channels == null ? 0 : channels.size();
    }

    /** Drops expired ClientIP affinities (periodically, so idle clients do not pile up). */
    void expireAffinity() {
        long ttl = snapshot.affinityNanos();
        if (ttl > 0) {
            long now = System.nanoTime();
            affinity.values().removeIf(s -> now - s.lastNanos > ttl);
        }
    }

    /** The Service port is gone: closes every connection. */
    void closeAll() {
        snapshot = new Snapshot(List.of(), Set.of(), Set.of(), 0);
        affinity.clear();
        for (InetSocketAddress endpoint : List.copyOf(open.keySet())) {
            closeConnections(endpoint);
        }
    }

    private void closeConnections(InetSocketAddress endpoint) {
        Set<Channel> channels = open.remove(endpoint);
        if (channels != null) {
            for (Channel channel : new ArrayList<>(channels)) {
                channel.close();
            }
        }
    }
}
