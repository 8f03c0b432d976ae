package io.karavel.itests.process;

import io.karavel.testing.FreePorts;
import io.karavel.testing.ProcessTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Karavel distribution started as a real operating-system process, the way a user runs it:
 * {@code bin/karavel run} in a private copy of the built assembly, with its own free ports.
 *
 * <p>Tests stop only what they started: {@link #kill()} and {@link #stop()} signal this
 * process tree by pid, never by name.
 */
final class KaravelProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private final Path home;
    private final String profile;
    private final int apiPort;
    private final int sshPort;
    private final int rmiRegistryPort;
    private final int rmiServerPort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final java.util.concurrent.atomic.AtomicInteger INSTANCES = new java.util.concurrent.atomic.AtomicInteger();

    private final Map<String, String> extraEnvironment = new java.util.LinkedHashMap<>();
    private final int instance = INSTANCES.incrementAndGet();
    private Process process;

    private KaravelProcess(Path home, String profile) {
        this.home = home;
        this.profile = profile;
        this.apiPort = FreePorts.next();
        this.sshPort = FreePorts.next();
        this.rmiRegistryPort = FreePorts.next();
        this.rmiServerPort = FreePorts.next();
    }

    /**
     * Unpacks the built archive into a fresh directory under {@code target/}: a clean install,
     * untouched by whatever ran from the build's own assembly directory.
     */
    static KaravelProcess fromFreshCopy(String name, String profile) {
        String archive = System.getProperty("karavel.assembly.archive");
        if (archive == null) {
            throw new IllegalStateException("system property karavel.assembly.archive is not set");
        }
        Path home = Paths.get("target", "karavel-homes", name + "-" + System.nanoTime()).toAbsolutePath();
        unpack(Paths.get(archive), home);
        return new KaravelProcess(home, profile);
    }

    Path home() {
        return home;
    }

    int apiPort() {
        return apiPort;
    }

    String apiUrl() {
        return "http://127.0.0.1:" + apiPort;
    }

    Path kubeconfig() {
        return home.resolve("etc/kubeconfig");
    }

    /**
     * Sets an environment variable for the next {@link #start()} (e.g. {@code KARAVEL_RUNTIME}),
     * over the defaults of {@link #environment()}.
     */
    KaravelProcess withEnv(String name, String value) {
        extraEnvironment.put(name, value);
        return this;
    }

    /**
     * The environment that gives this instance its own ports (API, ssh, JMX, node agent), the
     * process runtime (no podman service unless a test asks for it with {@link #withEnv}) with
     * its own loopback range, and a node named after the instance.
     */
    Map<String, String> environment() {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("KARAVEL_KUBELET_PORT", "0");
        env.put("KARAVEL_RUNTIME", "process");
        env.put("KARAVEL_NODE_NAME", nodeName());
        env.put("KARAVEL_PROCESS_IP_RANGE", "127." + (100 + instance % 100) + ".0.0/16");
        env.putAll(ports());
        env.putAll(extraEnvironment);
        return env;
    }

    /** What one {@code bin/client} invocation printed and how it exited. */
    record ClientOutcome(int exitCode, String output) {}

    /**
     * {@code bin/client COMMAND} with no flags and standard input at end of file, as an operator's
     * script on this machine runs it (with this instance's environment: its ssh port).
     */
    ClientOutcome client(String command) {
        try {
            // to a file: a client stuck (e.g. on a password prompt) must not block the test's read
            Path output = Files.createTempFile(home, "client-", ".out");
            ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/client").toString(), command)
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(environment());
            Process client = builder.start();
            if (!client.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                client.descendants().forEach(ProcessHandle::destroyForcibly);
                client.destroyForcibly();
                throw new AssertionError("bin/client did not exit: " + Files.readString(output));
            }
            return new ClientOutcome(client.exitValue(), Files.readString(output, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running bin/client", e);
        }
    }

    /** The name of this instance's node. */
    String nodeName() {
        return "itest-node-" + instance;
    }

    private Map<String, String> ports() {
        return Map.of(
                "KARAVEL_API_PORT", Integer.toString(apiPort),
                "ORG_APACHE_KARAF_SHELL_SSHPORT", Integer.toString(sshPort),
                "ORG_APACHE_KARAF_MANAGEMENT_RMIREGISTRYPORT", Integer.toString(rmiRegistryPort),
                "ORG_APACHE_KARAF_MANAGEMENT_RMISERVERPORT", Integer.toString(rmiServerPort),
                "ORG_APACHE_KARAF_MANAGEMENT_SERVICEURL",
                "service:jmx:rmi://127.0.0.1:" + rmiServerPort + "/jndi/rmi://127.0.0.1:"
                        + rmiRegistryPort + "/karaf-root");
    }

    /**
     * Starts {@code bin/karavel run} in the background and waits until {@code /readyz} is ok; in
     * the node profile, which serves no API, only until the JVM runs (the test then waits for
     * its Node through the master's API).
     */
    KaravelProcess start() {
        launch();
        if (profile.equals("node")) {
            Poll.until(READY_TIMEOUT, "the node JVM to start", () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Karavel exited with " + process.exitValue()
                            + "; see " + home.resolve("console.log"));
                }
                // bin/karavel and bin/karaf exec the JVM, so the process itself becomes java (its
                // descendants only ever include bin/karaf's short-lived `java -version` probe).
                return process.info().command().map(c -> c.endsWith("/java")).orElse(false);
            });
            return this;
        }
        awaitReady();
        return this;
    }

    /**
     * Starts {@code bin/karavel run} in the background and returns at once (HA masters are
     * launched together: none is ready before a majority of them runs); {@link #awaitReady()}
     * then waits. Restarting after {@link #kill()} reuses the same home, so the same store.
     */
    KaravelProcess launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        ProcessBuilder builder = new ProcessBuilder(
                home.resolve("bin/karavel").toString(), "run", "--profile", profile)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("console.log").toFile()));
        builder.environment().putAll(environment());
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Waits until {@code /readyz} is ok (and the kubeconfig written), or the process exits. */
    void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Karavel exited with " + process.exitValue()
                        + " before it was ready; see " + home.resolve("console.log"));
            }
            if (isReady()) {
                return;
            }
            Poll.pause();
        }
        throw new IllegalStateException("Karavel not ready after " + READY_TIMEOUT
                + "; see " + home.resolve("console.log") + " and " + home.resolve("data/log/karaf.log"));
    }

    boolean isReady() {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(apiUrl() + "/readyz"))
                            .timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && Files.exists(kubeconfig());
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code kill -9} of the launcher and every process below it (the JVM), by pid. */
    void kill() {
        if (process == null) {
            return;
        }
        ProcessTree.kill(process);
        process = null;
    }

    /**
     * {@code kill -9} of the JVM alone, as a crash of the node agent would: processes the JVM
     * started and that outlive it (pods of the process runtime, podman's containers) are left
     * running.
     */
    void killJvm() {
        if (process == null) {
            return;
        }
        // bin/karavel execs bin/karaf, which execs the JVM: the launched process is the JVM
        process.destroyForcibly();
        process.onExit().join();
        process = null;
    }

    /** Whether the launched process still runs (paused counts as running). */
    boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The JVM's pid. */
    long pid() {
        if (process == null) {
            throw new IllegalStateException("not running");
        }
        return process.pid();
    }

    /** {@code kill -STOP} of the whole tree: the process freezes, its sockets stay open. */
    void pause() {
        signalTree("STOP");
    }

    /** {@code kill -CONT} of the whole tree, after {@link #pause()}. */
    void resume() {
        signalTree("CONT");
    }

    private void signalTree(String signal) {
        if (process == null) {
            throw new IllegalStateException("not running");
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        ProcessTree.of(process).forEach(p -> command.add(Long.toString(p.pid())));
        try {
            Process kill = new ProcessBuilder(command).inheritIO().start();
            if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Graceful stop (SIGTERM to the tree), then {@code kill -9} whatever is left after 60 s. */
    void stop() {
        if (process == null) {
            return;
        }
        ProcessTree.stop(process, Duration.ofSeconds(60));
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    private static void unpack(Path archive, Path home) {
        try {
            Files.createDirectories(home);
            Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", home.toString(),
                    "--strip-components=1").inheritIO().start();
            if (tar.waitFor() != 0) {
                throw new IllegalStateException("tar could not unpack " + archive);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
