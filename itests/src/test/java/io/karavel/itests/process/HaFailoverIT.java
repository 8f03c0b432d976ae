package io.karavel.itests.process;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * Three HA masters as real processes on loopback, under a steady write load sent to all of them:
 * the leader is killed ({@code kill -9}) again and again, or paused past its CP session, and no
 * acknowledged create may be lost, get a reused resourceVersion, or be missed or repeated by a
 * watch that resumes on another master whenever its own goes away.
 *
 * <p>{@code -Dha.kills=N} sets how many leaders are killed (default 20; the pom sets the CI
 * default). The failover times (kill to the next acknowledged write sent after it) are printed,
 * not asserted: bench/run-ha-bench.sh measures them.
 */
public class HaFailoverIT {
    private static final int KILLS = Integer.getInteger("ha.kills", 20);
    private static final int WRITERS = 3;
    /** Failover (election, catch-up) on 2 busy cores, with room; the writes must resume within it. */
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);
    /** A restarted master boots Karaf, then catches up from the log. */
    private static final Duration REJOIN_TIMEOUT = Duration.ofSeconds(180);
    /** CP session time-to-live + member heartbeat timeout (etc/io.karavel.store.hazelcast.cfg), and a margin. */
    private static final Duration PAST_CP_SESSION = Duration.ofSeconds(13);

    private static HaMasters masters;

    /** A cluster of its own for each test: one left broken by a failure must not fail the next. */
    @Before
    public void startMasters() {
        masters = HaMasters.start("ha-failover", 3);
        masters.awaitHealthy(REJOIN_TIMEOUT);
    }

    @After
    public void killMasters() {
        if (masters != null) {
            masters.close();
        }
    }

    @Test
    public void killingTheLeaderRepeatedlyLosesNoAcknowledgedWrite() throws Exception {
        long start = System.nanoTime();
        long fromRevision = HaAssertions.configMaps(masters.apiUrl(0)).revision();
        List<Double> failoverSeconds = new ArrayList<>();
        try (HaWatch watch = new HaWatch(apiUrls(), fromRevision, 0).start();
                HaWriter writer = new HaWriter(apiUrls(), "kill", WRITERS).start()) {
            for (int kill = 1; kill <= KILLS; kill++) {
                int leader = masters.awaitLeader(FAILOVER_TIMEOUT);
                long term = masters.term(leader);
                long before = System.nanoTime();
                Poll.until(FAILOVER_TIMEOUT, "writes acknowledged before kill " + kill,
                        () -> writer.acknowledgedSentSince(before) >= 5);

                long killedAt = System.nanoTime();
                masters.kill(leader);
                // counted from writes sent once it is gone: one sent while it was dying may still be its own
                long goneAt = System.nanoTime();
                Poll.until(FAILOVER_TIMEOUT, "a write acknowledged after killing leader " + masters.name(leader)
                        + " (kill " + kill + "; failures so far " + writer.failures() + ")" + masters.describe(),
                        () -> writer.firstSentSince(goneAt).isPresent());
                double seconds = (writer.firstSentSince(goneAt).orElseThrow().ackNanos() - killedAt) / 1e9;
                failoverSeconds.add(seconds);

                int newLeader = masters.awaitNewLeader(leader, FAILOVER_TIMEOUT);
                long newTerm = masters.term(newLeader);
                assertTrue("the new leader's term " + newTerm + " > the killed leader's " + term, newTerm > term);
                System.out.printf(Locale.ROOT, "kill %d: leader %s (term %d) killed; first write acknowledged after %.2f s;"
                        + " new leader %s (term %d)%n", kill, masters.name(leader), term, seconds, masters.name(newLeader), newTerm);

                masters.restart(leader);
                masters.awaitRejoined(leader, REJOIN_TIMEOUT);
            }
            Poll.until(FAILOVER_TIMEOUT, "writes acknowledged after the last rejoin",
                    () -> writer.acknowledgedCount() > 0);
            writer.close();
            verify(writer, watch);
        }
        checkKubeconfigListsMasters();
        List<Double> sorted = failoverSeconds.stream().sorted().toList();
        System.out.printf(Locale.ROOT, "%d leader kills in %.0f s: failover (kill -9 -> next acknowledged write)"
                + " p50 %.2f s, max %.2f s%n", KILLS, (System.nanoTime() - start) / 1e9,
                sorted.get((sorted.size() - 1) / 2), sorted.get(sorted.size() - 1));
    }

    @Test
    public void aPausedLeaderIsFencedAndRejoinsAsAFollower() throws Exception {
        long fromRevision = HaAssertions.configMaps(masters.apiUrl(0)).revision();
        int old = masters.awaitLeader(FAILOVER_TIMEOUT);
        long oldTerm = masters.term(old);
        // the watch starts on a follower: the paused leader's silence is tested by the writers
        try (HaWatch watch = new HaWatch(apiUrls(), fromRevision, (old + 1) % masters.size()).start();
                HaWriter writer = new HaWriter(apiUrls(), "pause", WRITERS).start()) {
            long before = System.nanoTime();
            Poll.until(FAILOVER_TIMEOUT, "writes acknowledged before the pause",
                    () -> writer.acknowledgedSentSince(before) >= 5);

            long pausedAt = System.nanoTime();
            masters.pause(old);
            writer.stopSendingTo(old);
            int newLeader;
            try {
                newLeader = masters.awaitNewLeader(old, FAILOVER_TIMEOUT);
                Poll.until(FAILOVER_TIMEOUT, "a write acknowledged while " + masters.name(old) + " is paused",
                        () -> writer.firstSentSince(pausedAt).isPresent());
                Poll.until(FAILOVER_TIMEOUT, "the pause to outlast the old leader's CP session",
                        () -> System.nanoTime() - pausedAt > PAST_CP_SESSION.toNanos());
            } finally {
                masters.resume(old);
                writer.resumeSendingTo(old);
            }
            long newTerm = masters.term(newLeader);
            assertTrue("the new leader's term " + newTerm + " > the paused leader's " + oldTerm, newTerm > oldTerm);
            double failover = (writer.firstSentSince(pausedAt).orElseThrow().ackNanos() - pausedAt) / 1e9;

            // a write sent to the old leader as soon as it runs again: forwarded, or a clean 503
            HaWriter.Outcome direct = writer.create(masters.apiUrl(old), "pause-after-resume");
            assertTrue("a create on the resumed old leader answered " + direct.status() + ": " + direct.body(),
                    direct.status() == 201 || direct.status() == 503);

            masters.untilOrDescribe(REJOIN_TIMEOUT, masters.name(old) + " a follower of a newer term", () -> masters.cluster(old)
                    .map(c -> c.path("localRole").asText().equals("FOLLOWER") && c.path("term").asLong() > oldTerm)
                    .orElse(false));
            // it must stay one: a resumed master has no reason to take the leadership back
            Poll.until(REJOIN_TIMEOUT, masters.name(old) + " rejoined as a follower", () -> {
                if (masters.leader().map(l -> l == old).orElse(false)) {
                    throw new AssertionError("the resumed old leader " + masters.name(old) + " deposed "
                            + masters.name(newLeader) + " (term " + newTerm + ")" + masters.describe());
                }
                return masters.isRejoined(old);
            });
            long resumedAt = System.nanoTime();
            Poll.until(FAILOVER_TIMEOUT, "writes acknowledged after the old leader rejoined",
                    () -> writer.acknowledgedSentSince(resumedAt) >= 10);
            writer.close();

            List<HaWriter.Ack> acknowledged = new ArrayList<>(writer.acknowledged());
            if (direct.status() == 201) {
                acknowledged.add(new HaWriter.Ack("pause-after-resume", direct.resourceVersion(), old, 0, 0));
            }
            System.out.printf(Locale.ROOT, "pause: %s (term %d) paused; first write acknowledged after %.2f s; new leader"
                    + " %s (term %d); create on the resumed old leader: HTTP %d; rejoined %.1f s after the pause;"
                    + " %d writes acknowledged; failures %s%n", masters.name(old), oldTerm, failover,
                    masters.name(newLeader), newTerm, direct.status(), (resumedAt - pausedAt) / 1e9,
                    acknowledged.size(), writer.failures());
            verify(writer, acknowledged, watch);
        }
    }

    private static void verify(HaWriter writer, HaWatch watch) {
        verify(writer, writer.acknowledged(), watch);
    }

    private static void verify(HaWriter writer, List<HaWriter.Ack> acknowledged, HaWatch watch) {
        assertTrue("answers other than 201 and 503: " + writer.unexpected(), writer.unexpected().isEmpty());
        HaAssertions.assertRevisionsUnique(acknowledged);
        long revision = masters.awaitSameRevision(FAILOVER_TIMEOUT);
        HaAssertions.assertAcknowledgedOnEveryMaster(masters, acknowledged);
        long highest = acknowledged.stream().mapToLong(HaWriter.Ack::resourceVersion).max().orElse(0);
        assertTrue("revision " + revision + " >= highest acknowledged " + highest, revision >= highest);
        Poll.until(FAILOVER_TIMEOUT, "the watch to reach resourceVersion " + highest
                + " (at " + watch.lastResourceVersion() + ", errors " + watch.errors() + ")",
                () -> watch.lastResourceVersion() >= highest);
        HaAssertions.assertWatchSawEachOnceInOrder(watch, acknowledged);
        System.out.printf(Locale.ROOT, "%d acknowledged creates on all %d masters at revision %d; watch: %d events over"
                + " %d connections; writer failures %s%n", acknowledged.size(), masters.size(), revision,
                watch.events().size(), watch.connections(), writer.failures());
    }

    /**
     * The kubeconfig a master writes works with kubectl for each context it lists; once the
     * kubeconfig lists the masters (one context each), it must list all of them.
     */
    private static void checkKubeconfigListsMasters() throws IOException {
        Path cache = Files.createTempDirectory(masters.process(0).home(), "kubectl-cache");
        Kubectl kubectl = new Kubectl(masters.process(0).kubeconfig(), cache);
        List<String> contexts = kubectl.run("config", "get-contexts", "-o", "name").assertSuccess()
                .stdout().lines().filter(l -> !l.isBlank()).toList();
        if (contexts.size() > 1) {
            assertEquals("contexts of " + masters.process(0).kubeconfig(), masters.size(), contexts.size());
        }
        for (String context : contexts) {
            kubectl.run("--context", context, "get", "configmaps", "-o", "name").assertSuccess();
        }
        assertNotEquals(0, contexts.size());
    }

    private static List<String> apiUrls() {
        List<String> urls = new ArrayList<>();
        for (int m = 0; m < masters.size(); m++) {
            urls.add(masters.apiUrl(m));
        }
        return urls;
    }
}
