package io.karavel.itests.process;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.Test;

/**
 * An acknowledged write survives {@code kill -9}: writers create ConfigMaps through the REST API
 * at full speed, the Karaf process is killed mid-stream, restarted on the same directory, and
 * every object the API acknowledged (201) must be there, with revisions still increasing.
 */
public class CrashRecoveryIT {
    private static final int WRITERS = 8;
    private static final int ACKNOWLEDGED_BEFORE_KILL = 1_000;
    private static final String PAYLOAD = "x".repeat(1024);

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    public void acknowledgedCreatesSurviveKillMinus9() throws Exception {
        try (KaravelProcess karavel = KaravelProcess.fromFreshCopy("crash", "all-in-one").start()) {
            Map<String, Long> acknowledged = new ConcurrentHashMap<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.execute(() -> writeUntilStopped(karavel.apiUrl(), writer, writing, acknowledged));
            }
            Poll.until(Duration.ofSeconds(120), ACKNOWLEDGED_BEFORE_KILL + " acknowledged creates",
                    () -> acknowledged.size() >= ACKNOWLEDGED_BEFORE_KILL);

            karavel.kill(); // while the writers are still sending
            writing.set(false);
            writers.shutdown();
            assertTrue(writers.awaitTermination(60, TimeUnit.SECONDS));
            long highestAcknowledged = acknowledged.values().stream().mapToLong(Long::longValue).max().orElseThrow();

            karavel.start();
            JsonNode list = getJson(karavel.apiUrl() + "/api/v1/namespaces/default/configmaps");
            Set<String> present = new HashSet<>();
            for (JsonNode item : list.get("items")) {
                present.add(item.at("/metadata/name").asText());
                String name = item.at("/metadata/name").asText();
                if (acknowledged.containsKey(name)) {
                    assertEquals("resourceVersion of " + name + " after restart",
                            acknowledged.get(name).longValue(), item.at("/metadata/resourceVersion").asLong());
                }
            }
            Set<String> lost = new HashSet<>(acknowledged.keySet());
            lost.removeAll(present);
            assertTrue(lost.size() + " acknowledged objects lost, e.g. " + lost.stream().limit(5).toList(),
                    lost.isEmpty());

            long listRevision = list.at("/metadata/resourceVersion").asLong();
            assertTrue("list revision " + listRevision + " >= highest acknowledged " + highestAcknowledged,
                    listRevision >= highestAcknowledged);
            long afterRestart = create(karavel.apiUrl(), "after-restart");
            assertTrue("revision after restart " + afterRestart + " > " + listRevision, afterRestart > listRevision);
        }
    }

    private void writeUntilStopped(String apiUrl, int writer, AtomicBoolean writing, Map<String, Long> acknowledged) {
        for (int i = 0; writing.get(); i++) {
            String name = "w" + writer + "-" + i;
            try {
                acknowledged.put(name, create(apiUrl, name));
            } catch (IOException | IllegalStateException e) {
                // the server is gone (killed): this write was not acknowledged, so nothing is owed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Creates a ConfigMap and returns its resourceVersion; throws unless the API answered 201. */
    private long create(String apiUrl, String name) throws IOException, InterruptedException {
        String body = json.writeValueAsString(Map.of(
                "apiVersion", "v1", "kind", "ConfigMap",
                "metadata", Map.of("name", name),
                "data", Map.of("payload", PAYLOAD)));
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(apiUrl + "/api/v1/namespaces/default/configmaps"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("create " + name + " answered " + response.statusCode() + ": " + response.body());
        }
        return json.readTree(response.body()).at("/metadata/resourceVersion").asLong();
    }

    private JsonNode getJson(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(response.body(), 200, response.statusCode());
        return json.readTree(response.body());
    }
}
