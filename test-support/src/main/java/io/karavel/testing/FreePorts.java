package io.karavel.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free loopback ports for tests that start servers, below Linux's ephemeral range (32768 and up).
 * A server a test restarts binds its port again; a port from the ephemeral range may meanwhile be
 * the local end of some outgoing connection (CI saw a restarted master fail to bind its Hazelcast
 * port so). Ports are not handed out twice by one JVM.
 */
public final class FreePorts {
    private static final int FIRST = 20000;
    private static final int LAST = 32000;
    private static final Random RANDOM = new Random();
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {}

    /** A port nothing listens on now, and that this JVM did not hand out before. */
    public static int next() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = FIRST + RANDOM.nextInt(LAST - FIRST);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // in use: try another
            }
        }
        throw new IllegalStateException("no free port in " + FIRST + "-" + LAST);
    }
}
