package io.karavel.proxy.impl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP endpoint for the tests, on a loopback address of its own: answers each line {@code who}
 * with its name, {@code data:<text>} with {@code len:<length of text>}, {@code bulk <n>} with n bytes; at the end of the client's input answers {@code bye:<name>} and closes (a
 * request-then-half-close client needs the proxy to pass the half-close on).
 */
final class TestBackend implements AutoCloseable {

    private final String name;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();

    TestBackend(String name, String address, int port) throws IOException {
        this.name = name;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port), 200);
        threads.execute(this::acceptLoop);
    }

    String name() {
        return name;
    }

    String ip() {
        return server.getInetAddress().getHostAddress();
    }

    int port() {
        return server.getLocalPort();
    }

    int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                open.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("who")) {
                    out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } else if (line.startsWith("data:")) {
                    out.write(("len:" + (line.length() - 5) + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } else if (line.startsWith("bulk ")) {
                    byte[] chunk = new byte[64 * 1024];
                    java.util.Arrays.fill(chunk, (byte) 'y');
                    for (int left = Integer.parseInt(line.substring(5)); left > 0; left -= chunk.length) {
                        out.write(chunk, 0, Math.min(left, chunk.length));
                    }
                    out.flush();
                }
            }
            out.write(("bye:" + name + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // the client went away
        } finally {
            open.remove(s);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
    }
}
