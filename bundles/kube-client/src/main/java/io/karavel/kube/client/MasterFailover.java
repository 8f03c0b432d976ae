package io.karavel.kube.client;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.http.StandardHttpRequest;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spreads one fabric8 client over several API servers (the masters of an HA control plane): every
 * request goes to the current master, which stays the same until it fails. A connection failure
 * (refused, timed out, reset), a request timeout or an HTTP 503 moves the client to the next master
 * in the list, and fabric8's own retry then repeats the request there; one request tries each master
 * at most once. Moving on also ends the watch streams still open on the master left behind (a
 * paused master keeps them open and silent), and their informers reconnect to the next one.
 *
 * <p>fabric8 runs {@link #before} for every attempt of a request, passing the caller's request
 * object each time, and later hands that same object to {@link #afterConnectionFailure}; that is
 * how the failed master of an attempt is known. It holds only while this interceptor is the first
 * one of the client (see {@link NodeClients}): later interceptors see per-attempt copies.
 */
final class MasterFailover implements Interceptor {
    static final String NAME = "karavel-master-failover";

    private static final Logger LOG = LoggerFactory.getLogger(MasterFailover.class);

    private final List<String> masters;
    private final AtomicInteger current = new AtomicInteger();
    // Weak keys: an entry lives as long as fabric8 holds the request, i.e. until its last attempt.
    private final Map<HttpRequest, Attempts> attempts = Collections.synchronizedMap(new WeakHashMap<>());
    /** The open watch streams, by master; each leaves the map when it ends. */
    private final Map<AsyncBody, Integer> streams = new ConcurrentHashMap<>();

    /** @param masters the API servers' base URLs, without a trailing slash, the preferred one first */
    MasterFailover(List<String> masters) {
        this.masters = List.copyOf(masters);
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        String uri = request.uri().toString();
        int addressed = masterOf(uri);
        if (addressed < 0) {
            return; // addressed elsewhere than to an API server: left alone
        }
        int target = attempts.computeIfAbsent(request, r -> new Attempts()).next(current.get(), masters.size());
        if (target != addressed) {
            builder.uri(URI.create(masters.get(target) + uri.substring(masters.get(addressed).length())));
        }
    }

    @Override
    public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        int master = masterOf(request.uri().toString());
        if (master < 0) {
            return;
        }
        if (response.code() == 503) {
            // A master without a leader (or without a CP majority) answers 503: another one may have one.
            moveOn(master, "answered 503");
        } else if (response.isSuccessful() && request instanceof StandardHttpRequest standard
                && standard.isForStreaming() && response.body() instanceof AsyncBody body) {
            streams.put(body, master);
            body.done().whenComplete((ignored, error) -> streams.remove(body));
        }
    }

    @Override
    public void afterConnectionFailure(HttpRequest request, Throwable failure) {
        Attempts tried = attempts.get(request);
        if (tried != null && (failure instanceof IOException || failure instanceof TimeoutException)) {
            moveOn(tried.last(), "unreachable (" + failure + ")");
        }
    }

    /**
     * Moves from {@code failed} to the next master, unless another request already moved on: many
     * requests in flight fail together when a master goes, and they must move the client once.
     */
    private void moveOn(int failed, String why) {
        int next = (failed + 1) % masters.size();
        if (current.compareAndSet(failed, next)) {
            LOG.warn("API server {} {}: using {} from now on", masters.get(failed), why, masters.get(next));
            streams.forEach((body, master) -> {
                if (master == failed) {
                    body.cancel();
                }
            });
        }
    }

    /** The index of the master {@code uri} is addressed to, or -1. */
    private int masterOf(String uri) {
        for (int i = 0; i < masters.size(); i++) {
            String base = masters.get(i);
            if (uri.regionMatches(true, 0, base, 0, base.length())
                    && (uri.length() == base.length() || "/?#".indexOf(uri.charAt(base.length())) >= 0)) {
                return i;
            }
        }
        return -1;
    }

    /** The masters one request has tried. */
    private static final class Attempts {
        private final BitSet tried = new BitSet();
        private int last;

        /** The first master not tried yet from {@code current} on (list order); {@code current} when all were. */
        synchronized int next(int current, int count) {
            last = current;
            for (int i = 0; i < count; i++) {
                int candidate = (current + i) % count;
                if (!tried.get(candidate)) {
                    last = candidate;
                    break;
                }
            }
            tried.set(last);
            return last;
        }

        synchronized int last() {
            return last;
        }
    }
}
