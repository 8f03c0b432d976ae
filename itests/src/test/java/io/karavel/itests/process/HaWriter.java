package io.karavel.itests.process;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A steady write load on an HA control plane, as clients that know every master's URL but not
 * which one leads: each thread creates ConfigMaps back to back, each create sent to the next
 * master in turn (a follower forwards it to the leader). A create that fails (connection refused,
 * 503, timeout) is not retried under the same name: it was not acknowledged, so nothing is owed,
 * and the next one gets a new name.
 *
 * <p>Every create answered 201 is recorded with its resourceVersion: those are the writes the
 * control plane must never lose. Answers other than 201 and 503 are recorded as unexpected.
 */
final class HaWriter implements AutoCloseable {
    /** Long enough for a forwarded write to outlive a leader's failover: its answer still counts. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** One acknowledged create: sent to {@code master} at {@code sentNanos}, 201 at {@code ackNanos}. */
    record Ack(String name, long resourceVersion, int master, long sentNanos, long ackNanos) {}

    private final List<String> apiUrls;
    private final String prefix;
    private final int threads;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ConcurrentLinkedQueue<Ack> acknowledged = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final AtomicInteger nextMaster = new AtomicInteger();
    /** Masters no new create is sent to (see {@link #stopSendingTo}). */
    private final Set<Integer> avoided = ConcurrentHashMap.newKeySet();
    private ExecutorService pool;

    /** @param prefix names are {@code prefix-<thread>-<n>}: unique per writer */
    HaWriter(List<String> apiUrls, String prefix, int threads) {
        this.apiUrls = List.copyOf(apiUrls);
        this.prefix = prefix;
        this.threads = threads;
    }

    HaWriter start() {
        pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            pool.execute(() -> writeUntilStopped(thread));
        }
        return this;
    }

    private void writeUntilStopped(int thread) {
        for (int n = 0; writing.get(); n++) {
            int master = nextMaster();
            String name = prefix + "-" + thread + "-" + n;
            try {
                Outcome outcome = create(apiUrls.get(master), name);
                if (outcome.status() == 201) {
                    acknowledged.add(new Ack(name, outcome.resourceVersion(), master, outcome.sentNanos(), System.nanoTime()));
                    continue;
                }
                count("HTTP " + outcome.status());
                if (outcome.status() != 503) {
                    unexpected.add(name + " on master " + (master + 1) + ": HTTP " + outcome.status() + " " + outcome.body());
                }
            } catch (IOException e) {
                count(e.getClass().getSimpleName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // no leader yet, or that master is down: the next master, after a breath (not a hot loop)
            Poll.pause();
        }
    }

    /** The next master in turn, passing over the avoided ones (unless every one is). */
    private int nextMaster() {
        int master = Math.floorMod(nextMaster.getAndIncrement(), apiUrls.size());
        for (int tried = 1; avoided.contains(master) && tried < apiUrls.size(); tried++) {
            master = Math.floorMod(nextMaster.getAndIncrement(), apiUrls.size());
        }
        return master;
    }

    /**
     * Sends no new create to {@code master}, as a client whose health check marked it down would.
     * A frozen master's kernel still accepts connections but nothing answers, so without this
     * every writer thread in turn waits out the request timeout there, and the writes measure
     * the client's timeout instead of the control plane. Creates already sent there still count.
     */
    void stopSendingTo(int master) {
        avoided.add(master);
    }

    /** Undoes {@link #stopSendingTo}. */
    void resumeSendingTo(int master) {
        avoided.remove(master);
    }

    private void count(String failure) {
        failures.computeIfAbsent(failure, f -> new LongAdder()).increment();
    }

    /** What one create got: the HTTP status, and the resourceVersion when it is 201. */
    record Outcome(int status, long resourceVersion, String body, long sentNanos) {}

    /** One create of ConfigMap {@code name} in namespace default through {@code apiUrl}. */
    Outcome create(String apiUrl, String name) throws IOException, InterruptedException {
        return create(apiUrl, name, REQUEST_TIMEOUT);
    }

    /** As {@link #create(String, String)}; an HttpTimeoutException unless answered within {@code timeout}. */
    Outcome create(String apiUrl, String name, Duration timeout) throws IOException, InterruptedException {
        String body = json.writeValueAsString(Map.of(
                "apiVersion", "v1", "kind", "ConfigMap",
                "metadata", Map.of("name", name),
                "data", Map.of("writer", prefix)));
        long sent = System.nanoTime();
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(apiUrl + "/api/v1/namespaces/default/configmaps"))
                        .header("Content-Type", "application/json")
                        .timeout(timeout)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        long resourceVersion = response.statusCode() == 201
                ? json.readTree(response.body()).at("/metadata/resourceVersion").asLong()
                : 0;
        return new Outcome(response.statusCode(), resourceVersion, response.body(), sent);
    }

    /** Every create acknowledged so far. */
    List<Ack> acknowledged() {
        return new ArrayList<>(acknowledged);
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    /** The first acknowledged create that was sent at or after {@code nanos} (by acknowledgement time). */
    Optional<Ack> firstSentSince(long nanos) {
        return acknowledged.stream()
                .filter(a -> a.sentNanos() >= nanos)
                .min(java.util.Comparator.comparingLong(Ack::ackNanos));
    }

    /** How many acknowledged creates were sent at or after {@code nanos}. */
    long acknowledgedSentSince(long nanos) {
        return acknowledged.stream().filter(a -> a.sentNanos() >= nanos).count();
    }

    /** Answers other than 201 and 503: a clean refusal is 503, anything else is a bug. */
    List<String> unexpected() {
        return new ArrayList<>(unexpected);
    }

    /** Failed creates by kind ("HTTP 503", "ConnectException", "HttpTimeoutException"...). */
    Map<String, Long> failures() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        failures.forEach((k, v) -> counts.put(k, v.sum()));
        return counts;
    }

    /** Stops the writers and waits for their last requests (bounded by the request timeout). */
    @Override
    public void close() {
        writing.set(false);
        if (pool == null) {
            return;
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(REQUEST_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
