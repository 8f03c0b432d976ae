package io.karavel.proxy.impl;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of a proxied TCP connection: what this channel reads is written to its peer. Both
 * channels run on the same event loop, so no state needs locking. Back-pressure: when the peer's
 * outbound buffer is full this channel stops reading until the peer drains. Half-close: the end
 * of this channel's input is passed on as a shutdown of the peer's output; the pair closes once
 * both directions have ended (request/response-then-close protocols need this).
 */
final class TcpRelay extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(TcpRelay.class);

    private final Channel peer;

    TcpRelay(Channel peer) {
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // this channel drained what the peer sent: the peer may read again
        // (a peer whose input has ended has nothing left to read: switching reads on again would
        // fail on epoll, whose registration of the input is gone)
        if (ctx.channel().isWritable() && !((DuplexChannel) peer).isInputShutdown()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            Channel self = ctx.channel();
            // the empty write completes once everything read before the end is written out
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    closeBoth(self);
                } else if (((DuplexChannel) self).isOutputShutdown()) {
                    // the other direction had ended already
                    closeBoth(self);
                } else {
                    ((DuplexChannel) peer).shutdownOutput().addListener((ChannelFutureListener) s -> {
                        if (!s.isSuccess()) {
                            closeBoth(self);
                        }
                    });
                }
            });
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("proxied connection {} failed", ctx.channel(), cause);
        closeBoth(ctx.channel());
    }

    private void closeBoth(Channel self) {
        self.close();
        peer.close();
    }
}
