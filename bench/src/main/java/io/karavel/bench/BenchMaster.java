package io.karavel.bench;

import io.karavel.testing.FreePorts;
import io.karavel.testing.ProcessTree;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One Karavel master run by the HA benchmark: {@code bin/karavel run --profile master} in its own
 * unpacked copy of the distribution, with its own free ports. It can be killed ({@code kill -9}
 * of its process tree, by pid) and started again on the same home, so with the same store.
 * Every pid launched is appended to {@code <work>/pids}, so the script stops what is left.
 */
final class BenchMaster {
    private final String name;
    private final Path home;
    private final Path pidFile;
    private final int apiPort = FreePorts.next();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    private BenchMaster(String name, Path home, Path pidFile) {
        this.name = name;
        this.home = home;
        this.pidFile = pidFile;
        int rmiRegistry = FreePorts.next();
        int rmiServer = FreePorts.next();
        environment.put("KARAVEL_API_PORT", Integer.toString(apiPort));
        environment.put("KARAVEL_KUBELET_PORT", "0");
        environment.put("ORG_APACHE_KARAF_SHELL_SSHPORT", Integer.toString(FreePorts.next()));
        environment.put("ORG_APACHE_KARAF_MANAGEMENT_RMIREGISTRYPORT", Integer.toString(rmiRegistry));
        environment.put("ORG_APACHE_KARAF_MANAGEMENT_RMISERVERPORT", Integer.toString(rmiServer));
        environment.put("ORG_APACHE_KARAF_MANAGEMENT_SERVICEURL",
                "service:jmx:rmi://127.0.0.1:" + rmiServer + "/jndi/rmi://127.0.0.1:" + rmiRegistry + "/karaf-root");
    }

    /** Unpacks {@code archive} into {@code work/name}. */
    static BenchMaster unpack(Path work, String name, Path archive) throws IOException, InterruptedException {
        Path home = work.resolve(name);
        Files.createDirectories(home);
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", home.toString(),
                "--strip-components=1").inheritIO().start();
        if (tar.waitFor() != 0) {
            throw new IllegalStateException("tar could not unpack " + archive);
        }
        return new BenchMaster(name, home, work.resolve("pids"));
    }

    BenchMaster withEnv(String variable, String value) {
        environment.put(variable, value);
        return this;
    }

    String name() {
        return name;
    }

    String apiUrl() {
        return "http://127.0.0.1:" + apiPort;
    }

    Path home() {
        return home;
    }

    boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the master in the background (HA masters are launched together). */
    void launch() throws IOException {
        if (isRunning()) {
            throw new IllegalStateException(name + " is already running");
        }
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/karavel").toString(), "run", "--profile", "master")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("console.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(environment);
        process = builder.start();
        Files.writeString(pidFile, process.pid() + "\n", StandardCharsets.US_ASCII,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Until {@code /readyz} answers 200 (an HA master: leader or follower, caught up). */
    void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!isRunning()) {
                throw new IllegalStateException(name + " exited; see " + home.resolve("console.log"));
            }
            if (get("/readyz") == 200 && Files.exists(home.resolve("etc/kubeconfig"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " not ready after " + timeout + "; see " + home.resolve("data/log/karaf.log"));
    }

    private int get(String path) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(apiUrl() + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@code kill -9} of the process tree; returns once it is gone. */
    void kill() {
        if (process == null) {
            return;
        }
        ProcessTree.kill(process);
        process = null;
    }

    /** SIGTERM to the tree, {@code kill -9} after 60 s. */
    void stop() {
        if (process == null) {
            return;
        }
        ProcessTree.stop(process, Duration.ofSeconds(60));
        process = null;
    }
}
