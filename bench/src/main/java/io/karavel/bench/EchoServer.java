package io.karavel.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP echo server, one thread per connection: the backend pod of {@link ProxyBench}'s
 * {@code echo} traffic (run as a pod of the process runtime, which runs host commands).
 *
 * <p>Usage: {@code EchoServer ADDRESS PORT}
 */
public final class EchoServer {
    public static void main(String[] args) throws IOException {
        try (ServerSocket server = new ServerSocket(Integer.parseInt(args[1]), 128, InetAddress.getByName(args[0]))) {
            System.out.println("echo server listening on " + server.getLocalSocketAddress());
            while (true) {
                Socket socket = server.accept();
                Thread handler = new Thread(() -> echo(socket), "echo-" + socket.getPort());
                handler.setDaemon(true);
                handler.start();
            }
        }
    }

    private static void echo(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // the client went away
        }
    }
}
