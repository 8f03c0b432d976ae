package io.karavel.store.mapdb.impl;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.store.Change;
import io.karavel.api.store.KeyValue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot install interrupted at any moment leaves exactly the old or exactly the new state.
 * First deterministically, with the directory each step of an install leaves behind (see
 * {@link StateDirectory}), then by killing an installing process with SIGKILL, as
 * {@link CrashRecoveryTest} does for writes.
 */
class SnapshotCrashTest {

    private static final List<KeyValue> NEW_STATE = List.of(new KeyValue("/new", bytes("n"), 3, 90));
    private static final int INSTALLS_BEFORE_KILL = 2;

    @TempDir
    Path dir;

    @TempDir
    Path elsewhere;

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static List<String> state(MapDbStore store) {
        List<String> lines = new ArrayList<>();
        for (KeyValue kv : store.list("/", null, 0).items()) {
            lines.add(kv.key() + "=" + new String(kv.value(), UTF_8) + " " + kv.createRevision() + "/" + kv.modRevision());
        }
        lines.add("@" + store.currentRevision());
        return lines;
    }

    private List<String> open(Path path) {
        try (MapDbStore store = MapDbStore.openReplica(path, MapDbStore.Options.defaults())) {
            return state(store);
        }
    }

    /** A store in {@link #dir} at revision 2, its state in the top-level files. */
    private void oldState() {
        try (MapDbStore store = MapDbStore.openReplica(dir, MapDbStore.Options.defaults())) {
            store.enableWrites(null);
            store.create("/old", bytes("o"));
            store.update("/old", bytes("o2"), 1);
        }
    }

    /** A complete, closed snapshot state (NEW_STATE at 100), as its {@code state-1} directory. */
    private Path completeNewState() {
        try (MapDbStore store = MapDbStore.openReplica(elsewhere, MapDbStore.Options.defaults())) {
            store.installSnapshot(NEW_STATE, 100).join();
        }
        return elsewhere.resolve("state-1");
    }

    private List<String> storeFiles() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(from.relativize(file).toString()));
            }
        }
    }

    @Test
    void crashWhilePreparingKeepsTheOldState() throws IOException {
        oldState();
        Files.createDirectory(dir.resolve("state-1.tmp"));
        Files.write(dir.resolve("state-1.tmp/checkpoint-a.db"), new byte[100]); // torn
        assertThat(open(dir)).containsExactly("/old=o2 1/2", "@2");
        assertThat(storeFiles()).containsExactly("checkpoint-a.db", "checkpoint-b.db", "journal");
    }

    @Test
    void crashAfterStagingBeforeTheCommitKeepsTheOldState() throws IOException {
        oldState();
        copy(completeNewState(), dir.resolve("state-1"));
        Files.writeString(dir.resolve("CURRENT.tmp"), "state-1\n");
        assertThat(open(dir)).containsExactly("/old=o2 1/2", "@2");
        assertThat(storeFiles()).containsExactly("checkpoint-a.db", "checkpoint-b.db", "journal");
    }

    @Test
    void crashAfterTheCommitOpensTheNewStateAndDeletesTheOld() throws IOException {
        oldState();
        copy(completeNewState(), dir.resolve("state-1"));
        Files.writeString(dir.resolve("CURRENT"), "state-1\n");
        assertThat(open(dir)).containsExactly("/new=n 3/90", "@100");
        assertThat(storeFiles()).containsExactly("CURRENT", "state-1");
    }

    @Test
    void crashDuringASecondInstallKeepsTheFirstSnapshot() throws IOException {
        copy(completeNewState(), dir.resolve("state-1"));
        Files.writeString(dir.resolve("CURRENT"), "state-1\n");
        Files.createDirectory(dir.resolve("state-2"));
        Files.write(dir.resolve("state-2/checkpoint-a.db"), new byte[100]);
        Files.writeString(dir.resolve("CURRENT.tmp"), "state-2\n");
        assertThat(open(dir)).containsExactly("/new=n 3/90", "@100");
        assertThat(storeFiles()).containsExactly("CURRENT", "state-1");
    }

    @Test
    void killedWhileInstallingSnapshotsReopensTheLastOrTheNextOne() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        long next = 1;
        for (String round : List.of("r1", "r2", "r3")) {
            double killAt = random.nextDouble();
            long lastInstalled = runAndKill(round + " (seed " + seed + ")", next, killAt);
            try (MapDbStore store = MapDbStore.openReplica(dir, SnapshotInstaller.OPTIONS)) {
                long revision = store.currentRevision();
                assertThat(revision).as("round %s: installed %d", round, lastInstalled)
                        .isIn(SnapshotInstaller.revision(lastInstalled), SnapshotInstaller.revision(lastInstalled + 1));
                long onDisk = revision == SnapshotInstaller.revision(lastInstalled) ? lastInstalled : lastInstalled + 1;
                List<KeyValue> expected = SnapshotInstaller.items(onDisk);
                List<KeyValue> actual = store.list("/", null, 0).items();
                assertThat(actual).hasSameSizeAs(expected);
                for (KeyValue kv : expected) {
                    assertThat(store.get(kv.key())).get().usingRecursiveComparison().isEqualTo(kv);
                }
                assertThat(storeFiles()).hasSize(2).contains("CURRENT");
                // the reopened replica goes on from the snapshot's revision
                assertThat(store.applyReplicated(List.of(new Change(revision + 1, Change.Type.CREATED, "/after", bytes("a"), revision + 1, null))).join())
                        .isEqualTo(revision + 1);
                next = onDisk + 2;
            }
        }
    }

    /**
     * Starts a {@link SnapshotInstaller}, reads its acknowledgements and kills it at a random
     * moment of an install: {@code killAt} (0..1) of the time the last install took, after its
     * acknowledgement. Returns the last acknowledged install.
     */
    private long runAndKill(String round, long first, double killAt) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path stderr = Files.createTempFile(elsewhere, "installer-", ".stderr");
        Process child = new ProcessBuilder(
                        java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                        SnapshotInstaller.class.getName(), dir.toString(), Long.toString(first))
                .redirectError(stderr.toFile())
                .start();
        long last = -1;
        int acks = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
            String line;
            long previousAck = 0;
            long installNanos = 0;
            while (acks < INSTALLS_BEFORE_KILL && (line = out.readLine()) != null) {
                long n = parse(line);
                if (n > 0) {
                    last = n;
                    acks++;
                    long now = System.nanoTime();
                    installNanos = now - previousAck;
                    previousAck = now;
                }
            }
            // Not a wait for a condition: the kill moment. The installer must still be running.
            assertThat(child.waitFor((long) (killAt * installNanos), TimeUnit.NANOSECONDS))
                    .as("installer still running").isFalse();
            child.toHandle().destroyForcibly(); // SIGKILL, leaving stdout readable
            while ((line = out.readLine()) != null) {
                long n = parse(line);
                last = Math.max(last, n);
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        assertThat(acks).as(() -> "installs of round " + round + "; child stderr:\n" + readQuietly(stderr))
                .isGreaterThanOrEqualTo(INSTALLS_BEFORE_KILL);
        return last;
    }

    /** The snapshot number of a complete {@code INSTALLED <n> .} line, else -1. */
    private static long parse(String line) {
        String[] parts = line.split(" ");
        return parts.length == 3 && parts[0].equals("INSTALLED") && parts[2].equals(".") ? Long.parseLong(parts[1]) : -1;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
