package io.karavel.itests.process;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.CoreMatchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;

/**
 * {@code bin/karavel} as a user drives it: start in the background, status, stop by pid,
 * profile switches that keep the store, and a one-line error for an unknown profile.
 */
public class LauncherIT {
    private final KaravelProcess karavel = KaravelProcess.fromFreshCopy("launcher", "all-in-one");

    /** What one launcher invocation printed and how it exited. */
    private record Outcome(int exitCode, String output) {}

    @After
    public void stopWhatThisTestStarted() {
        launcher("stop");
    }

    @Test
    public void unknownProfileIsAOneLineErrorAndStartsNothing() {
        Outcome outcome = launcher("start", "--profile", "nope");
        assertEquals(2, outcome.exitCode());
        assertEquals(outcome.output(), 1, outcome.output().strip().lines().count());
        assertThat(outcome.output(), containsString("nope"));
        assertEquals(3, launcher("status").exitCode());
    }

    @Test
    public void startStatusStopAndProfileSwitchKeepTheStore() throws IOException {
        assertEquals(0, launcher("start").exitCode());
        Poll.until(Duration.ofSeconds(180), "the all-in-one API to be ready", karavel::isReady);
        Outcome running = launcher("status");
        assertEquals(running.output(), 0, running.exitCode());
        assertThat(running.output(), containsString("all-in-one"));

        // the Karaf shell of the running instance, as the generated local user
        Outcome shell = launcher("shell", "karavel:status");
        assertEquals(shell.output(), 0, shell.exitCode());
        assertThat(shell.output(), containsString("apiserver.url"));
        assertThat(shell.output(), containsString(karavel.apiUrl()));

        Kubectl kubectl = new Kubectl(karavel.kubeconfig(),
                Files.createDirectories(karavel.home().resolve("kubectl-cache")));
        kubectl.run("apply", "-f", "src/test/resources/kubectl/errors-namespace.yaml").assertSuccess();

        assertEquals(0, launcher("stop").exitCode());
        assertEquals(3, launcher("status").exitCode());
        assertTrue("pid file removed", !Files.exists(karavel.home().resolve("karavel.pid")));

        // master: the same store, so the namespace created under all-in-one is still there
        assertEquals(0, launcher("start", "--profile", "master").exitCode());
        Poll.until(Duration.ofSeconds(180), "the master API to be ready", karavel::isReady);
        assertThat(launcher("status").output(), containsString("master"));
        kubectl.run("get", "namespace", "errors").assertSuccess();
        assertEquals(0, launcher("stop").exitCode());

        // node: no API server and no store in this profile
        assertEquals(0, launcher("start", "--profile", "node").exitCode());
        Poll.until(Duration.ofSeconds(180), "the node profile to run", () -> launcher("status").exitCode() == 0);
        Outcome node = launcher("status");
        assertThat(node.output(), containsString("node"));
        assertThat(node.output(), not(containsString("all-in-one")));
        assertTrue("no API server on a node", !karavel.isReady());
    }

    private Outcome launcher(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = karavel.home().resolve("bin/karavel").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(karavel.home().toFile())
                .redirectErrorStream(true)
                // as from a script or cron: standard input at end of file, no terminal
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(karavel.environment());
        builder.environment().put("KARAVEL_STOP_TIMEOUT", "60");
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("bin/karavel " + String.join(" ", args) + " did not return");
            }
            return new Outcome(process.exitValue(), output);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
