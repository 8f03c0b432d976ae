package io.karavel.jetty;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices that the client of a long, mostly silent response (a followed log) closed its
 * connection. Jetty reads a connection only when a handler asks for request content, so a client
 * that leaves while nothing is written would go unnoticed until the next write, possibly hours
 * later. This waits for the otherwise idle HTTP/1.1 connection to become readable: end of stream
 * means the client left. The response gets {@code Connection: close}, so that nothing the client
 * might still send is taken from a next request.
 */
public final class ClientDisconnect {
    private ClientDisconnect() {}

    /**
     * Calls {@code onGone} once when the client closes the connection. It may also be called once
     * the response has completed normally (Jetty then cancels the pending read): callers must
     * ignore a call that comes after their stream ended.
     */
    public static void watch(Request request, Response response, Runnable onGone) {
        HttpVersion version = request.getConnectionMetaData().getHttpVersion();
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
            return; // a multiplexed connection is shared: its end says nothing about this stream
        }
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        AtomicBoolean called = new AtomicBoolean();
        awaitReadable(request.getConnectionMetaData().getConnection().getEndPoint(), () -> {
            if (called.compareAndSet(false, true)) {
                onGone.run();
            }
        });
    }

    private static void awaitReadable(EndPoint endPoint, Runnable gone) {
        endPoint.tryFillInterested(Callback.from(() -> {
            try {
                int read = endPoint.fill(BufferUtil.allocate(1));
                if (read < 0) {
                    gone.run();
                } else if (read == 0) {
                    awaitReadable(endPoint, gone);
                }
                // read > 0: the client sent something after its request; it is still there
            } catch (IOException e) {
                gone.run();
            }
        }, failure -> gone.run()));
    }
}
