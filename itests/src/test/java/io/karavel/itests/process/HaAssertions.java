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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What the HA fault tests check after the faults: no acknowledged write lost, reused or missed. */
final class HaAssertions {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HaAssertions() {}

    /** A list of the ConfigMaps of namespace default on one master: name to resourceVersion, and the list's revision. */
    record Listing(Map<String, Long> resourceVersions, long revision) {}

    /** Lists namespace default's ConfigMaps from this master's replica. */
    static Listing configMaps(String apiUrl) {
        JsonNode list = getJson(apiUrl + "/api/v1/namespaces/default/configmaps");
        Map<String, Long> versions = new TreeMap<>();
        for (JsonNode item : list.path("items")) {
            versions.put(item.at("/metadata/name").asText(), item.at("/metadata/resourceVersion").asLong());
        }
        return new Listing(versions, list.at("/metadata/resourceVersion").asLong());
    }

    /** GET returning 200 and a JSON body, within 30 s; fails otherwise. */
    static JsonNode getJson(String url) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("GET " + url + ": " + response.body(), 200, response.statusCode());
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("GET " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** No two acknowledged creates got the same resourceVersion (a revision reused by two leaders). */
    static void assertRevisionsUnique(List<HaWriter.Ack> acknowledged) {
        Map<Long, List<String>> byRevision = acknowledged.stream().collect(
                Collectors.groupingBy(HaWriter.Ack::resourceVersion, Collectors.mapping(HaWriter.Ack::name, Collectors.toList())));
        List<String> reused = byRevision.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> e.getKey() + "=" + e.getValue()).limit(10).toList();
        assertTrue("resourceVersions acknowledged twice: " + reused, reused.isEmpty());
    }

    /**
     * Every up master has every acknowledged ConfigMap, with the resourceVersion its create
     * answered, and all up masters hold the same ConfigMaps (same names, same versions).
     */
    static void assertAcknowledgedOnEveryMaster(HaMasters masters, List<HaWriter.Ack> acknowledged) {
        Map<String, Long> reference = null;
        String referenceMaster = null;
        for (int m : masters.upMasters()) {
            Map<String, Long> present = configMaps(masters.apiUrl(m)).resourceVersions();
            List<String> lost = new ArrayList<>();
            List<String> changed = new ArrayList<>();
            for (HaWriter.Ack ack : acknowledged) {
                Long version = present.get(ack.name());
                if (version == null) {
                    lost.add(ack.name() + "@" + ack.resourceVersion() + " (via master " + (ack.master() + 1) + ")");
                } else if (version != ack.resourceVersion()) {
                    changed.add(ack.name() + " acknowledged @" + ack.resourceVersion() + ", now @" + version);
                }
            }
            assertTrue(lost.size() + " of " + acknowledged.size() + " acknowledged ConfigMaps missing on "
                    + masters.name(m) + ", e.g. " + lost.stream().limit(10).toList() + masters.describe(), lost.isEmpty());
            assertTrue("acknowledged ConfigMaps with another resourceVersion on " + masters.name(m) + ": "
                    + changed.stream().limit(10).toList(), changed.isEmpty());
            if (reference == null) {
                reference = present;
                referenceMaster = masters.name(m);
            } else {
                assertEquals("the ConfigMaps of " + masters.name(m) + " vs " + referenceMaster,
                        difference(reference, present), "");
            }
        }
    }

    private static String difference(Map<String, Long> a, Map<String, Long> b) {
        Map<String, String> diff = new TreeMap<>();
        a.forEach((k, v) -> {
            if (!v.equals(b.get(k))) {
                diff.put(k, v + " vs " + b.get(k));
            }
        });
        b.forEach((k, v) -> {
            if (!a.containsKey(k)) {
                diff.put(k, "null vs " + v);
            }
        });
        return diff.isEmpty() ? "" : diff.size() + " differ, e.g. " + diff.entrySet().stream().limit(10).toList();
    }

    /**
     * The watch, resumed across masters, saw every acknowledged create exactly once, as ADDED
     * with the acknowledged resourceVersion, and saw every event in increasing resourceVersion
     * order (a resumption neither repeats nor skips).
     */
    static void assertWatchSawEachOnceInOrder(HaWatch watch, List<HaWriter.Ack> acknowledged) {
        List<HaWatch.Event> events = watch.events();
        HaWatch.Event previous = null;
        for (HaWatch.Event e : events) {
            assertTrue("watch event out of order or repeated: " + e + " after " + previous
                    + " (" + watch.connections() + " watch connections)",
                    previous == null || e.resourceVersion() > previous.resourceVersion());
            previous = e;
        }
        Map<String, List<HaWatch.Event>> byName = new HashMap<>();
        for (HaWatch.Event e : events) {
            byName.computeIfAbsent(e.name(), n -> new ArrayList<>()).add(e);
        }
        List<String> missed = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (HaWriter.Ack ack : acknowledged) {
            List<HaWatch.Event> seen = byName.getOrDefault(ack.name(), List.of());
            if (seen.isEmpty()) {
                missed.add(ack.name() + "@" + ack.resourceVersion());
            } else if (seen.size() != 1 || !seen.get(0).type().equals("ADDED")
                    || seen.get(0).resourceVersion() != ack.resourceVersion()) {
                wrong.add(ack.name() + "@" + ack.resourceVersion() + ": " + seen);
            }
        }
        assertTrue(missed.size() + " acknowledged creates never seen by the watch (" + watch.connections()
                + " connections, errors " + watch.errors() + "), e.g. " + missed.stream().limit(10).toList(),
                missed.isEmpty());
        assertTrue("acknowledged creates seen otherwise than once as ADDED: " + wrong.stream().limit(10).toList(),
                wrong.isEmpty());
    }
}
