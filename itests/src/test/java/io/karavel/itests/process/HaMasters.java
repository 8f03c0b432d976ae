package io.karavel.itests.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.karavel.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * An HA control plane of real master processes on loopback: {@code count} Karavel distributions,
 * each in its own home, started with {@code bin/karavel run --profile master} and the same
 * {@code KARAVEL_MASTERS} list, each with its own Hazelcast port, API port and member name
 * ({@code karavel-1}, {@code karavel-2}, ...).
 *
 * <p>The control plane is observed only from outside, through each master's
 * {@code GET /karavel/v1/cluster}. Faults are injected by pid: {@link #kill(int)} (kill -9),
 * {@link #pause(int)} and {@link #resume(int)} (SIGSTOP/SIGCONT); {@link #restart(int)} starts a
 * master again on its home, so with the store it had. {@link #close()} kills every master still
 * running.
 */
final class HaMasters implements AutoCloseable {
    /** Hazelcast joins, the CP subsystem and leader election of a fresh cluster, on 2 cores. */
    static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(90);

    private final List<KaravelProcess> masters;
    private final List<String> names;
    private final Set<Integer> paused = new HashSet<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();

    private HaMasters(List<KaravelProcess> masters, List<String> names) {
        this.masters = masters;
        this.names = names;
    }

    /**
     * Unpacks {@code count} fresh copies of the distribution, launches them together (none is
     * ready before a majority runs) and waits until every one is ready and one is the leader.
     */
    static HaMasters start(String testName, int count) {
        List<KaravelProcess> masters = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Integer> clusterPorts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            masters.add(KaravelProcess.fromFreshCopy(testName + "-" + (i + 1), "master"));
            names.add("karavel-" + (i + 1));
            clusterPorts.add(FreePorts.next());
        }
        String memberList = clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        String apiUrls = masters.stream().map(KaravelProcess::apiUrl).collect(Collectors.joining(","));
        // masters of two tests (or two runs) on one machine must never join each other
        String clusterName = testName + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        for (int i = 0; i < count; i++) {
            masters.get(i)
                    .withEnv("KARAVEL_MASTERS", memberList)
                    .withEnv("KARAVEL_CLUSTER_HOST", "127.0.0.1")
                    .withEnv("KARAVEL_CLUSTER_PORT", Integer.toString(clusterPorts.get(i)))
                    .withEnv("KARAVEL_CLUSTER_NAME", clusterName)
                    .withEnv("KARAVEL_MEMBER_NAME", names.get(i))
                    .withEnv("KARAVEL_MASTER_API_URLS", apiUrls);
        }
        HaMasters cluster = new HaMasters(masters, names);
        try {
            masters.forEach(KaravelProcess::launch);
            masters.forEach(KaravelProcess::awaitReady);
            cluster.awaitLeader(ELECTION_TIMEOUT);
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    int size() {
        return masters.size();
    }

    String name(int master) {
        return names.get(master);
    }

    String apiUrl(int master) {
        return masters.get(master).apiUrl();
    }

    KaravelProcess process(int master) {
        return masters.get(master);
    }

    /** Running and not paused: expected to answer. */
    boolean isUp(int master) {
        return masters.get(master).isRunning() && !paused.contains(master);
    }

    List<Integer> upMasters() {
        return IntStream.range(0, size()).filter(this::isUp).boxed().toList();
    }

    /** This master's {@code GET /karavel/v1/cluster}, or empty if it does not answer 200 within 2 s. */
    Optional<JsonNode> cluster(int master) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(apiUrl(master) + "/karavel/v1/cluster"))
                            .timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(json.readTree(response.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The master whose own view says LEADER, if exactly one up master says so. */
    Optional<Integer> leader() {
        List<Integer> leaders = upMasters().stream()
                .filter(m -> cluster(m).map(c -> c.path("localRole").asText().equals("LEADER")).orElse(false))
                .toList();
        return leaders.size() == 1 ? Optional.of(leaders.get(0)) : Optional.empty();
    }

    /** Waits until exactly one up master calls itself the leader; returns it. */
    int awaitLeader(Duration timeout) {
        int[] found = new int[1];
        untilOrDescribe(timeout, "one leader among " + upMasters(), () -> {
            Optional<Integer> leader = leader();
            leader.ifPresent(l -> found[0] = l);
            return leader.isPresent();
        });
        return found[0];
    }

    /** Waits until a leader other than {@code previous} is elected among the up masters; returns it. */
    int awaitNewLeader(int previous, Duration timeout) {
        int[] found = new int[1];
        untilOrDescribe(timeout, "a leader other than " + name(previous), () -> {
            Optional<Integer> leader = leader();
            leader.ifPresent(l -> found[0] = l);
            return leader.isPresent() && leader.get() != previous;
        });
        return found[0];
    }

    /** The leader's fencing token as {@code master} sees it (0: no leader or no answer). */
    long term(int master) {
        return cluster(master).map(c -> c.path("term").asLong()).orElse(0L);
    }

    /** {@code kill -9} of the master's process tree; returns once it is gone. */
    void kill(int master) {
        masters.get(master).kill();
        paused.remove(master);
    }

    /** SIGSTOP: the master freezes with its sockets open, as a long GC pause or a hung VM would. */
    void pause(int master) {
        masters.get(master).pause();
        paused.add(master);
    }

    void resume(int master) {
        masters.get(master).resume();
        paused.remove(master);
    }

    /** Starts a stopped master again on its own home (its replica in var/store) and waits until it is ready. */
    void restart(int master) {
        masters.get(master).launch().awaitReady();
    }

    /**
     * Waits until {@code master} is a follower and every master is listed in both its view and
     * the leader's: it has rejoined and caught up.
     */
    void awaitRejoined(int master, Duration timeout) {
        untilOrDescribe(timeout, name(master) + " back as a follower, " + size() + " masters listed",
                () -> isRejoined(master));
    }

    /** {@code master} is a follower of the leader, and both list every master. */
    boolean isRejoined(int master) {
        Optional<JsonNode> own = cluster(master);
        Optional<Integer> leader = leader();
        return own.isPresent() && leader.isPresent()
                && own.get().path("localRole").asText().equals("FOLLOWER")
                && own.get().path("leaderName").asText().equals(name(leader.get()))
                && listsEveryMaster(own.get())
                && cluster(leader.get()).map(this::listsEveryMaster).orElse(false);
    }

    /** Every master running, none paused, one leader, the others followers that list all masters. */
    void awaitHealthy(Duration timeout) {
        for (int m = 0; m < size(); m++) {
            if (paused.contains(m)) {
                resume(m);
            }
            if (!masters.get(m).isRunning()) {
                restart(m);
            }
        }
        int leader = awaitLeader(timeout);
        for (int m = 0; m < size(); m++) {
            if (m != leader) {
                awaitRejoined(m, timeout);
            }
        }
    }

    private boolean listsEveryMaster(JsonNode view) {
        Set<String> listed = new HashSet<>();
        view.path("masters").forEach(m -> listed.add(m.path("name").asText()));
        return listed.containsAll(names);
    }

    /**
     * Waits until every up master has applied the same revision, the leader's (writes must have
     * stopped); returns it.
     */
    long awaitSameRevision(Duration timeout) {
        long[] revision = new long[1];
        untilOrDescribe(timeout, "the same revision on " + upMasters(), () -> {
            Set<Long> revisions = new HashSet<>();
            for (int m : upMasters()) {
                Optional<JsonNode> view = cluster(m);
                if (view.isEmpty()) {
                    return false;
                }
                revisions.add(view.get().path("localRevision").asLong());
            }
            revision[0] = revisions.iterator().next();
            return revisions.size() == 1;
        });
        return revision[0];
    }

    /** Every master's view of the cluster, one line each, for failure messages. */
    String describe() {
        StringBuilder text = new StringBuilder();
        for (int m = 0; m < size(); m++) {
            KaravelProcess p = masters.get(m);
            text.append('\n').append(name(m)).append(' ').append(apiUrl(m))
                    .append(p.isRunning() ? (paused.contains(m) ? " paused" : " running") : " stopped")
                    .append(": ").append(isUp(m) ? cluster(m).map(JsonNode::toString).orElse("(no answer)") : "-")
                    .append("\n  log: ").append(p.home().resolve("data/log/karaf.log"));
        }
        return text.toString();
    }

    /** Polls until the condition holds; on time-out the failure describes every master. */
    void untilOrDescribe(Duration timeout, String what, java.util.function.BooleanSupplier condition) {
        try {
            Poll.until(timeout, what, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + describe(), e);
        }
    }

    /** Kills every master still running (paused ones too: SIGKILL needs no SIGCONT). */
    @Override
    public void close() {
        for (KaravelProcess master : masters) {
            try {
                master.kill();
            } catch (RuntimeException e) {
                // the others must still be killed
            }
        }
        paused.clear();
    }
}
