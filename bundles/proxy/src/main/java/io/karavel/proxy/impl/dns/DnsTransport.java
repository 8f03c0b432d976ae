package io.karavel.proxy.impl.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.StandardSocketOptions;

/**
 * Creates channels of the kind the caller's event loop group runs: a group built on the epoll
 * transport only accepts epoll channels and a NIO group only NIO channels, and the proxy component
 * may hand us either.
 */
final class DnsTransport {

    private final boolean epoll;

    DnsTransport(EventLoopGroup group) {
        this.epoll = group instanceof EpollEventLoopGroup;
    }

    /**
     * A UDP bootstrap; {@code reusePort} lets another process (a second Karavel JVM on the same
     * host) bind the same address and port.
     */
    Bootstrap datagram(EventLoopGroup group, boolean reusePort) {
        Bootstrap bootstrap = new Bootstrap().group(group);
        if (epoll) {
            bootstrap.channel(EpollDatagramChannel.class).option(ChannelOption.SO_REUSEADDR, true);
            if (reusePort) {
                bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
            }
        } else {
            bootstrap.channel(NioDatagramChannel.class).option(ChannelOption.SO_REUSEADDR, true);
            if (reusePort) {
                bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
            }
        }
        return bootstrap;
    }

    /** A TCP server bootstrap with SO_REUSEADDR and SO_REUSEPORT on the listening socket. */
    ServerBootstrap stream(EventLoopGroup group) {
        ServerBootstrap bootstrap = new ServerBootstrap().group(group)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true);
        if (epoll) {
            bootstrap.channel(EpollServerSocketChannel.class).option(EpollChannelOption.SO_REUSEPORT, true);
        } else {
            bootstrap.channel(NioServerSocketChannel.class)
                    .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
        }
        return bootstrap;
    }

    /** A TCP client bootstrap (for forwarding queries that came over TCP). */
    Bootstrap streamClient(EventLoopGroup group) {
        return new Bootstrap().group(group).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true);
    }

    boolean isEpoll() {
        return epoll;
    }
}
