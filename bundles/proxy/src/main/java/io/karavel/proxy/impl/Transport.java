package io.karavel.proxy.impl;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.StandardSocketOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty transport the proxy runs on: native epoll when its library loads (in Karaf it is an
 * optional fragment), NIO otherwise. Owns the event loops.
 */
final class Transport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends Channel> socketChannel;
    private final Class<? extends DatagramChannel> datagramChannel;
    private final ChannelOption<Boolean> reusePort;
    private final String name;

    private Transport(EventLoopGroup group, Class<? extends ServerChannel> serverChannel,
                      Class<? extends Channel> socketChannel, Class<? extends DatagramChannel> datagramChannel,
                      ChannelOption<Boolean> reusePort, String name) {
        this.group = group;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
        this.datagramChannel = datagramChannel;
        this.reusePort = reusePort;
        this.name = name;
    }

    /** Epoll if {@code preferEpoll} and available, NIO otherwise; {@code threads} event loops. */
    static Transport create(int threads, boolean preferEpoll) {
        DefaultThreadFactory threadFactory = new DefaultThreadFactory("karavel-proxy", true);
        if (preferEpoll) {
            String unavailable = EpollSupport.unavailabilityCause();
            if (unavailable == null) {
                LOG.info("service proxy: native epoll transport, {} event loop(s)", threads);
                return new Transport(EpollSupport.group(threads, threadFactory), EpollSupport.serverChannel(),
                        EpollSupport.socketChannel(), EpollSupport.datagramChannel(), EpollSupport.reusePort(),
                        "epoll");
            }
            LOG.info("service proxy: NIO transport, {} event loop(s) (native epoll unavailable: {})", threads,
                    unavailable);
        } else {
            LOG.info("service proxy: NIO transport, {} event loop(s)", threads);
        }
        return new Transport(new NioEventLoopGroup(threads, threadFactory),
                NioServerSocketChannel.class, NioSocketChannel.class, NioDatagramChannel.class,
                NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), "nio");
    }

    EventLoopGroup group() {
        return group;
    }

    Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    Class<? extends Channel> socketChannel() {
        return socketChannel;
    }

    Class<? extends DatagramChannel> datagramChannel() {
        return datagramChannel;
    }

    String name() {
        return name;
    }

    /**
     * SO_REUSEADDR and SO_REUSEPORT on a listening channel: two Karavel JVMs on one host (an
     * all-in-one and a node) both serve the same ClusterIPs, and the kernel spreads the clients.
     */
    <B extends AbstractBootstrap<B, C>, C extends Channel> B reuse(B bootstrap) {
        return bootstrap.option(ChannelOption.SO_REUSEADDR, true).option(reusePort, true);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
