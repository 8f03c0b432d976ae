package io.karavel.controller.runtime.impl;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.EventRecorder;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a component's v1 Events through the {@link ObjectClient}, as client-go's event
 * broadcaster with its correlator: a repeat of the same event (same object, type, reason and
 * message) among the recently written ones bumps that Event's {@code count} and
 * {@code lastTimestamp} instead of creating another. Writes run on the {@link Writer}'s single
 * thread behind a bounded queue; a full queue or a failed write costs the event, never the caller.
 */
final class ApiEventRecorder implements EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(ApiEventRecorder.class);

    private final String component;
    private final Writer writer;

    ApiEventRecorder(String component, Writer writer) {
        this.component = component;
        this.writer = writer;
    }

    @Override
    public void event(HasMetadata regarding, String type, String reason, String message) {
        try {
            writer.submit(component, regarding, type, reason, message);
        } catch (RuntimeException e) {
            LOG.debug("event {} from {} not recorded: {}", reason, component, e.toString());
        }
    }

    /** The writing thread, shared by every recorder of a runtime. */
    static final class Writer implements AutoCloseable {
        private static final int RECENT = 4096;

        private final ObjectClient client;
        private final Clock clock;
        private final ThreadPoolExecutor executor;
        private final AtomicLong sequence = new AtomicLong();
        private final AtomicLong dropped = new AtomicLong();
        /** Correlation key to the Event last written for it; only the writer thread uses it. */
        private final Map<String, Event> recent = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Event> eldest) {
                return size() > RECENT;
            }
        };

        Writer(ObjectClient client, int queueSize, Clock clock) {
            this.client = client;
            this.clock = clock;
            this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                    new ArrayBlockingQueue<>(Math.max(1, queueSize)), r -> {
                        Thread t = new Thread(r, "karavel-controller-events");
                        t.setDaemon(true);
                        return t;
                    }, new ThreadPoolExecutor.AbortPolicy());
        }

        /** Events not recorded because the queue was full. */
        long dropped() {
            return dropped.get();
        }

        void submit(String component, HasMetadata regarding, String type, String reason, String message) {
            // read what is needed now: the caller may hand us a cached object that changes later
            String apiVersion = regarding.getApiVersion();
            String kind = regarding.getKind();
            String namespace = regarding.getMetadata().getNamespace();
            String name = regarding.getMetadata().getName();
            String uid = regarding.getMetadata().getUid();
            String resourceVersion = regarding.getMetadata().getResourceVersion();
            String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
            String eventName = name + "." + Long.toHexString(System.currentTimeMillis() * 1000 + sequence.incrementAndGet() % 1000);
            String eventNamespace = namespace == null || namespace.isEmpty() ? "default" : namespace;
            String key = String.join("|", component, kind, eventNamespace, name, String.valueOf(uid), type, reason,
                    message);
            try {
                executor.execute(() -> write(key, () -> new EventBuilder()
                        .withNewMetadata().withName(eventName).withNamespace(eventNamespace).endMetadata()
                        .withNewInvolvedObject().withApiVersion(apiVersion).withKind(kind).withNamespace(namespace)
                        .withName(name).withUid(uid).withResourceVersion(resourceVersion).endInvolvedObject()
                        .withType(type).withReason(reason).withMessage(message)
                        .withNewSource().withComponent(component).endSource()
                        .withReportingComponent(component)
                        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                        .build(), now));
            } catch (RejectedExecutionException e) {
                dropped.incrementAndGet();
                LOG.debug("event {} on {}/{} dropped: the event queue is full", reason, kind, name);
            }
        }

        private void write(String key, java.util.function.Supplier<Event> fresh, String now) {
            try {
                Event seen = recent.get(key);
                Event written = null;
                if (seen != null) {
                    Event bumped = new EventBuilder(seen)
                            .withCount(seen.getCount() == null ? 2 : seen.getCount() + 1)
                            .withLastTimestamp(now)
                            .build();
                    try {
                        written = client.update(bumped);
                    } catch (RuntimeException e) {
                        // deleted (events expire) or changed by someone else: start a new one
                        written = null;
                    }
                }
                if (written == null) {
                    written = client.create(fresh.get());
                }
                recent.put(key, written);
            } catch (RuntimeException e) {
                LOG.debug("event not recorded: {}", e.toString());
            }
        }

        /** Writes what is queued for up to two seconds, then stops. */
        @Override
        public void close() {
            executor.shutdown();
            try {
                if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                    executor.shutdownNow();
                }
            } catch (InterruptedException e) {
                executor.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
