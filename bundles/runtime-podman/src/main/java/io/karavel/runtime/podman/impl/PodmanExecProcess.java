package io.karavel.runtime.podman.impl;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.api.runtime.ContainerRuntimeException;
import io.karavel.api.runtime.ExecProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command started with libpod's exec API on a hijacked connection. One daemon thread reads the
 * connection: with a tty the bytes are the terminal output; without, they are multiplexed frames
 * split into stdout and stderr pipes. Stdin is written to the connection directly; closing it
 * half-closes the connection, which podman passes on to the process as end-of-file. The exit code
 * comes from the exec session's inspection once its output has ended.
 */
final class PodmanExecProcess implements ExecProcess {
    private static final Logger LOG = LoggerFactory.getLogger(PodmanExecProcess.class);
    /** Output buffered per stream while nobody reads it; beyond, the process waits (as on a pipe). */
    private static final int PIPE_CAPACITY = 1 << 20;

    private final LibpodClient client;
    private final String execId;
    private final LibpodClient.HijackedConnection connection;
    private final OutputStream stdin;
    private final BytePipe stdout = new BytePipe(PIPE_CAPACITY);
    private final BytePipe stderr = new BytePipe(PIPE_CAPACITY);
    private final InputStream stdoutReader = stdout.inputStream();
    private final InputStream stderrReader = stderr.inputStream();
    private final CountDownLatch outputEnded = new CountDownLatch(1);
    private volatile Integer exitCode;

    PodmanExecProcess(LibpodClient client, String execId, LibpodClient.HijackedConnection connection,
                      boolean withStdin, boolean tty) {
        this.client = client;
        this.execId = execId;
        this.connection = connection;
        this.stdin = withStdin ? ChannelStreams.output(connection.channel()) : OutputStream.nullOutputStream();
        Thread pump = new Thread(() -> pump(tty), "podman-exec-" + execId.substring(0, Math.min(12, execId.length())));
        pump.setDaemon(true);
        pump.start();
    }

    private void pump(boolean tty) {
        IOException failure = null;
        try {
            if (tty) {
                byte[] buffer = new byte[8192];
                for (int n = connection.in().read(buffer); n >= 0; n = connection.in().read(buffer)) {
                    stdout.write(buffer, 0, n);
                }
            } else {
                MultiplexedStream frames = new MultiplexedStream(connection.in());
                for (MultiplexedStream.Frame frame = frames.next(); frame != null; frame = frames.next()) {
                    BytePipe target = frame.stream() == MultiplexedStream.STDERR ? stderr : stdout;
                    target.write(frame.payload(), 0, frame.payload().length);
                }
            }
        } catch (IOException e) {
            // Closed by close(): an ordinary end; anything else is reported to the readers.
            if (connection.channel().isOpen()) {
                failure = e;
            }
        } finally {
            stdout.closeWriter(failure);
            stderr.closeWriter(failure);
            outputEnded.countDown();
        }
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return stdoutReader;
    }

    @Override
    public InputStream stderr() {
        return stderrReader;
    }

    @Override
    public int waitFor() throws InterruptedException {
        Integer known = exitCode;
        if (known != null) {
            return known;
        }
        outputEnded.await();
        // The stream ends when the process exits; the session may take a moment to record it.
        long pause = 5;
        for (int attempt = 0; ; attempt++) {
            JsonNode session = inspect();
            if (session != null && !session.path("Running").asBoolean(false)) {
                exitCode = session.path("ExitCode").asInt();
                return exitCode;
            }
            if (attempt > 200) {
                throw new ContainerRuntimeException("exec session " + execId + " output ended but podman still "
                        + "reports it running");
            }
            Thread.sleep(pause);
            pause = Math.min(pause * 2, 100);
        }
    }

    private JsonNode inspect() {
        LibpodClient.Reply reply = client.get("/exec/" + execId + "/json", Map.of());
        if (reply.notFound()) {
            throw new ContainerRuntimeException("exec session " + execId + " is gone (its container was removed)");
        }
        if (!reply.ok()) {
            throw new ContainerRuntimeException("cannot inspect exec session " + execId + ": " + reply.message());
        }
        return reply.body();
    }

    @Override
    public void close() {
        if (exitCode == null && outputEnded.getCount() > 0) {
            killBestEffort();
        }
        try {
            connection.channel().close();
        } catch (IOException e) {
            LOG.debug("closing exec connection {}", execId, e);
        }
        try {
            stdoutReader.close();
            stderrReader.close();
        } catch (IOException e) {
            LOG.debug("closing exec output {}", execId, e);
        }
    }

    /**
     * The libpod API cannot kill an exec session. Podman runs on this host, so its process id (as
     * the session reports it) is one of ours to signal; with a remote podman this does nothing and
     * the process lives until it ends by itself (closing the connection closes its stdin).
     */
    private void killBestEffort() {
        try {
            JsonNode session = inspect();
            long pid = session.path("Pid").asLong(0);
            if (pid > 0 && session.path("Running").asBoolean(false)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (RuntimeException e) {
            LOG.debug("could not kill exec session {}", execId, e);
        }
    }
}
