package io.karavel.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests per second and latency through the service proxy against a direct connection to the
 * same pod, in the same run: phases alternate direct, proxy, direct, proxy so that drift (CPU
 * frequency, other load) hits both sides alike, and each side's samples are pooled.
 *
 * <p>Two kinds of traffic:
 * <ul>
 *   <li>{@code http}: HTTP/1.0 {@code GET /} on a fresh connection per request (busybox httpd
 *       answers one request per connection): connection setup is part of every request, as for
 *       many simple clients;</li>
 *   <li>{@code echo}: persistent connections, each request {@code --payload} bytes echoed back by
 *       {@link EchoServer}: the proxy's per-message cost with nothing else in the way, the worst
 *       case for a ratio.</li>
 * </ul>
 * {@code --connections} clients run in parallel, each with one request in flight (closed loop).
 * Latency percentiles are exact (nearest rank over all requests of that side).
 *
 * <p>Usage: {@code ProxyBench --direct HOST:PORT --service HOST:PORT [--mode http|echo]
 * [--connections 8] [--seconds 10] [--warmup-seconds 3] [--rounds 2] [--payload 64]}
 */
public final class ProxyBench {

    private record Side(String name, InetSocketAddress address) {}

    /** What one phase measured; {@code proxyCpuSeconds}: CPU used by the proxy's JVM meanwhile (0 if unknown). */
    private record Phase(long requests, long errors, long[] latenciesNanos, double seconds, double proxyCpuSeconds) {}

    /** The Karavel JVM serving the proxy ({@code --pid}), whose CPU time is read from /proc; 0: none. */
    private static long proxyPid;

    public static void main(String[] args) throws Exception {
        InetSocketAddress direct = null;
        InetSocketAddress service = null;
        String mode = "http";
        int connections = 8;
        int seconds = 10;
        int warmup = 3;
        int rounds = 2;
        int payload = 64;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--direct" -> direct = address(value);
                case "--service" -> service = address(value);
                case "--mode" -> mode = value;
                case "--connections" -> connections = Integer.parseInt(value);
                case "--seconds" -> seconds = Integer.parseInt(value);
                case "--warmup-seconds" -> warmup = Integer.parseInt(value);
                case "--rounds" -> rounds = Integer.parseInt(value);
                case "--payload" -> payload = Integer.parseInt(value);
                case "--pid" -> proxyPid = Long.parseLong(value);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (direct == null || service == null) {
            throw new IllegalArgumentException("--direct and --service are required");
        }
        List<Side> sides = List.of(new Side("direct", direct), new Side("proxy", service));
        for (Side side : sides) {
            run(side, mode, connections, warmup, payload); // warm-up, discarded
        }
        List<List<Phase>> phases = List.of(new ArrayList<>(), new ArrayList<>());
        for (int round = 0; round < rounds; round++) {
            for (int s = 0; s < sides.size(); s++) {
                phases.get(s).add(run(sides.get(s), mode, connections, seconds, payload));
            }
        }
        System.out.printf(Locale.ROOT, "| traffic | path | connections | requests | errors | req/s | p50 | p99 |"
                + " Karavel JVM CPU per request |%n");
        System.out.printf(Locale.ROOT, "|---|---|--:|--:|--:|--:|--:|--:|--:|%n");
        double[] rate = new double[2];
        double[] p50 = new double[2];
        double[] p99 = new double[2];
        for (int s = 0; s < sides.size(); s++) {
            long requests = 0;
            long errors = 0;
            double time = 0;
            double cpu = 0;
            List<long[]> all = new ArrayList<>();
            for (Phase phase : phases.get(s)) {
                cpu += phase.proxyCpuSeconds();
                requests += phase.requests();
                errors += phase.errors();
                time += phase.seconds();
                all.add(phase.latenciesNanos());
            }
            long[] latencies = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            rate[s] = requests / time;
            p50[s] = percentile(latencies, 50) / 1e3;
            p99[s] = percentile(latencies, 99) / 1e3;
            System.out.printf(Locale.ROOT, "| %s | %s %s | %d | %d | %d | %.0f | %.0f µs | %.0f µs | %s |%n", mode,
                    sides.get(s).name(), sides.get(s).address().getAddress().getHostAddress() + ":"
                            + sides.get(s).address().getPort(),
                    connections, requests, errors, rate[s], p50[s], p99[s],
                    proxyPid == 0 ? "-" : String.format(Locale.ROOT, "%.1f µs", cpu * 1e6 / Math.max(1, requests)));
        }
        System.out.printf(Locale.ROOT, "%nproxy/direct: throughput %.2fx (target >= 0.8), p50 latency %.2fx, "
                + "p99 latency %.2fx (target <= 1.3)%n", rate[1] / rate[0], p50[1] / p50[0], p99[1] / p99[0]);
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static Phase run(Side side, String mode, int connections, int seconds, int payload) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicLong errors = new AtomicLong();
        List<long[]> perClient = new ArrayList<>();
        List<Thread> clients = new ArrayList<>();
        long start = System.nanoTime();
        long cpuBefore = cpuTicks();
        for (int c = 0; c < connections; c++) {
            LatencyLog log = new LatencyLog();
            Thread client = new Thread(() -> {
                try {
                    if (mode.equals("echo")) {
                        echoLoop(side.address(), payload, deadline, log, errors);
                    } else {
                        httpLoop(side.address(), deadline, log, errors);
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
                synchronized (perClient) {
                    perClient.add(log.toArray());
                }
            }, "bench-" + side.name() + "-" + c);
            clients.add(client);
            client.start();
        }
        for (Thread client : clients) {
            client.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = (cpuTicks() - cpuBefore) / 100.0; // clock ticks: 100 per second on Linux
        long[] latencies = perClient.stream().flatMapToLong(Arrays::stream).toArray();
        return new Phase(latencies.length, errors.get(), latencies, elapsed, cpu);
    }

    /** utime + stime of {@link #proxyPid} in clock ticks, from /proc; 0 without a pid. */
    private static long cpuTicks() throws IOException {
        if (proxyPid == 0) {
            return 0;
        }
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + proxyPid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15 of stat(5)
    }

    private static final byte[] GET = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private static void httpLoop(InetSocketAddress address, long deadline, LatencyLog log, AtomicLong errors) {
        byte[] buffer = new byte[8192];
        while (System.nanoTime() < deadline) {
            long begin = System.nanoTime();
            try (Socket socket = new Socket()) {
                socket.setTcpNoDelay(true);
                socket.connect(address, 5_000);
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(GET);
                InputStream in = socket.getInputStream();
                int total = 0;
                for (int n; (n = in.read(buffer)) > 0; ) {
                    total += n;
                }
                if (total == 0) {
                    throw new IOException("empty response");
                }
                log.add(System.nanoTime() - begin);
            } catch (IOException e) {
                errors.incrementAndGet();
            }
        }
    }

    private static void echoLoop(InetSocketAddress address, int payload, long deadline, LatencyLog log,
                                 AtomicLong errors) throws IOException {
        byte[] request = new byte[payload];
        Arrays.fill(request, (byte) 'x');
        byte[] response = new byte[payload];
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(address, 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            while (System.nanoTime() < deadline) {
                long begin = System.nanoTime();
                out.write(request);
                int read = 0;
                while (read < payload) {
                    int n = in.read(response, read, payload - read);
                    if (n < 0) {
                        throw new IOException("connection closed by the server");
                    }
                    read += n;
                }
                log.add(System.nanoTime() - begin);
            }
        }
    }

    /** A growable array of latencies, one per client thread (no sharing while measuring). */
    private static final class LatencyLog {
        private long[] values = new long[1 << 14];
        private int size;

        void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
