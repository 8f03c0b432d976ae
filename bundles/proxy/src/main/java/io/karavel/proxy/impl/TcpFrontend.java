package io.karavel.proxy.impl;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of an accepted client connection: opens the backend connection on the
 * client's own event loop to an endpoint chosen by {@link Backends}, trying the next one when an
 * endpoint refuses (a bounded number of times), then replaces itself with a {@link TcpRelay} each
 * way. The client is not read until the backend is connected (auto-read starts off).
 */
final class TcpFrontend extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(TcpFrontend.class);

    private final Backends backends;
    private final Transport transport;
    private final ProxySettings settings;
    private final Set<InetSocketAddress> tried = new HashSet<>();
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
                .option(ChannelOption.AUTO_READ, false)
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
            ctx.pipeline().replace(this, "relay", new TcpRelay(backend));
            client.config().setAutoRead(true);
            backend.config().setAutoRead(true);
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{}: client connection failed", ctx.channel(), cause);
        ctx.close();
    }
}
