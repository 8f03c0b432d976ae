package io.karavel.store.mapdb.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.store.KeyValue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing process with SIGKILL and checks that every write it acknowledged survived, and
 * that revisions keep increasing after each restart. Two rounds, so the second one also recovers
 * a store that was itself recovered from a crash (journal replay, possibly a torn checkpoint).
 */
class CrashRecoveryTest {

    private static final int ACKS_BEFORE_KILL = 400;

    /**
     * Checkpoints every few milliseconds, so that kills often land inside a MapDB commit: in a
     * 60-kill loop at this interval about one kill in five tore a checkpoint file, and recovery
     * rebuilt it from the other one without losing an acknowledged write.
     */
    private static final String CHECKPOINT_INTERVAL_MILLIS = "5";

    @TempDir
    Path dir;

    @Test
    void acknowledgedWritesSurviveKillMinus9() throws Exception {
        Map<String, Long> acknowledged = new LinkedHashMap<>();
        long highestAcked = 0;
        for (String round : List.of("r1", "r2")) {
            Map<String, Long> acks = runAndKill(round);
            assertThat(acks).hasSizeGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
            long lowestOfRound = acks.values().stream().mapToLong(Long::longValue).min().orElseThrow();
            assertThat(lowestOfRound).as("revisions continue after a restart").isGreaterThan(highestAcked);
            highestAcked = acks.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            acknowledged.putAll(acks);
        }

        try (MapDbStore store = MapDbStore.open(dir, MapDbStore.Options.defaults())) {
            for (Map.Entry<String, Long> ack : acknowledged.entrySet()) {
                KeyValue kv = store.get(ack.getKey()).orElse(null);
                assertThat(kv).as("acknowledged key %s", ack.getKey()).isNotNull();
                assertThat(kv.modRevision()).isEqualTo(ack.getValue());
                assertThat(kv.value()).hasSize(1024);
            }
            assertThat(store.currentRevision()).isGreaterThanOrEqualTo(highestAcked);
            long next = store.create("/after-crash", new byte[] {1}).modRevision();
            assertThat(next).isGreaterThan(highestAcked);
        }
    }

    /** Starts a {@link CrashWriter}, reads its acknowledgements, kills it with SIGKILL. */
    private Map<String, Long> runAndKill(String round) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path stderr = dir.resolveSibling(dir.getFileName() + "-" + round + ".stderr");
        Process child = new ProcessBuilder(
                        java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                        CrashWriter.class.getName(), dir.toString(), round, "8", CHECKPOINT_INTERVAL_MILLIS)
                .redirectError(stderr.toFile())
                .start();
        Map<String, Long> acks = new LinkedHashMap<>();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (acks.size() < ACKS_BEFORE_KILL && (line = out.readLine()) != null) {
                String[] parts = line.split(" ");
                // only complete lines count: the trailing "." proves the line was not cut
                if (parts.length == 4 && parts[0].equals("ACK") && parts[3].equals(".")) {
                    acks.put(parts[1], Long.parseLong(parts[2]));
                }
            }
            // SIGKILL on Linux; through the handle, which (unlike Process) leaves stdout open
            child.toHandle().destroyForcibly();
            // Acknowledgements printed before the kill landed are acknowledged writes too.
            while ((line = out.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts.length == 4 && parts[0].equals("ACK") && parts[3].equals(".")) {
                    acks.put(parts[1], Long.parseLong(parts[2]));
                }
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        assertThat(acks).as(() -> "acknowledgements of round " + round + "; child stderr:\n" + readQuietly(stderr))
                .hasSizeGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
        return acks;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
