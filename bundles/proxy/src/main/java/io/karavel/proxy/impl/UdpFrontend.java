package io.karavel.proxy.impl;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A UDP Service port: each client address gets a session, a datagram channel connected to the
 * endpoint chosen for it, on the frontend's event loop. Replies go back to the client from the
 * frontend's own address (the ClusterIP or NodePort). Sessions end after an idle timeout, or when
 * their endpoint is removed. Only this channel's event loop touches the session table.
 */
final class UdpFrontend extends SimpleChannelInboundHandler<DatagramPacket> {

    private static final Logger LOG = LoggerFactory.getLogger(UdpFrontend.class);
    /** Datagrams held per session while its backend channel connects. */
    private static final int MAX_PENDING = 64;

    private final Backends backends;
    private final Transport transport;
    private final long idleNanos;
    private final Map<InetSocketAddress, Session> sessions = new HashMap<>();
    private Channel frontend;
    private ScheduledFuture<?> sweeper;

    UdpFrontend(Backends backends, Transport transport, ProxySettings settings) {
        this.backends = backends;
        this.transport = transport;
        this.idleNanos = settings.udpIdleTimeout().toNanos();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        frontend = ctx.channel();
        long period = Math.max(TimeUnit.NANOSECONDS.toMillis(idleNanos) / 2, 100);
        sweeper = ctx.executor().scheduleAtFixedRate(this::closeIdle, period, period, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        for (Session s : new ArrayList<>(sessions.values())) {
            s.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        InetSocketAddress client = packet.sender();
        Session session = sessions.get(client);
        if (session == null) {
            InetSocketAddress endpoint = backends.choose(client.getAddress(), Set.of());
            if (endpoint == null) {
                return;
            }
            session = new Session(client, endpoint);
            sessions.put(client, session);
            session.open(ctx.channel());
        }
        session.send(packet.content().retain());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a UDP socket reports ICMP errors of earlier sends; the frontend stays up
        LOG.debug("{}: {}", ctx.channel(), cause.toString());
    }

    private void closeIdle() {
        long now = System.nanoTime();
        for (Session s : new ArrayList<>(sessions.values())) {
            if (now - s.lastNanos > idleNanos) {
                s.close();
            }
        }
    }

    /** One client's flow to its endpoint. */
    private final class Session extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress client;
        private final InetSocketAddress endpoint;
        private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
        private Channel backend;
        private boolean connected;
        private long lastNanos = System.nanoTime();

        Session(InetSocketAddress client, InetSocketAddress endpoint) {
            this.client = client;
            this.endpoint = endpoint;
        }

        void open(Channel frontendChannel) {
            ChannelFuture connecting = new Bootstrap()
                    .group(frontendChannel.eventLoop())
                    .channel(transport.datagramChannel())
                    .handler(this)
                    .connect(endpoint);
            backend = connecting.channel();
            backend.closeFuture().addListener(f -> {
                sessions.remove(client, this);
                releasePending();
            });
            connecting.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess() || !backends.track(endpoint, backend)) {
                    LOG.debug("UDP session {} -> {} failed", client, endpoint, f.cause());
                    close();
                    return;
                }
                connected = true;
                for (ByteBuf buf; (buf = pending.poll()) != null; ) {
                    backend.write(buf, backend.voidPromise());
                }
                backend.flush();
            });
        }

        void send(ByteBuf datagram) {
            lastNanos = System.nanoTime();
            if (connected) {
                if (backend.isWritable()) {
                    backend.writeAndFlush(datagram, backend.voidPromise());
                } else {
                    datagram.release(); // UDP: dropping beats buffering without bound
                }
            } else if (pending.size() < MAX_PENDING) {
                pending.add(datagram);
            } else {
                datagram.release();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof DatagramPacket reply) {
                lastNanos = System.nanoTime();
                if (frontend.isActive() && frontend.isWritable()) {
                    frontend.writeAndFlush(new DatagramPacket(reply.content().retain(), client),
                            frontend.voidPromise());
                }
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // e.g. ICMP port unreachable: the next datagram from the client starts a new session
            LOG.debug("UDP session {} -> {}: {}", client, endpoint, cause.toString());
            close();
        }

        @Override
        public boolean isSharable() {
            return false;
        }

        void close() {
            sessions.remove(client, this);
            if (backend != null) {
                backend.close();
            }
            releasePending();
        }

        private void releasePending() {
            for (ByteBuf buf; (buf = pending.poll()) != null; ) {
                buf.release();
            }
        }
    }
}
