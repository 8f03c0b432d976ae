package io.karavel.apiserver.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Reads a watch stream line by line on a background thread; {@link #next} waits with a timeout. */
final class WatchReader implements AutoCloseable {
    private static final JsonNode END = TestServer.JSON.createObjectNode().put("type", "__END__");

    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final HttpResponse<Stream<String>> response;
    private final Thread reader;

    WatchReader(HttpClient http, String url, String... headers) throws Exception {
        // the timeout covers the wait for the response headers only, not the stream
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        response = http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
        reader = new Thread(() -> {
            try {
                response.body().forEach(line -> {
                    try {
                        events.add(TestServer.JSON.readTree(line));
                    } catch (Exception e) {
                        events.add(TestServer.JSON.createObjectNode().put("type", "__UNPARSEABLE__").put("line", line));
                    }
                });
            } catch (RuntimeException e) {
                // closed
            }
            events.add(END);
        }, "watch-reader");
        reader.setDaemon(true);
        reader.start();
    }

    int status() {
        return response.statusCode();
    }

    /** The next event; fails the test after 10 s. */
    JsonNode next() throws InterruptedException {
        JsonNode e = events.poll(10, TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("no watch event within 10 s");
        }
        return e;
    }

    /** True when the server ended the stream (within 10 s). */
    boolean ended() throws InterruptedException {
        JsonNode e = events.poll(10, TimeUnit.SECONDS);
        return e == END;
    }

    @Override
    public void close() {
        response.body().close();
    }

    static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }
}
