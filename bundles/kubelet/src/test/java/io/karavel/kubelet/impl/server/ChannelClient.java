package io.karavel.kubelet.impl.server;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A remote-command WebSocket client for tests (the JDK's WebSocket): collects what arrives on
 * each channel and the close code, and sends stdin and the v5 close signal.
 */
final class ChannelClient implements WebSocket.Listener {
    private final Map<Integer, ByteArrayOutputStream> channels = new ConcurrentHashMap<>();
    private final ByteArrayOutputStream message = new ByteArrayOutputStream();
    /** Completes with the close status code once the server closed the WebSocket. */
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    WebSocket socket;
    /** Pongs received (kubectl pings every 5 s and gives up after a minute without a pong). */
    final java.util.concurrent.atomic.AtomicInteger pongs = new java.util.concurrent.atomic.AtomicInteger();

    /** Connects offering {@code protocols}; fails with the handshake error when the server refuses. */
    static ChannelClient connect(URI uri, String... protocols) throws Exception {
        ChannelClient client = new ChannelClient();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (protocols.length > 0) {
            builder.subprotocols(protocols[0], java.util.Arrays.copyOfRange(protocols, 1, protocols.length));
        }
        client.socket = builder.buildAsync(uri, client).get(10, TimeUnit.SECONDS);
        return client;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public synchronized CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        message.writeBytes(bytes);
        if (last) {
            byte[] whole = message.toByteArray();
            message.reset();
            if (whole.length > 0) {
                channels.computeIfAbsent(whole[0] & 0xff, c -> new ByteArrayOutputStream()).writeBytes(
                        java.util.Arrays.copyOfRange(whole, 1, whole.length));
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        pongs.incrementAndGet();
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    /** Everything received so far on a channel, as UTF-8. */
    synchronized String text(int channel) {
        ByteArrayOutputStream out = channels.get(channel);
        return out == null ? "" : out.toString(StandardCharsets.UTF_8);
    }

    void sendStdin(String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(bytes.length + 1).put((byte) 0).put(bytes).flip();
        socket.sendBinary(frame, true).get(5, TimeUnit.SECONDS);
    }

    /** v5: tells the server that stdin has ended. */
    void closeStdin() throws Exception {
        socket.sendBinary(ByteBuffer.wrap(new byte[] {(byte) 255, 0}), true).get(5, TimeUnit.SECONDS);
    }

    /** Waits for the server's close and returns its code. */
    int awaitClose() throws Exception {
        int code = closed.get(20, TimeUnit.SECONDS);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(t -> null);
        return code;
    }
}
