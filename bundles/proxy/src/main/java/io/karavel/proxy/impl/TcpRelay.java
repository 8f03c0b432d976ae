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
        // this channel drained what the peer sent: the peer may read again (unless its input
        // has ended: then it has nothing left to read)
        if (ctx.channel().isWritable() && peer.isActive() && !((DuplexChannel) peer).isInputShutdown()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /*
     * The end of a direction is passed on without writing to a shut-down or closed channel: each
     * such write fails with an exception (some with a stack trace), and with one connection per
     * request (HTTP/1.0) those exceptions were a large part of the proxy's cost.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            DuplexChannel self = (DuplexChannel) ctx.channel();
            DuplexChannel other = (DuplexChannel) peer;
            if (!other.isActive() || other.isOutputShutdown()) {
                self.close();
            } else if (self.isOutputShutdown()) {
                // the other direction had ended already: once what is queued for the peer is
                // written out, both directions are done
                other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> closeBoth(self));
            } else {
                // the empty write completes once everything read before the end is written out
                other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess() || !other.isActive()) {
                        closeBoth(self);
                        return;
                    }
                    other.shutdownOutput().addListener((ChannelFutureListener) s -> {
                        if (!s.isSuccess() || other.isInputShutdown()) {
                            closeBoth(self);
                        }
                    });
                });
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        DuplexChannel other = (DuplexChannel) peer;
        if (!other.isActive()) {
            return;
        }
        if (other.isOutputShutdown()) {
            other.close();
        } else {
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
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
