package io.karavel.proxy.impl;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A UDP endpoint for the tests: answers each datagram with {@code <name>:<datagram>}. */
final class UdpTestBackend implements AutoCloseable {

    private final String name;
    private final DatagramSocket socket;
    private final Thread thread;

    UdpTestBackend(String name, String address, int port) throws IOException {
        this.name = name;
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), port));
        this.thread = new Thread(this::loop, "udp-backend-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    String ip() {
        return socket.getLocalAddress().getHostAddress();
    }

    int port() {
        return socket.getLocalPort();
    }

    private void loop() {
        byte[] buf = new byte[2048];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                byte[] reply = (name + ":" + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
