package io.karavel.runtime.podman.impl;

import io.karavel.api.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code podman system service} this runtime started (or adopted) and will stop: its API socket
 * is {@code <dir>/podman.sock}, its pid is kept in {@code <dir>/podman-service.pid} and its output
 * goes to {@code <dir>/podman-service.log}.
 *
 * <p>Containers do not depend on the service (each has its own {@code conmon}), so stopping or
 * losing it stops no container. When the JVM died without stopping it (kill -9), the next start
 * finds it through the pid file and adopts it instead of starting a second one.
 */
final class PodmanService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PodmanService.class);
    static final String SOCKET_NAME = "podman.sock";
    private static final String PID_FILE = "podman-service.pid";
    private static final String LOG_FILE = "podman-service.log";
    /** The longest path a unix socket address may have on Linux (108 bytes with the final NUL). */
    private static final int MAX_SOCKET_PATH = 107;

    private final ProcessHandle process;
    private final Path socket;
    private final Path pidFile;

    private PodmanService(ProcessHandle process, Path socket, Path pidFile) {
        this.process = process;
        this.socket = socket;
        this.pidFile = pidFile;
    }

    /**
     * Starts {@code <binary> system service -t 0 unix://<dir>/podman.sock} with
     * {@code CONTAINERS_CONF=<containersConf>} (when not {@code null}) and waits until its socket
     * accepts connections.
     */
    static PodmanService start(String binary, Path dir, Path containersConf, Duration timeout) {
        Path socket = dir.resolve(SOCKET_NAME).toAbsolutePath();
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new ContainerRuntimeException("podman socket path " + socket + " is longer than a unix socket "
                    + "path may be (" + MAX_SOCKET_PATH + " bytes): configure a shorter directory or a socket");
        }
        Path pidFile = dir.resolve(PID_FILE);
        try {
            Files.createDirectories(dir);
            Optional<PodmanService> adopted = adopt(socket, pidFile);
            if (adopted.isPresent()) {
                return adopted.get();
            }
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot prepare " + dir + " for the podman service: " + e, e);
        }
        List<String> command = List.of(binary, "system", "service", "--time", "0", "unix://" + socket);
        ProcessBuilder builder = new ProcessBuilder(command)
                // No pipes to this JVM: the service must outlive it (kill -9) untouched, to be adopted.
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(LOG_FILE).toFile()));
        if (containersConf != null) {
            builder.environment().put("CONTAINERS_CONF", containersConf.toString());
        }
        Process started;
        try {
            started = builder.start();
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot run " + binary + " (is podman installed? "
                    + "scripts/setup-podman.sh installs it): " + LibpodClient.oneLine(e.getMessage()), e);
        }
        PodmanService service = new PodmanService(started.toHandle(), socket, pidFile);
        try {
            Files.writeString(pidFile, Long.toString(started.pid()));
            service.awaitSocket(started, dir.resolve(LOG_FILE), timeout);
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e instanceof ContainerRuntimeException cre ? cre
                    : new ContainerRuntimeException("cannot start the podman service: " + e, e);
        }
        LOG.info("started podman service (pid {}) on {}{}", started.pid(), socket,
                containersConf == null ? "" : " with CONTAINERS_CONF=" + containersConf);
        return service;
    }

    private static Optional<PodmanService> adopt(Path socket, Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        // The pid may have been reused by another process since: adopt only our own service.
        boolean ours = handle.flatMap(h -> h.info().commandLine())
                .map(line -> line.contains("system service") && line.contains(socket.toString()))
                .orElse(false);
        if (!ours || !accepts(socket)) {
            return Optional.empty();
        }
        LOG.info("adopted the podman service (pid {}) left running on {}", pid, socket);
        return Optional.of(new PodmanService(handle.get(), socket, pidFile));
    }

    private void awaitSocket(Process started, Path log, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!accepts(socket)) {
            if (!started.isAlive()) {
                throw new ContainerRuntimeException("podman system service exited with code " + started.exitValue()
                        + ": " + lastLines(log));
            }
            if (System.nanoTime() > deadline) {
                throw new ContainerRuntimeException("podman system service did not open " + socket + " within "
                        + timeout.toSeconds() + " s: " + lastLines(log));
            }
            try {
                started.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContainerRuntimeException("interrupted while starting the podman service", e);
            }
        }
    }

    private static boolean accepts(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> tail = new ArrayList<>(lines.subList(Math.max(0, lines.size() - 3), lines.size()));
            return tail.isEmpty() ? "(no output in " + log + ")" : String.join(" | ", tail);
        } catch (IOException e) {
            return "(see " + log + ")";
        }
    }

    Path socket() {
        return socket;
    }

    long pid() {
        return process.pid();
    }

    /** Stops the service: SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("podman service (pid {}) did not stop on SIGTERM: killing it", process.pid());
                process.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            LOG.debug("cannot delete {}", pidFile, e);
        }
        LOG.info("stopped podman service (pid {})", process.pid());
    }
}
