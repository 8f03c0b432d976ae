package io.karavel.proxy.impl;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code local} route for a whole range on {@code lo} ({@code ip route replace local <range> dev lo}):
 * the host then accepts every address of the range as its own, so the proxy can listen on the
 * bridge-side Service addresses without configuring one address per Service.
 *
 * <p>Several Karavel JVMs on one host (an all-in-one plus node JVMs) share the route: each one
 * registers its pid in {@code /run/karavel/local-routes/<range>/}, and the last one to stop removes
 * the route, whichever JVM added it. Registrations of dead processes are ignored.
 */
final class LocalRoute {

    private static final Logger LOG = LoggerFactory.getLogger(LocalRoute.class);
    private static final Path USERS_ROOT = Path.of("/run/karavel/local-routes");

    private final Ipv4Range range;
    private final Path users;

    private LocalRoute(Ipv4Range range, Path users) {
        this.range = range;
        this.users = users;
    }

    /**
     * Makes sure the route is there, adding it if needed. Null, after one warning, when it cannot
     * be added (not root, no {@code ip} command, a conflicting route).
     */
    static LocalRoute ensure(Ipv4Range range) {
        return ensure(range, USERS_ROOT);
    }

    /** {@link #ensure(Ipv4Range)} with the registrations kept under {@code usersRoot} (tests). */
    static LocalRoute ensure(Ipv4Range range, Path usersRoot) {
        Path users = usersRoot.resolve(range.toString().replace('/', '_'));
        try (Registry registry = Registry.lock(users)) {
            registry.register();
            if (exists(range)) {
                LOG.info("service proxy: local route for {} already present", range);
                return new LocalRoute(range, users);
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
            return new LocalRoute(range, users);
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

    /** Gives the route up; removes it when no other live JVM uses it. */
    void remove() {
        try (Registry registry = Registry.lock(users)) {
            if (registry.unregisterAndCountOthers() > 0) {
                LOG.info("service proxy: local route for {} kept: another Karavel JVM on this host uses it", range);
                return;
            }
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

    /**
     * The pids using one route, as empty files named by pid, changed only under an exclusive lock
     * of the directory's lock file (JVMs may start and stop at the same time).
     */
    private static final class Registry implements AutoCloseable {
        private final Path directory;
        private final FileChannel lockFile;
        private final FileLock lock;

        private Registry(Path directory, FileChannel lockFile, FileLock lock) {
            this.directory = directory;
            this.lockFile = lockFile;
            this.lock = lock;
        }

        static Registry lock(Path directory) throws IOException {
            Files.createDirectories(directory);
            FileChannel channel = FileChannel.open(directory.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                return new Registry(directory, channel, channel.lock());
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }

        void register() throws IOException {
            Files.writeString(directory.resolve(Long.toString(ProcessHandle.current().pid())), "");
        }

        /** Removes this JVM's registration and stale ones; the number of other live users. */
        int unregisterAndCountOthers() throws IOException {
            long self = ProcessHandle.current().pid();
            Files.deleteIfExists(directory.resolve(Long.toString(self)));
            int others = 0;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "[0-9]*")) {
                for (Path entry : entries) {
                    long pid = Long.parseLong(entry.getFileName().toString());
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        others++;
                    } else {
                        Files.deleteIfExists(entry);
                    }
                }
            }
            return others;
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                lockFile.close();
            }
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
