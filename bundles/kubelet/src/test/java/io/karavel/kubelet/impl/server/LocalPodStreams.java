package io.karavel.kubelet.impl.server;

import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.LogOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fake pod manager for the server tests: one pod {@code default/web} with a container
 * {@code app}. Its logs are fixed lines, or, with follow, whatever the test offers to
 * {@link #followLines} (an empty string ends the stream). Exec runs the command as a local process
 * ({@code /bin/sh} and friends standing in for the container).
 */
final class LocalPodStreams implements PodStreams {
    static final String NAMESPACE = "default";
    static final String POD = "web";
    static final String CONTAINER = "app";
    static final List<String> LINES = List.of("line 1", "line 2", "line 3");

    /** Lines a followed log writes, in order; "" ends the stream. */
    final BlockingQueue<String> followLines = new LinkedBlockingQueue<>();
    /** The options of the last logs call. */
    final AtomicReference<LogOptions> lastLogOptions = new AtomicReference<>();
    /** How the last followed logs call ended: "eof" or the exception that stopped it. */
    final AtomicReference<String> followEnded = new AtomicReference<>();
    /** Every process exec started, to check that none outlives its session. */
    final List<Process> processes = new CopyOnWriteArrayList<>();
    final Map<String, Boolean> lastExecFlags = new ConcurrentHashMap<>();

    @Override
    public void logs(String namespace, String pod, String container, boolean previous, LogOptions options,
                     OutputStream out) throws IOException {
        requireKnown(namespace, pod, container);
        if (previous) {
            throw new StreamException(400, "previous terminated container \"app\" in pod \"web\" not found");
        }
        lastLogOptions.set(options);
        if (!options.follow()) {
            List<String> lines = options.tailLines() >= 0
                    ? LINES.subList((int) Math.max(0, LINES.size() - options.tailLines()), LINES.size()) : LINES;
            for (String line : lines) {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        try {
            while (true) {
                String line = followLines.poll(30, TimeUnit.SECONDS);
                if (line == null || line.isEmpty()) {
                    followEnded.set("eof");
                    return;
                }
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            followEnded.set(e.toString());
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            followEnded.set(e.toString());
        }
    }

    @Override
    public ExecProcess exec(String namespace, String pod, String container, List<String> command, boolean stdin,
                            boolean tty) throws IOException {
        requireKnown(namespace, pod, container);
        lastExecFlags.put("stdin", stdin);
        lastExecFlags.put("tty", tty);
        Process process = new ProcessBuilder(command).start();
        processes.add(process);
        return new ExecProcess() {
            @Override
            public OutputStream stdin() {
                return process.getOutputStream();
            }

            @Override
            public InputStream stdout() {
                return process.getInputStream();
            }

            @Override
            public InputStream stderr() {
                return process.getErrorStream();
            }

            @Override
            public int waitFor() throws InterruptedException {
                return process.waitFor();
            }

            @Override
            public void close() {
                process.destroyForcibly();
            }
        };
    }

    private static void requireKnown(String namespace, String pod, String container) {
        if (!namespace.equals(NAMESPACE) || !pod.equals(POD)) {
            throw new StreamException(404, "pod " + namespace + "/" + pod + " is not on this node");
        }
        if (!container.equals(CONTAINER)) {
            throw new StreamException(404, "container \"" + container + "\" not found in pod " + namespace + "/" + pod);
        }
    }
}
