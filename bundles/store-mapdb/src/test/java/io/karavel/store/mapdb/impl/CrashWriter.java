package io.karavel.store.mapdb.impl;

import io.karavel.api.store.KeyValue;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The child process of {@link CrashRecoveryTest}: opens the store in {@code args[0]} and creates
 * keys {@code /crash/<round>/<writer>/<n>} from several threads as fast as it can, printing
 * {@code ACK <key> <revision> .} once each create returned (is durable). It never stops on its
 * own: the test kills it with SIGKILL. Optional {@code args[3]}: the checkpoint interval in ms.
 */
public final class CrashWriter {
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        String round = args[1];
        int writers = Integer.parseInt(args[2]);
        MapDbStore.Options options = MapDbStore.Options.defaults();
        if (args.length > 3) { // optional: checkpoint interval, to crash during checkpoints
            options = options.withCheckpointIntervalMillis(Long.parseLong(args[3]));
        }
        MapDbStore store = MapDbStore.open(dir, options);
        PrintStream out = System.out;
        out.println("READY " + store.currentRevision() + " .");
        out.flush();
        byte[] value = new byte[1024];
        for (int w = 0; w < writers; w++) {
            int writer = w;
            new Thread(() -> {
                for (long n = 0; ; n++) {
                    String key = "/crash/" + round + "/" + writer + "/" + n;
                    KeyValue kv = store.create(key, value);
                    synchronized (out) {
                        out.println("ACK " + key + " " + kv.modRevision() + " .");
                        out.flush();
                    }
                }
            }).start();
        }
    }
}
