package io.karavel.itests.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A watch on the ConfigMaps of namespace default that survives its master, as a client that
 * knows every master resumes one: whenever its connection drops (the master was killed), goes
 * silent (paused) or refuses, it asks the next master for every change after the last
 * resourceVersion it saw. Every event is recorded, so a test can check that each acknowledged
 * create was seen exactly once and in resourceVersion order across all the resumptions.
 *
 * <p>HTTP/1.0 on a plain socket, so that the body ends with the connection and a read timeout
 * catches a master that stopped answering (the JDK client's timeout covers only the headers).
 */
final class HaWatch implements AutoCloseable {
    /** No event for this long: the master is presumed gone silent and the watch moves on. */
    private static final int SILENCE_MILLIS = 15_000;

    /**
     * One watch event as received: its type, object name and resourceVersion, which master sent
     * it, on which of the watch's connections (1, 2, ...), resumed after which resourceVersion, and
     * when (to match it with the masters' logs).
     */
    record Event(String type, String name, long resourceVersion, int master, int connection, long resumedAfter,
            java.time.LocalTime received) {}

    private final List<String> apiUrls;
    private final ObjectMapper json = new ObjectMapper();
    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread thread;
    private volatile long lastResourceVersion;
    private volatile boolean running = true;
    private volatile Socket socket;

    /** Watches every change after {@code fromResourceVersion}, starting on master {@code firstMaster}. */
    HaWatch(List<String> apiUrls, long fromResourceVersion, int firstMaster) {
        this.apiUrls = List.copyOf(apiUrls);
        this.lastResourceVersion = fromResourceVersion;
        this.thread = new Thread(() -> watchUntilClosed(firstMaster), "ha-watch");
        thread.setDaemon(true);
    }

    HaWatch start() {
        thread.start();
        return this;
    }

    private void watchUntilClosed(int firstMaster) {
        for (int master = firstMaster; running; master = (master + 1) % apiUrls.size()) {
            try {
                watchOnce(master);
            } catch (IOException | RuntimeException e) {
                // dropped, silent or refusing: resume on the next master
            }
            if (running) {
                Poll.pause();
            }
        }
    }

    private void watchOnce(int master) throws IOException {
        URI api = URI.create(apiUrls.get(master));
        try (Socket s = new Socket()) {
            socket = s;
            if (!running) {
                return;
            }
            s.connect(new InetSocketAddress(api.getHost(), api.getPort()), 2_000);
            s.setSoTimeout(SILENCE_MILLIS);
            OutputStream out = s.getOutputStream();
            long resumedAfter = lastResourceVersion;
            out.write(("GET /api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + resumedAfter
                    + " HTTP/1.0\r\nHost: " + api.getHost() + "\r\nAccept: application/json\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status == null || !status.matches("HTTP/1\\.[01] 200.*")) {
                String body = readRest(in);
                errors.add("master " + (master + 1) + " refused the watch from " + lastResourceVersion + ": " + status + " " + body);
                return;
            }
            for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
                // headers: nothing needed
            }
            int connection = connections.incrementAndGet();
            for (String line = in.readLine(); line != null && running; line = in.readLine()) {
                if (!line.isBlank()) {
                    accept(master, connection, resumedAfter, json.readTree(line));
                }
            }
        } finally {
            socket = null;
        }
    }

    private void accept(int master, int connection, long resumedAfter, JsonNode event) {
        String type = event.path("type").asText();
        JsonNode object = event.path("object");
        if (type.equals("ERROR")) {
            // e.g. 410 Expired: this master's history does not reach back; another's may
            errors.add("master " + (master + 1) + " sent an ERROR after " + lastResourceVersion + ": " + object);
            throw new IllegalStateException("watch error");
        }
        long resourceVersion = object.at("/metadata/resourceVersion").asLong();
        if (!type.equals("BOOKMARK")) {
            events.add(new Event(type, object.at("/metadata/name").asText(), resourceVersion, master, connection,
                    resumedAfter, java.time.LocalTime.now()));
        }
        if (resourceVersion > lastResourceVersion) {
            lastResourceVersion = resourceVersion;
        }
    }

    private static String readRest(BufferedReader in) {
        StringBuilder text = new StringBuilder();
        try {
            for (String line = in.readLine(); line != null && text.length() < 2_000; line = in.readLine()) {
                text.append(line).append(' ');
            }
        } catch (IOException e) {
            // what was read is enough for the message
        }
        return text.toString().trim();
    }

    /** The highest resourceVersion seen (events and bookmarks). */
    long lastResourceVersion() {
        return lastResourceVersion;
    }

    /** Every event except bookmarks, in arrival order. */
    List<Event> events() {
        return new ArrayList<>(events);
    }

    /** How many watches were established (1 + resumptions). */
    int connections() {
        return connections.get();
    }

    /** Refusals and ERROR events met on the way (each followed by a resumption elsewhere). */
    List<String> errors() {
        return new ArrayList<>(errors);
    }

    @Override
    public void close() {
        running = false;
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing to unblock the reader: nothing to do
            }
        }
        try {
            thread.join(SILENCE_MILLIS + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
