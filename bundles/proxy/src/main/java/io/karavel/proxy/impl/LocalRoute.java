package io.karavel.proxy.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code local} route for a whole range on {@code lo} ({@code ip route replace local <range> dev lo}):
 * the host then accepts every address of the range as its own, so the proxy can listen on the
 * bridge-side Service addresses without configuring one address per Service.
 */
final class LocalRoute {

    private static final Logger LOG = LoggerFactory.getLogger(LocalRoute.class);

    private final Ipv4Range range;
    private final boolean added;

    private LocalRoute(Ipv4Range range, boolean added) {
        this.range = range;
        this.added = added;
    }

    /**
     * Makes sure the route is there, adding it if needed. Null, after one warning, when it cannot
     * be added (not root, no {@code ip} command, a conflicting route).
     */
    static LocalRoute ensure(Ipv4Range range) {
        try {
            if (exists(range)) {
                LOG.info("service proxy: local route for {} already present", range);
                return new LocalRoute(range, false);
            }
            Result r = run("ip", "route", "replace", "local", range.toString(), "dev", "lo");
            if (r.exit() != 0) {
                LOG.warn("service proxy: cannot add the local route for the bridge-side Service range {} "
                        + "(`ip route replace local {} dev lo` exited {}: {}); Services are not served on the "
                        + "bridge side (pods with a network of their own cannot reach them)", range, range, r.exit(),
                        r.output().strip());
                return null;
            }
            LOG.info("service proxy: added local route for the bridge-side Service range {}", range);
            return new LocalRoute(range, true);
        } catch (IOException e) {
            LOG.warn("service proxy: cannot add the local route for the bridge-side Service range {} ({}); "
                    + "Services are not served on the bridge side", range, e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Whether the range is already a local route (added by us earlier, or by another Karavel JVM). */
    static boolean exists(Ipv4Range range) throws IOException, InterruptedException {
        Result r = run("ip", "route", "show", "table", "local", "type", "local", range.toString());
        return r.exit() == 0 && !r.output().isBlank();
    }

    Ipv4Range range() {
        return range;
    }

    /** Removes the route if this instance added it. */
    void remove() {
        if (!added) {
            return;
        }
        try {
            Result r = run("ip", "route", "del", "local", range.toString(), "dev", "lo", "table", "local");
            if (r.exit() != 0) {
                LOG.warn("service proxy: cannot remove the local route for {}: {}", range, r.output().strip());
            }
        } catch (IOException e) {
            LOG.warn("service proxy: cannot remove the local route for {}: {}", range, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Result(int exit, String output) {}

    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
