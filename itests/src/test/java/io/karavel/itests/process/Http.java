package io.karavel.itests.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** The HTTP the ITs speak to pods and Services (busybox httpd): HTTP/1.0, a connection per request. */
final class Http {
    private Http() {}

    /** One GET of "/" on a fresh connection; the body, trimmed; an IOException unless 200. */
    static String get(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.0\r\nHost: karavel\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!response.startsWith("HTTP/1.0 200") && !response.startsWith("HTTP/1.1 200")) {
                throw new IOException("not a 200 response: " + response.lines().findFirst().orElse("(empty)"));
            }
            return response.substring(response.indexOf("\r\n\r\n") + 4).trim();
        }
    }
}
