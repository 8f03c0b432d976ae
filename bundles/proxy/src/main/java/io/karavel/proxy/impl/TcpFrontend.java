package io.karavel.proxy.impl;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of an accepted client connection: opens the backend connection on the
 * client's own event loop to an endpoint chosen by {@link Backends}, trying the next one when an
 * endpoint refuses (a bounded number of times), then replaces itself with a {@link TcpRelay} each
 * way. What the client sends meanwhile (its request, even its end: a client may half-close right
 * after the request) is held and passed on once the backend is connected; past
 * {@link #MAX_HELD_BYTES} the client is no longer read until then.
 */
final class TcpFrontend extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(TcpFrontend.class);
    private static final int MAX_HELD_BYTES = 64 * 1024;

    private final Backends backends;
    private final Transport transport;
    private final ProxySettings settings;
    private final Set<InetSocketAddress> tried = new HashSet<>();
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private int heldBytes;
    private boolean inputEnded;
    private int attempts;

    TcpFrontend(Backends backends, Transport transport, ProxySettings settings) {
        this.backends = backends;
        this.transport = transport;
        this.settings = settings;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        attempts = backends.attempts(settings.connectAttempts());
        connect(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
        if (msg instanceof ByteBuf buf) {
            heldBytes += buf.readableBytes();
        }
        if (heldBytes > MAX_HELD_BYTES) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
    }

    private void connect(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        InetSocketAddress endpoint = tried.size() >= attempts ? null
                : backends.choose(((InetSocketAddress) client.remoteAddress()).getAddress(), tried);
        if (endpoint == null) {
            LOG.debug("{}: no endpoint left to try ({} tried)", client, tried.size());
            client.close();
            return;
        }
        tried.add(endpoint);
        ChannelFuture connecting = new Bootstrap()
                .group(client.eventLoop())
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis())
                .handler(new TcpRelay(client))
                .connect(endpoint);
        connecting.addListener((ChannelFutureListener) f -> {
            Channel backend = f.channel();
            if (!f.isSuccess()) {
                LOG.debug("{}: endpoint {} failed: {}", client, endpoint, f.cause().toString());
                if (client.isActive()) {
                    connect(ctx);
                }
                return;
            }
            if (!client.isActive()) {
                backend.close();
                return;
            }
            if (!backends.track(endpoint, client)) {
                client.close();
                backend.close();
                return;
            }
            for (Object msg; (msg = held.poll()) != null; ) {
                backend.write(msg, backend.voidPromise());
            }
            heldBytes = 0;
            ctx.pipeline().replace(this, "relay", new TcpRelay(backend));
            if (inputEnded) {
                backend.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(
                        (ChannelFutureListener) w -> {
                            if (w.isSuccess()) {
                                ((DuplexChannel) backend).shutdownOutput();
                            } else {
                                backend.close();
                                client.close();
                            }
                        });
            } else {
                backend.flush();
                client.config().setAutoRead(true);
            }
        });
    }

    private void release() {
        for (Object msg; (msg = held.poll()) != null; ) {
            ReferenceCountUtil.release(msg);
        }
        heldBytes = 0;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{}: client connection failed", ctx.channel(), cause);
        ctx.close();
    }
}
