package io.karavel.runtime.process.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.runtime.ContainerNotFoundException;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class ProcessRuntimeLogsTest extends ProcessRuntimeTestSupport {

    private static final String RFC3339_NANO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z";

    @Test
    void servesAllLinesTheLastOnesOrABytePrefix() throws Exception {
        PodSandbox pod = sandbox("logs");
        String id = run(pod.id(), container("printer", sh("echo one; echo two; echo three; printf 'no newline'")));
        awaitExited(id);

        assertThat(logs(id, LogOptions.ALL)).isEqualTo("one\ntwo\nthree\nno newline\n");
        assertThat(logs(id, new LogOptions(false, 2, false, null, -1))).isEqualTo("three\nno newline\n");
        assertThat(logs(id, new LogOptions(false, 0, false, null, -1))).isEmpty();
        assertThat(logs(id, new LogOptions(false, -1, false, null, 6))).isEqualTo("one\ntw");
    }

    @Test
    void stderrIsInTheLogToo() throws Exception {
        PodSandbox pod = sandbox("stderr");
        String id = run(pod.id(), container("complainer", sh("echo to-stderr >&2")));
        awaitExited(id);

        assertThat(logs(id, LogOptions.ALL)).isEqualTo("to-stderr\n");
        assertThat(Files.readString(runtime.filesOf(id).log())).matches(RFC3339_NANO + " stderr F to-stderr\n");
    }

    @Test
    void prefixesTimestampsAndFiltersBySinceTime() throws Exception {
        PodSandbox pod = sandbox("times");
        String id = run(pod.id(), container("printer", sh("echo one; echo two")));
        awaitExited(id);

        String stamped = logs(id, new LogOptions(false, -1, true, null, -1));
        assertThat(stamped.split("\n")).hasSize(2).satisfiesExactly(
                line -> assertThat(line).matches(RFC3339_NANO + " one"),
                line -> assertThat(line).matches(RFC3339_NANO + " two"));
        Instant secondTime = Instant.parse(stamped.split("\n")[1].split(" ")[0]);
        Instant firstTime = Instant.parse(stamped.split("\n")[0].split(" ")[0]);
        assertThat(logs(id, new LogOptions(false, -1, false, firstTime, -1))).isEqualTo("one\ntwo\n");
        assertThat(logs(id, new LogOptions(false, -1, false, secondTime.plusNanos(1), -1))).isEmpty();
    }

    @Test
    void followStreamsNewLinesAndEndsWhenTheContainerExits() throws Exception {
        Path go = root.resolve("go");
        PodSandbox pod = sandbox("follow");
        String id = run(pod.id(), container("waiter",
                sh("echo before; while [ ! -e " + go + " ]; do sleep 0.02; done; echo after")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Void> follower = CompletableFuture.runAsync(() -> {
            try {
                runtime.logs(id, new LogOptions(true, -1, false, null, -1), synchronizedStream(out));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        eventually("the first line is streamed", TIMEOUT, () -> text(out).equals("before\n"));
        assertThat(follower).isNotDone();
        Files.createFile(go);

        follower.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(text(out)).isEqualTo("before\nafter\n");
    }

    @Test
    void followOfAnExitedContainerReturnsItsLog() throws Exception {
        PodSandbox pod = sandbox("followexited");
        String id = run(pod.id(), container("done", sh("echo done")));
        awaitExited(id);

        assertThat(logs(id, new LogOptions(true, 1, false, null, -1))).isEqualTo("done\n");
    }

    @Test
    void longLinesArriveWhole() throws Exception {
        PodSandbox pod = sandbox("long");
        String id = run(pod.id(), container("long", sh("head -c 40000 /dev/zero | tr '\\0' x; echo; echo done")));
        awaitExited(id);

        String log = logs(id, LogOptions.ALL);
        // compared piecewise: a failure message with the 40000 characters would be unreadable
        assertThat(log.indexOf('\n')).isEqualTo(40000);
        assertThat(log.replace("x", "")).isEqualTo("\ndone\n");
    }

    @Test
    void logsOfAnUnknownContainerFail() {
        Assertions.assertThatThrownBy(() -> logs("nope", LogOptions.ALL)).isInstanceOf(ContainerNotFoundException.class);
    }

    private static java.io.OutputStream synchronizedStream(ByteArrayOutputStream out) {
        return new java.io.OutputStream() {
            @Override
            public void write(int b) {
                synchronized (out) {
                    out.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (out) {
                    out.write(b, off, len);
                }
            }
        };
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

}
