package io.karavel.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real kubectl ({@code /usr/bin/kubectl}) against a test server with a private HOME,
 * kubeconfig and cache dir, so that nothing leaks between runs.
 */
public final class Kubectl {
    public static final Path BINARY = Path.of("/usr/bin/kubectl");

    /** Result of one kubectl run. */
    public record Run(int exit, String out, String err) {}

    private final Path home;
    private final Path kubeconfig;
    private final Path cache;

    public Kubectl(Path home, Path kubeconfig) {
        this.home = home;
        this.kubeconfig = kubeconfig;
        this.cache = home.resolve("cache");
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    public Path cacheDir() {
        return cache;
    }

    /** A kubectl process with this instance's HOME, kubeconfig and cache, not started yet. */
    public ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--kubeconfig", kubeconfig.toString(),
                "--cache-dir", cache.toString(), "--request-timeout", "20s"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("KUBECONFIG");
        return pb;
    }

    /** Runs kubectl to its end (at most 60 s). */
    public Run run(String... args) throws Exception {
        Process p = builder(args).start();
        p.getOutputStream().close();
        // stderr on its own thread: -v output can fill the pipe while stdout is read
        var err = new java.util.concurrent.CompletableFuture<byte[]>();
        Thread errReader = new Thread(() -> {
            try {
                err.complete(p.getErrorStream().readAllBytes());
            } catch (java.io.IOException e) {
                err.completeExceptionally(e);
            }
        });
        errReader.setDaemon(true);
        errReader.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not end within 60 s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }
}
