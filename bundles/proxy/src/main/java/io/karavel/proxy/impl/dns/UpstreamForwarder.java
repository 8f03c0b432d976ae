package io.karavel.proxy.impl.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays queries for names outside the cluster domain to upstream servers over UDP, from one
 * socket on an ephemeral port. Each query goes out with a fresh random id (clients' ids may
 * collide, and a guessable id would make spoofing easy); a reply is accepted only from an upstream,
 * for a pending id and with the same question, and goes back to the client with its own id. The
 * upstreams are tried in turn, each for its share of the timeout; a late reply from an earlier one
 * still counts. Thread-safe.
 */
final class UpstreamForwarder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamForwarder.class);
    private static final int HEADER_LENGTH = 12;

    /** What becomes of a forwarded query. Called once, on an event loop thread. */
    interface Callback {
        /** The upstream's reply, already carrying the client's id. */
        void answered(byte[] response);

        /** No upstream answered in time. */
        void failed();
    }

    private final List<InetSocketAddress> upstreams;
    private final long attemptNanos;
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private volatile Channel channel;

    private UpstreamForwarder(List<InetSocketAddress> upstreams, Duration timeout) {
        this.upstreams = List.copyOf(upstreams);
        this.attemptNanos = Math.max(1, timeout.toNanos() / upstreams.size());
    }

    /** Binds the forwarding socket (wildcard address, ephemeral port); blocks until bound. */
    static UpstreamForwarder start(List<InetSocketAddress> upstreams, Duration timeout, EventLoopGroup group,
                                   DnsTransport transport) throws InterruptedException {
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("no upstream DNS servers to forward to");
        }
        UpstreamForwarder forwarder = new UpstreamForwarder(upstreams, timeout);
        ChannelFuture bound = transport.datagram(group, false)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        forwarder.received(packet.content(), packet.sender());
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        // e.g. ICMP port unreachable from an upstream: the attempt timer moves on
                        LOG.debug("Upstream DNS socket error: {}", cause.toString());
                    }
                })
                .bind(new InetSocketAddress(0));
        forwarder.channel = bound.channel();
        bound.sync();
        return forwarder;
    }

    /**
     * Sends {@code query} (a well-formed query with one question) upstream; {@code callback}
     * learns the outcome.
     */
    void forward(byte[] query, Callback callback) {
        int clientId = ((query[0] & 0xFF) << 8) | (query[1] & 0xFF);
        byte[] outgoing = query.clone();
        Pending entry = new Pending(clientId, outgoing, questionEnd(outgoing), callback);
        int id = -1;
        for (int tries = 0; tries < 64 && id < 0; tries++) {
            int candidate = random.nextInt(0x10000);
            if (pending.putIfAbsent(candidate, entry) == null) {
                id = candidate;
            }
        }
        if (id < 0) {
            // 64 random ids all taken: tens of thousands of queries in flight
            callback.failed();
            return;
        }
        entry.id = id;
        outgoing[0] = (byte) (id >>> 8);
        outgoing[1] = (byte) id;
        channel.eventLoop().execute(() -> attempt(entry));
    }

    /** Sends the query to the next upstream and arms the timer that moves on (runs on the channel's loop). */
    private void attempt(Pending entry) {
        if (pending.get(entry.id) != entry) {
            return;
        }
        if (entry.attempt >= upstreams.size()) {
            pending.remove(entry.id, entry);
            entry.callback.failed();
            return;
        }
        InetSocketAddress upstream = upstreams.get(entry.attempt++);
        channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(entry.query), upstream))
                .addListener(sent -> {
                    if (!sent.isSuccess()) {
                        LOG.debug("Cannot send a query to the upstream DNS server {}: {}", upstream,
                                sent.cause().toString());
                    }
                });
        entry.timer = channel.eventLoop().schedule(() -> attempt(entry), attemptNanos, TimeUnit.NANOSECONDS);
    }

    private void received(ByteBuf content, InetSocketAddress sender) {
        if (content.readableBytes() < HEADER_LENGTH || (content.getByte(content.readerIndex() + 2) & 0x80) == 0
                || !upstreams.contains(sender)) {
            return;
        }
        int id = content.getUnsignedShort(content.readerIndex());
        Pending entry = pending.get(id);
        byte[] response = ByteBufUtil.getBytes(content);
        if (entry == null || !sameQuestion(entry, response) || !pending.remove(id, entry)) {
            return;
        }
        if (entry.timer != null) {
            entry.timer.cancel(false);
        }
        response[0] = (byte) (entry.clientId >>> 8);
        response[1] = (byte) entry.clientId;
        entry.callback.answered(response);
    }

    /** Whether the reply repeats the question we sent (names compared ignoring ASCII case). */
    private static boolean sameQuestion(Pending entry, byte[] response) {
        byte[] query = entry.query;
        if (response.length < entry.questionEnd || query[4] != response[4] || query[5] != response[5]) {
            return false;
        }
        for (int i = HEADER_LENGTH; i < entry.questionEnd; i++) {
            if (Character.toLowerCase(query[i]) != Character.toLowerCase(response[i])) {
                return false;
            }
        }
        return true;
    }

    /** Where the (first) question of a query ends: after its name, type and class. */
    private static int questionEnd(byte[] message) {
        int position = HEADER_LENGTH;
        while (position < message.length) {
            int length = message[position] & 0xFF;
            if (length == 0) {
                return Math.min(message.length, position + 1 + 4);
            }
            if ((length & 0xC0) != 0) {
                // a compression pointer in the first name cannot point anywhere valid: compare the header only
                return HEADER_LENGTH;
            }
            position += length + 1;
        }
        return HEADER_LENGTH;
    }

    /** The local address the forwarding socket is bound to. */
    InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        for (Pending entry : pending.values()) {
            if (entry.timer != null) {
                entry.timer.cancel(false);
            }
        }
        pending.clear();
    }

    /** One query in flight. {@code attempt} and {@code timer} are only touched on the channel's loop. */
    private static final class Pending {
        final int clientId;
        final byte[] query;
        final int questionEnd;
        final Callback callback;
        volatile int id;
        int attempt;
        ScheduledFuture<?> timer;

        Pending(int clientId, byte[] query, int questionEnd, Callback callback) {
            this.clientId = clientId;
            this.query = query;
            this.questionEnd = questionEnd;
            this.callback = callback;
        }
    }
}
