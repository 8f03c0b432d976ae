package io.karavel.runtime.podman.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.karavel.jetty.HttpClients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A small client of podman's libpod REST API ({@code /v4.0.0/libpod/...}) over its unix socket.
 *
 * <p>Why this client and not docker-java: docker-java speaks only the Docker-compatible API, which
 * has no pods, and its jars are not OSGi bundles. Podman has the real pod API (one infra container
 * owning the network namespace, pod labels, {@code pod rm -f} removing everything), so requests go
 * to the libpod endpoints directly: JSON requests and responses with Jetty 12's {@link HttpClient}
 * over a unix-domain {@link Transport.TCPUnix} (an OSGi bundle, and Jetty is already in the
 * distribution for the API server) and Jackson trees, so only the few fields used are read. Exec
 * needs the HTTP connection hijacked into a raw bidirectional stream with a half-close for stdin's
 * end-of-file, which an HTTP client does not offer: {@link #hijack} writes that one request on a
 * plain {@link SocketChannel} instead.
 */
final class LibpodClient implements AutoCloseable {

    /** The API version prefix of every path; podman 4.x serves it (4.0.0 is its minimum). */
    static final String API = "/v4.0.0/libpod";

    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    private final Path socket;
    private final Transport transport;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    LibpodClient(Path socket) {
        this.socket = socket;
        this.transport = new Transport.TCPUnix(socket);
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("podman-client");
        threads.setDaemon(true);
        this.http = new HttpClient();
        http.setExecutor(threads);
        // Each followed log holds a connection for as long as it is followed.
        http.setMaxConnectionsPerDestination(256);
        http.setIdleTimeout(Duration.ofMinutes(5).toMillis());
        http.setFollowRedirects(false);
        HttpClients.identityEncodingOnly(http);
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client: " + e, e);
        }
    }

    Path socket() {
        return socket;
    }

    ObjectMapper json() {
        return json;
    }

    /** An answer of the API: its status and its body parsed as JSON (missing when not JSON). */
    record Reply(int status, JsonNode body, String text) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        boolean notFound() {
            return status == 404;
        }

        boolean notModified() {
            return status == 304;
        }

        /** Podman's error message ({@code {"cause":..,"message":..}}), else the body. */
        String message() {
            String message = body.path("message").asText("");
            if (message.isEmpty()) {
                message = body.path("error").asText("");
            }
            return oneLine(message.isEmpty() ? (text.isEmpty() ? "HTTP " + status : text) : message);
        }
    }

    Reply get(String path, Map<String, String> params) {
        return send(HttpMethod.GET, path, params, null, DEFAULT_TIMEOUT);
    }

    Reply post(String path, Map<String, String> params, Object body) {
        return send(HttpMethod.POST, path, params, body, DEFAULT_TIMEOUT);
    }

    Reply post(String path, Map<String, String> params, Object body, Duration timeout) {
        return send(HttpMethod.POST, path, params, body, timeout);
    }

    Reply delete(String path, Map<String, String> params) {
        return send(HttpMethod.DELETE, path, params, null, DEFAULT_TIMEOUT);
    }

    private Reply send(HttpMethod method, String path, Map<String, String> params, Object body, Duration timeout) {
        try {
            return sendOnce(method, path, params, body, timeout);
        } catch (PodmanUnavailableException e) {
            // A pooled connection the service closed while idle fails the request that picks it up:
            // a GET changes nothing, so it is safe to send it once more on a fresh connection.
            if (method == HttpMethod.GET && e.getCause() instanceof IOException) {
                return sendOnce(method, path, params, body, timeout);
            }
            throw e;
        }
    }

    private Reply sendOnce(HttpMethod method, String path, Map<String, String> params, Object body,
                           Duration timeout) {
        Request request = newRequest(method, path, params).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            if (body != null) {
                request.body(new StringRequestContent("application/json", json.writeValueAsString(body)));
            }
            ContentResponse response = request.send();
            String text = response.getContentAsString();
            return new Reply(response.getStatus(), parse(text), text == null ? "" : text.trim());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PodmanUnavailableException("interrupted while calling podman " + method + " " + path, e);
        } catch (TimeoutException e) {
            throw new PodmanUnavailableException("podman did not answer " + method + " " + path + " within "
                    + timeout.toSeconds() + " s", e);
        } catch (ExecutionException | IOException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new PodmanUnavailableException("cannot reach podman at " + socket + " (" + method + " " + path
                    + "): " + oneLine(String.valueOf(cause)), cause);
        }
    }

    /**
     * Opens a streaming GET (logs): returns the status and, when it is 2xx, the body as a stream
     * the caller must close (closing it early aborts the request). No total timeout and no idle
     * timeout: a followed log may stay quiet for hours.
     */
    StreamingReply stream(String path, Map<String, String> params) throws IOException {
        Request request = newRequest(HttpMethod.GET, path, params).idleTimeout(0, TimeUnit.MILLISECONDS);
        InputStreamResponseListener listener = new InputStreamResponseListener();
        request.send(listener);
        Response response;
        try {
            response = listener.get(DEFAULT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for podman");
        } catch (TimeoutException | ExecutionException e) {
            request.abort(e);
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new PodmanUnavailableException("cannot reach podman at " + socket + " (GET " + path + "): "
                    + oneLine(String.valueOf(cause)), cause);
        }
        InputStream body = listener.getInputStream();
        if (response.getStatus() >= 200 && response.getStatus() < 300) {
            return new StreamingReply(response.getStatus(), body, null);
        }
        String text;
        try (body) {
            text = new String(body.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        return new StreamingReply(response.getStatus(), null, new Reply(response.getStatus(), parse(text), text));
    }

    /** A streaming answer: {@code body} when successful, {@code error} otherwise. */
    record StreamingReply(int status, InputStream body, Reply error) {
    }

    /**
     * Sends one POST whose connection podman hijacks (exec start with {@code Upgrade: tcp}) and
     * returns the raw connection positioned after the response headers. Throws when podman answers
     * with anything but 101/200.
     */
    HijackedConnection hijack(String path, Object body) throws IOException {
        byte[] content = json.writeValueAsBytes(body);
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            String head = "POST " + API + path + " HTTP/1.1\r\n"
                    + "Host: localhost\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Content-Length: " + content.length + "\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Upgrade: tcp\r\n"
                    + "\r\n";
            OutputStream out = ChannelStreams.output(channel);
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            InputStream in = ChannelStreams.input(channel);
            String statusLine = readHeaderLine(in);
            String[] parts = statusLine.split(" ", 3);
            int status = parts.length >= 2 ? Integer.parseInt(parts[1]) : 0;
            long contentLength = -1;
            for (String line = readHeaderLine(in); !line.isEmpty(); line = readHeaderLine(in)) {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    contentLength = Long.parseLong(line.substring(15).trim());
                }
            }
            if (status != 101 && status != 200) {
                // An error answer: a (small) JSON body follows.
                byte[] error = contentLength >= 0 ? in.readNBytes((int) Math.min(contentLength, 65536))
                        : in.readNBytes(65536);
                String text = new String(error, StandardCharsets.UTF_8).trim();
                channel.close();
                throw new HijackRefusedException(new Reply(status, parse(text), text));
            }
            return new HijackedConnection(channel, in);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** A hijacked connection: read the process output from {@code in}, write its stdin to the channel. */
    record HijackedConnection(SocketChannel channel, InputStream in) {
    }

    /** Podman refused to start a hijacked stream; {@link #reply} says why. */
    static final class HijackRefusedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Reply reply;

        HijackRefusedException(Reply reply) {
            super(reply.message());
            this.reply = reply;
        }

        Reply reply() {
            return reply;
        }
    }

    private static String readHeaderLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        // Byte by byte: whatever follows the headers is the raw stream and must stay unread.
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("podman closed the connection before the response headers ended");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private Request newRequest(HttpMethod method, String path, Map<String, String> params) {
        Request request = http.newRequest("http://localhost" + API + path).transport(transport).method(method);
        if (params != null) {
            params.forEach(request::param);
        }
        return request;
    }

    private JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return json.readTree(text);
        } catch (IOException e) {
            // Pull answers are a sequence of JSON objects; the caller reads the text then.
            return MissingNode.getInstance();
        }
    }

    static String oneLine(String text) {
        return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // Nothing left to do: the client is being discarded.
        }
    }
}
