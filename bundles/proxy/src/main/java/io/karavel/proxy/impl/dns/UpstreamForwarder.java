package io.karavel.proxy.impl.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays queries for names outside the cluster domain to upstream servers, over the protocol the
 * client used (as CoreDNS' forward plugin does: a client that came over TCP, typically after a
 * truncated UDP answer, needs the full answer that only TCP carries).
 *
 * <p>UDP queries go out from one socket on an ephemeral port, each with a fresh random id (clients'
 * ids may collide, and a guessable id would make spoofing easy); a reply is accepted only from an
 * upstream, for a pending id and with the same question, and goes back to the client with its own
 * id. TCP queries get one connection per attempt. Either way the upstreams are tried in turn, each
 * for its share of the timeout (over UDP a late reply from an earlier one still counts), and an
 * upstream that is this server itself is skipped: forwarding there would loop. Thread-safe.
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
    private final EventLoopGroup group;
    private final DnsTransport transport;
    private final Predicate<InetSocketAddress> isSelf;
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private volatile Channel channel;

    private UpstreamForwarder(List<InetSocketAddress> upstreams, Duration timeout, EventLoopGroup group,
                              DnsTransport transport, Predicate<InetSocketAddress> isSelf) {
        this.upstreams = List.copyOf(upstreams);
        this.attemptNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), timeout.toNanos() / upstreams.size());
        this.group = group;
        this.transport = transport;
        this.isSelf = isSelf;
    }

    /**
     * Binds the UDP forwarding socket (wildcard address, ephemeral port); blocks until bound.
     *
     * @param isSelf whether an upstream is where this server listens (checked per query: the
     *     server may start listening elsewhere later)
     */
    static UpstreamForwarder start(List<InetSocketAddress> upstreams, Duration timeout, EventLoopGroup group,
                                   DnsTransport transport, Predicate<InetSocketAddress> isSelf)
            throws InterruptedException {
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("no upstream DNS servers to forward to");
        }
        UpstreamForwarder forwarder = new UpstreamForwarder(upstreams, timeout, group, transport, isSelf);
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
     * Sends {@code query} (a well-formed query with one question) upstream, over TCP if
     * {@code tcp}; {@code callback} learns the outcome.
     */
    void forward(byte[] query, boolean tcp, Callback callback) {
        if (tcp) {
            new TcpExchange(query, callback).next();
            return;
        }
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
        while (entry.attempt < upstreams.size() && isSelf.test(upstreams.get(entry.attempt))) {
            entry.attempt++;
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

    /**
     * One query forwarded over TCP: a connection per upstream tried, each closed after its share
     * of the timeout; the first complete reply wins.
     */
    private final class TcpExchange {
        private final byte[] query;
        private final Callback callback;
        private final AtomicBoolean done = new AtomicBoolean();
        private int next;

        TcpExchange(byte[] query, Callback callback) {
            this.query = query;
            this.callback = callback;
        }

        /** Tries the next upstream, or gives up. Runs on the thread of the attempt that ended. */
        void next() {
            while (next < upstreams.size() && isSelf.test(upstreams.get(next))) {
                next++;
            }
            if (next >= upstreams.size()) {
                if (done.compareAndSet(false, true)) {
                    callback.failed();
                }
                return;
            }
            InetSocketAddress upstream = upstreams.get(next++);
            int attemptMillis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(attemptNanos));
            AtomicBoolean answered = new AtomicBoolean();
            ChannelFuture connect = transport.streamClient(group)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, attemptMillis)
                    .handler(new TcpReply(this, answered))
                    .connect(upstream);
            Channel connection = connect.channel();
            ScheduledFuture<?> timer = connection.eventLoop()
                    .schedule(() -> connection.close(), attemptMillis, TimeUnit.MILLISECONDS);
            connect.addListener(connected -> {
                if (!connected.isSuccess()) {
                    LOG.debug("Cannot connect to the upstream DNS server {}: {}", upstream,
                            connected.cause().toString());
                    connection.close();
                }
            });
            connection.closeFuture().addListener(closed -> {
                timer.cancel(false);
                if (!answered.get()) {
                    next();
                }
            });
        }

        void answered(byte[] response) {
            if (done.compareAndSet(false, true)) {
                callback.answered(response);
            }
        }
    }

    /** Sends the query over a fresh connection and reads one length-prefixed reply with its id. */
    private static final class TcpReply extends ChannelInboundHandlerAdapter {
        private final TcpExchange exchange;
        private final AtomicBoolean answered;
        private ByteBuf received;

        TcpReply(TcpExchange exchange, AtomicBoolean answered) {
            this.exchange = exchange;
            this.answered = answered;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            received = ctx.alloc().buffer();
            byte[] query = exchange.query;
            ctx.writeAndFlush(ctx.alloc().buffer(2 + query.length).writeShort(query.length).writeBytes(query));
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                received.writeBytes(in);
            } finally {
                in.release();
            }
            if (received.readableBytes() < 2) {
                return;
            }
            int length = received.getUnsignedShort(received.readerIndex());
            if (received.readableBytes() < 2 + length) {
                return;
            }
            byte[] response = new byte[length];
            received.getBytes(received.readerIndex() + 2, response);
            byte[] query = exchange.query;
            boolean matches = length >= HEADER_LENGTH && response[0] == query[0] && response[1] == query[1]
                    && (response[2] & 0x80) != 0;
            if (matches) {
                answered.set(true);
                exchange.answered(response);
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (received != null) {
                received.release();
                received = null;
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("Upstream DNS connection to {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
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
