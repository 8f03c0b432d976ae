package io.karavel.proxy.impl.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A tiny upstream DNS server on a loopback UDP socket for tests: answers every A query with
 * {@link #ANSWER} (or stays silent), and remembers the queries it got.
 */
final class FakeUpstream implements AutoCloseable {

    static final String ANSWER = "192.0.2.1";

    private final DatagramSocket socket;
    private final boolean silent;
    private final List<Message> queries = new CopyOnWriteArrayList<>();
    private final Thread thread;

    FakeUpstream(InetAddress address, boolean silent) throws SocketException {
        this.socket = new DatagramSocket(new InetSocketAddress(address, 0));
        this.silent = silent;
        this.thread = new Thread(this::serve, "fake-upstream-dns");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    List<Message> queries() {
        return queries;
    }

    private void serve() {
        byte[] buffer = new byte[4096];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                queries.add(query);
                if (silent) {
                    continue;
                }
                Message response = new Message(query.getHeader().getID());
                response.getHeader().setFlag(Flags.QR);
                response.getHeader().setFlag(Flags.RA);
                response.getHeader().setRcode(Rcode.NOERROR);
                Record question = query.getQuestion();
                response.addRecord(question, Section.QUESTION);
                if (question.getType() == Type.A) {
                    response.addRecord(new ARecord(question.getName(), DClass.IN, 300,
                            InetAddress.getByName(ANSWER)), Section.ANSWER);
                }
                byte[] wire = response.toWire();
                socket.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
            } catch (IOException e) {
                // closed, or a packet that is not DNS: the test decides what that means
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(2000);
    }
}
