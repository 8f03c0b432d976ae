package io.karavel.itests.process;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.Test;

/**
 * Five HA masters lose two (the leader among them) and stay writable; losing a third leaves no
 * majority: reads still work from each survivor's replica, and writes are refused with a 503
 * Status in bounded time rather than hanging. Then every master is restarted, and everything
 * that was acknowledged is back on all of them.
 */
public class HaQuorumIT {
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(180);
    /** The longest a write may take to be refused without a majority (the store gives up sooner). */
    private static final Duration REFUSAL_BOUND = Duration.ofSeconds(20);

    private final ObjectMapper json = new ObjectMapper();

    @Test
    public void twoOfFiveLostStillWritableThreeLostRefusesWritesAllRestartedAllBack() throws Exception {
        try (HaMasters masters = HaMasters.start("ha-quorum", 5)) {
            List<String> urls = new ArrayList<>();
            for (int m = 0; m < masters.size(); m++) {
                urls.add(masters.apiUrl(m));
            }
            List<HaWriter.Ack> acknowledged;
            try (HaWriter writer = new HaWriter(urls, "quorum", 2).start()) {
                long before = System.nanoTime();
                Poll.until(FAILOVER_TIMEOUT, "writes acknowledged by 5 masters", () -> writer.acknowledgedSentSince(before) >= 10);

                int leader = masters.awaitLeader(FAILOVER_TIMEOUT);
                int follower = (leader + 1) % masters.size();
                long killedAt = System.nanoTime();
                masters.kill(leader);
                masters.kill(follower);
                int newLeader = masters.awaitNewLeader(leader, FAILOVER_TIMEOUT);
                Poll.until(FAILOVER_TIMEOUT, "writes acknowledged by 3 of 5 masters" + masters.describe(),
                        () -> writer.acknowledgedSentSince(killedAt) >= 10);
                System.out.printf(Locale.ROOT, "killed %s (leader) and %s: first write acknowledged after %.2f s, new leader %s%n",
                        masters.name(leader), masters.name(follower),
                        (writer.firstSentSince(killedAt).orElseThrow().ackNanos() - killedAt) / 1e9, masters.name(newLeader));

                // a follower this time: the leader itself survives but no longer has a majority
                int third = masters.upMasters().stream().filter(m -> m != newLeader).findFirst().orElseThrow();
                masters.kill(third);
                writer.close();
                assertTrue("answers other than 201 and 503: " + writer.unexpected(), writer.unexpected().isEmpty());
                acknowledged = writer.acknowledged();
                System.out.printf(Locale.ROOT, "killed %s: 2 of 5 masters left (%s); %d writes acknowledged, failures %s%n",
                        masters.name(third), masters.upMasters().stream().map(masters::name).toList(),
                        acknowledged.size(), writer.failures());
            }

            HaWriter probe = new HaWriter(urls, "no-quorum", 1);
            for (int survivor : masters.upMasters()) {
                HaAssertions.Listing listing = HaAssertions.configMaps(masters.apiUrl(survivor));
                HaWriter.Ack some = acknowledged.get(0);
                HaAssertions.getJson(masters.apiUrl(survivor) + "/api/v1/namespaces/default/configmaps/" + some.name());
                System.out.printf(Locale.ROOT, "%s without a majority lists %d ConfigMaps at revision %d%n",
                        masters.name(survivor), listing.resourceVersions().size(), listing.revision());

                long sent = System.nanoTime();
                HaWriter.Outcome refused;
                try {
                    refused = probe.create(masters.apiUrl(survivor), "no-quorum-" + survivor, REFUSAL_BOUND);
                } catch (HttpTimeoutException e) {
                    throw new AssertionError("a create on " + masters.name(survivor) + " without a majority got no answer in "
                            + REFUSAL_BOUND + masters.describe(), e);
                }
                assertEquals("a create on " + masters.name(survivor) + " without a majority: " + refused.body(),
                        503, refused.status());
                JsonNode status = json.readTree(refused.body());
                assertEquals(refused.body(), "Status", status.path("kind").asText());
                assertEquals(refused.body(), "ServiceUnavailable", status.path("reason").asText());
                System.out.printf(Locale.ROOT, "%s refused a create without a majority in %.2f s: %s%n",
                        masters.name(survivor), (System.nanoTime() - sent) / 1e9, status.path("message").asText());
            }

            // every master down (the survivors stopped cleanly), then all started together
            for (int survivor : masters.upMasters()) {
                masters.process(survivor).stop();
            }
            for (int m = 0; m < masters.size(); m++) {
                masters.process(m).launch();
            }
            for (int m = 0; m < masters.size(); m++) {
                masters.process(m).awaitReady();
            }
            masters.awaitHealthy(RESTART_TIMEOUT);
            masters.awaitSameRevision(FAILOVER_TIMEOUT);
            HaAssertions.assertRevisionsUnique(acknowledged);
            HaAssertions.assertAcknowledgedOnEveryMaster(masters, acknowledged);
            for (int m = 0; m < masters.size(); m++) {
                HaWriter.Outcome created = probe.create(masters.apiUrl(m), "after-restart-" + m);
                assertEquals("a create on " + masters.name(m) + " after the restart: " + created.body(), 201, created.status());
            }
            System.out.printf(Locale.ROOT, "all 5 restarted: %d acknowledged ConfigMaps on every master; creates work%n",
                    acknowledged.size());
        }
    }
}
