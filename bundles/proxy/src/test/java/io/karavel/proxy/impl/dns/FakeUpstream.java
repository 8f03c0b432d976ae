package io.karavel.proxy.impl.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A tiny upstream DNS server on loopback for tests, UDP and TCP on the same port: answers A
 * queries with {@link #ANSWER}, or with {@link #BIG_COUNT} addresses for {@link #BIG_NAME}
 * (truncated over UDP as a real server would), or stays silent; remembers the queries it got.
 */
final class FakeUpstream implements AutoCloseable {

    static final String ANSWER = "192.0.2.1";
    static final String BIG_NAME = "big.example.org.";
    static final int BIG_COUNT = 100;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final boolean silent;
    private final List<Message> udpQueries = new CopyOnWriteArrayList<>();
    private final List<Message> tcpQueries = new CopyOnWriteArrayList<>();
    private final List<Thread> threads;

    FakeUpstream(InetAddress address, boolean silent) throws IOException {
        this.udp = new DatagramSocket(new InetSocketAddress(address, 0));
        this.tcp = new ServerSocket(udp.getLocalPort(), 10, address);
        this.silent = silent;
        this.threads = List.of(new Thread(this::serveUdp, "fake-upstream-udp"),
                new Thread(this::serveTcp, "fake-upstream-tcp"));
        threads.forEach(thread -> {
            thread.setDaemon(true);
            thread.start();
        });
    }

    InetSocketAddress address() {
        return (InetSocketAddress) udp.getLocalSocketAddress();
    }

    List<Message> udpQueries() {
        return udpQueries;
    }

    List<Message> tcpQueries() {
        return tcpQueries;
    }

    private void serveUdp() {
        byte[] buffer = new byte[4096];
        while (!udp.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                Message query = new Message(Arrays.copyOf(packet.getData(), packet.getLength()));
                udpQueries.add(query);
                if (!silent) {
                    byte[] wire = answer(query).toWire(512);
                    udp.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                // closed, or a packet that is not DNS: the test decides what that means
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket connection = tcp.accept()) {
                DataInputStream in = new DataInputStream(connection.getInputStream());
                byte[] wire = new byte[in.readUnsignedShort()];
                in.readFully(wire);
                Message query = new Message(wire);
                tcpQueries.add(query);
                if (!silent) {
                    byte[] response = answer(query).toWire();
                    DataOutputStream out = new DataOutputStream(connection.getOutputStream());
                    out.writeShort(response.length);
                    out.write(response);
                    out.flush();
                }
            } catch (IOException e) {
                // closed
            }
        }
    }

    private static Message answer(Message query) throws IOException {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.RA);
        response.getHeader().setRcode(Rcode.NOERROR);
        Record question = query.getQuestion();
        response.addRecord(question, Section.QUESTION);
        if (question.getType() == Type.A) {
            if (question.getName().equals(Name.fromString(BIG_NAME))) {
                for (int i = 1; i <= BIG_COUNT; i++) {
                    response.addRecord(new ARecord(question.getName(), DClass.IN, 300,
                            InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, (byte) i})), Section.ANSWER);
                }
            } else {
                response.addRecord(new ARecord(question.getName(), DClass.IN, 300,
                        InetAddress.getByName(ANSWER)), Section.ANSWER);
            }
        }
        return response;
    }

    @Override
    public void close() throws Exception {
        udp.close();
        tcp.close();
        for (Thread thread : threads) {
            thread.join(2000);
        }
    }
}
