package io.karavel.proxy.impl;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import java.util.concurrent.ThreadFactory;

/**
 * Everything that touches the epoll classes, in a class of its own: the package is an optional
 * import of the bundle, so without it only this class fails to load, and {@link Transport} falls
 * back to NIO.
 */
final class EpollSupport {

    private EpollSupport() {
    }

    /** Null when epoll is usable, else why not. */
    static String unavailabilityCause() {
        try {
            if (Epoll.isAvailable()) {
                return null;
            }
            Throwable cause = Epoll.unavailabilityCause();
            return cause == null ? "unknown" : cause.toString();
        } catch (LinkageError e) {
            return e.toString();
        }
    }

    static EventLoopGroup group(int threads, ThreadFactory threadFactory) {
        return new EpollEventLoopGroup(threads, threadFactory);
    }

    static Class<? extends ServerChannel> serverChannel() {
        return EpollServerSocketChannel.class;
    }

    static Class<? extends Channel> socketChannel() {
        return EpollSocketChannel.class;
    }

    static Class<? extends DatagramChannel> datagramChannel() {
        return EpollDatagramChannel.class;
    }

    static ChannelOption<Boolean> reusePort() {
        return EpollChannelOption.SO_REUSEPORT;
    }
}
