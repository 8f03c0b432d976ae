package io.karavel.apiserver.impl.http;

import io.karavel.api.store.Change;
import io.karavel.api.store.RevisionCompactedException;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.Watch;
import io.karavel.api.store.WatchListener;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.WatchPlan;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch response: a chunked 200 stream of newline-delimited JSON events, written
 * asynchronously so that no thread is held while the watch is idle.
 *
 * <p>The store calls {@link #onChange} on its own thread, which must not block: changes are only
 * queued there. A single drain at a time (guarded by {@code draining}) turns queued changes into
 * event lines on an executor thread and writes them with Jetty's non-blocking
 * {@code Response.write}; the write callback continues the drain. A watch whose queue grows past
 * {@link #MAX_QUEUED} is ended (the client re-watches from its last resourceVersion), so one slow
 * client cannot exhaust memory.
 */
final class WatchStream implements WatchListener {
    private static final Logger LOG = LoggerFactory.getLogger(WatchStream.class);

    static final int MAX_QUEUED = 10_000;
    private static final int MAX_BATCH_BYTES = 64 * 1024;
    private static final Object END = new Object();
    private static final Object BOOKMARK = new Object();

    private final WatchPlan plan;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final Executor executor;
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    /** The request's callback is completed exactly once: by the last write, or failed here. */
    private final AtomicBoolean completed = new AtomicBoolean();
    private volatile Watch watch;
    private volatile ScheduledFuture<?> timeout;
    private volatile ScheduledFuture<?> bookmarkTimer;
    /** The revision of the last change turned into bytes (only the drain touches it). */
    private volatile long drainedRevision;

    WatchStream(WatchPlan plan, Request request, Response response, Callback callback, Executor executor) {
        this.plan = plan;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.executor = executor;
    }

    /** Sends the headers and the initial events, then subscribes to the store. */
    void start(Store store, ScheduledExecutorService scheduler, java.time.Duration bookmarkInterval) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache, private");
        request.addFailureListener(this::fail);
        // Idle connections are normal for a watch: ignore idle timeouts. (Bookmarks, when the
        // client allows them, are written periodically, which also detects a client that went away.)
        request.addIdleTimeoutListener(t -> false);

        WatchPlan.Start start;
        try {
            start = plan.start(store);
        } catch (StoreException e) {
            enqueue(WatchPlan.errorEvent(ApiException.unavailable(e.getMessage())));
            enqueue(END);
            return;
        }
        drainedRevision = start.watchFrom();
        for (byte[] event : start.initialEvents()) {
            enqueue(event);
        }
        try {
            watch = store.watch(plan.prefix(), start.watchFrom(), this);
        } catch (RevisionCompactedException e) {
            enqueue(WatchPlan.errorEvent(ApiException.expired(
                    "too old resource version: " + start.watchFrom() + " (" + store.compactedRevision() + ")")));
            enqueue(END);
            return;
        } catch (StoreException e) {
            enqueue(WatchPlan.errorEvent(ApiException.unavailable(e.getMessage())));
            enqueue(END);
            return;
        }
        if (finished.get()) {
            watch.close();
            return;
        }
        timeout = scheduler.schedule(() -> enqueue(END), plan.timeoutSeconds(), TimeUnit.SECONDS);
        if (plan.bookmarks()) {
            long every = Math.max(1, bookmarkInterval.toMillis());
            bookmarkTimer = scheduler.scheduleAtFixedRate(() -> enqueue(BOOKMARK), every, every, TimeUnit.MILLISECONDS);
        }
        if (finished.get()) {
            closeWatch(); // ended while the timers were being set up: cancel them
            return;
        }
        if (start.initialEvents().isEmpty()) {
            // commit the headers now so the client sees 200 before the first event
            enqueue(new byte[0]);
        }
    }

    @Override
    public void onChange(Change change) {
        if (queued.get() >= MAX_QUEUED) {
            LOG.debug("watch on {} fell {} events behind: closing it", plan.prefix(), MAX_QUEUED);
            closeWatch();
            enqueue(END);
            return;
        }
        enqueue(change);
    }

    @Override
    public void onClose(StoreException reason) {
        if (reason instanceof RevisionCompactedException) {
            enqueue(WatchPlan.errorEvent(ApiException.expired(reason.getMessage())));
        }
        enqueue(END);
    }

    /** Client went away or the request failed: stop everything and fail the request once. */
    private void fail(Throwable failure) {
        if (finished.compareAndSet(false, true)) {
            closeWatch();
            queue.clear();
        }
        if (completed.compareAndSet(false, true)) {
            callback.failed(failure);
        }
    }

    private void closeWatch() {
        Watch w = watch;
        if (w != null) {
            w.close();
        }
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
        ScheduledFuture<?> b = bookmarkTimer;
        if (b != null) {
            b.cancel(false);
        }
    }

    private void enqueue(Object item) {
        if (finished.get()) {
            return;
        }
        queue.add(item);
        queued.incrementAndGet();
        if (draining.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    /** Writes what is queued, one Jetty write at a time; the write's callback continues. */
    private void drain() {
        if (finished.get()) {
            draining.set(false);
            return;
        }
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        boolean end = false;
        boolean flushEmpty = false;
        Object item;
        while (batch.size() < MAX_BATCH_BYTES && (item = queue.poll()) != null) {
            queued.decrementAndGet();
            if (item == END) {
                end = true;
                break;
            }
            byte[] line;
            try {
                line = toBytes(item);
            } catch (RuntimeException e) {
                LOG.warn("watch on {}: cannot render an event, ending the watch", plan.prefix(), e);
                end = true;
                break;
            }
            if (line != null) {
                if (line.length == 0) {
                    flushEmpty = true;
                }
                batch.writeBytes(line);
            }
        }
        if (end) {
            finish(batch);
            return;
        }
        if (batch.size() == 0 && !flushEmpty) {
            draining.set(false);
            // a change may have been queued after the poll returned null
            if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
                executor.execute(this::drain);
            }
            return;
        }
        response.write(false, ByteBuffer.wrap(batch.toByteArray()), Callback.from(
                () -> drain(),
                failure -> {
                    draining.set(false);
                    fail(failure);
                }));
    }

    private byte[] toBytes(Object item) {
        if (item instanceof byte[] bytes) {
            return bytes;
        }
        if (item instanceof Change change) {
            drainedRevision = change.revision();
            return plan.toEvent(change);
        }
        if (item == BOOKMARK) {
            // the revision of the last change written before it: resuming from it misses nothing
            return plan.bookmark(drainedRevision);
        }
        return null;
    }

    private void finish(ByteArrayOutputStream lastBytes) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        closeWatch();
        queue.clear();
        if (completed.compareAndSet(false, true)) {
            response.write(true, ByteBuffer.wrap(lastBytes.toByteArray()), callback);
        }
    }
}
