package io.karavel.itests.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code /usr/bin/kubectl}, pointed at one Karavel by its generated kubeconfig, with a
 * private discovery cache so runs never see each other's cached API lists.
 */
final class Kubectl {
    static final Path BINARY = Paths.get("/usr/bin/kubectl");

    private final Path kubeconfig;
    private final Path cacheDir;

    Kubectl(Path kubeconfig, Path cacheDir) {
        this.kubeconfig = kubeconfig;
        this.cacheDir = cacheDir;
    }

    /** What one kubectl invocation printed, and how it exited. */
    record Result(int exitCode, String stdout, String stderr) {
        Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("kubectl failed (" + exitCode + "): " + stderr + stdout);
            }
            return this;
        }
    }

    /** Runs kubectl to completion (at most 60 s). */
    Result run(String... args) {
        try {
            Path stderr = Files.createTempFile(cacheDir, "kubectl", ".err");
            Process process = builder(args).redirectError(stderr.toFile()).start();
            // stderr goes to a file, so reading stdout to its end cannot deadlock
            String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 60 s");
            }
            String errors = Files.readString(stderr);
            Files.delete(stderr);
            return new Result(process.exitValue(), stdout, errors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts kubectl and leaves it running (for {@code get -w}); the caller destroys it. */
    Process start(String... args) {
        try {
            return builder(args).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ProcessBuilder builder(String... args) {
        List<String> command = new ArrayList<>();
        command.add(BINARY.toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.add("--cache-dir=" + cacheDir);
        command.add("--request-timeout=30s");
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }
}
