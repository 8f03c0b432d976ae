package io.karavel.store.mapdb.impl;

import io.karavel.api.store.KeyValue;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child process of {@link SnapshotCrashTest}: opens the replica store in {@code args[0]} and
 * installs snapshot {@code n}, {@code n+1}, ... from {@code n = args[1]} as fast as it can,
 * printing {@code INSTALLED <n> .} once each install completed. It never stops on its own: the
 * test kills it with SIGKILL.
 */
public final class SnapshotInstaller {
    /** Small journal segments: each install creates one, and 64 MiB each would slow the loop. */
    static final MapDbStore.Options OPTIONS = MapDbStore.Options.defaults().withJournalSegmentBytes(64 * 1024);

    public static void main(String[] args) {
        MapDbStore store = MapDbStore.openReplica(Path.of(args[0]), OPTIONS);
        PrintStream out = System.out;
        for (long n = Long.parseLong(args[1]); ; n++) {
            store.installSnapshot(items(n), revision(n)).join();
            out.println("INSTALLED " + n + " .");
            out.flush();
        }
    }

    /** Alternately far above and below the previous one, as for a lagging or a diverged replica. */
    static long revision(long n) {
        return n % 2 == 1 ? 1_000_000 + n : 1_000 + n;
    }

    /** Snapshot {@code n}: a key set that differs from its neighbours', every value naming {@code n}. */
    static List<KeyValue> items(long n) {
        long revision = revision(n);
        List<KeyValue> items = new ArrayList<>();
        for (int i = 0; i < 500 + n % 3; i++) {
            byte[] value = ("snapshot " + n + " key " + i + " " + "x".repeat(150)).getBytes(StandardCharsets.UTF_8);
            items.add(new KeyValue("/snap/" + i, value, 1, revision - i % 10));
        }
        return items;
    }
}
