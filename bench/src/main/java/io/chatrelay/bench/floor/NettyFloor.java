package io.chatrelay.bench.floor;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The floor on Netty 4.2, an event-driven WebSocket layer: a few event loops serve every
 * connection; a connection is a channel and its pipeline (no thread, no stack, no read buffer
 * while it is idle: a read takes a buffer from the pooled allocator and returns it); a delivery is
 * a non-blocking write of the shared frame's bytes ({@link ByteBuf#retainedDuplicate()}), queued
 * by Netty if the socket is full. A connection whose queued bytes pass the high-water mark is
 * closed as too slow, as the gateway closes a slow consumer.
 */
final class NettyFloor {
    private static final AttributeKey<Peer> PEER = AttributeKey.valueOf("floor-peer");

    private NettyFloor() {
    }

    /**
     * Starts the server.
     *
     * @param port    the port on 127.0.0.1
     * @param threads event loops
     * @return the server, listening
     * @throws InterruptedException if interrupted while binding
     */
    static Floor.Server start(int port, int threads) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        Rooms rooms = new Rooms(new Frames());
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws").checkStartsWith(true).maxFramePayloadLength(Rooms.MAX_FRAME).build();
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(Rooms.MAX_FRAME),
                                new WebSocketServerProtocolHandler(ws),
                                new WebSocketFrameAggregator(Rooms.MAX_FRAME), new Handler(rooms));
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
        return new Floor.Server() {
            @Override
            public int port() {
                return ((InetSocketAddress) listener.localAddress()).getPort();
            }

            @Override
            public void stop() {
                listener.close().syncUninterruptibly();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        };
    }

    /**
     * Frames as direct buffers, each written as a retained duplicate (the frame is released once the
 * rooms are done with it and every write has its own reference); a room's fan-out writes at once to the members served
     * by the current event loop and hands the others to their own loop in one task per loop (not
     * one per member, which is what a plain {@code writeAndFlush} from another thread costs).
     */
    private static final class Frames implements Rooms.Transport {
        @Override
        public Object encode(String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        }

        @Override
        public void done(Object frame) {
            ((ByteBuf) frame).release();
        }

        @Override
        public void fanOut(Set<Rooms.Peer> members, Object frame) {
            Map<EventLoop, List<Channel>> elsewhere = new HashMap<>(4);
            for (Rooms.Peer member : members) {
                Channel ch = ((Peer) member).channel();
                EventLoop loop = ch.eventLoop();
                if (loop.inEventLoop()) {
                    write(ch, (ByteBuf) frame);
                } else {
                    elsewhere.computeIfAbsent(loop, l -> new ArrayList<>()).add(ch);
                }
            }
            elsewhere.forEach((loop, channels) -> {
                ByteBuf held = ((ByteBuf) frame).retain();   // until the task has written it
                loop.execute(() -> {
                    try {
                        for (Channel ch : channels) {
                            write(ch, held);
                        }
                    } finally {
                        held.release();
                    }
                });
            });
        }
    }

    private static void write(Channel channel, ByteBuf frame) {
        if (!channel.isWritable() && channel.isActive()) {
            // more than the high-water mark queued: a client that does not read
            channel.close();
            return;
        }
        channel.writeAndFlush(new TextWebSocketFrame(frame.retainedDuplicate()), channel.voidPromise());
    }

    /** A connection, as the rooms see it. */
    private record Peer(Channel channel, Set<String> rooms) implements Rooms.Peer {
        @Override
        public void deliver(Object frame) {
            write(channel, (ByteBuf) frame);
        }
    }

    /** Frames of one connection, after the upgrade. */
    private static final class Handler extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        private final Rooms rooms;

        Handler(Rooms rooms) {
            this.rooms = rooms;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                Peer p = new Peer(ctx.channel(), ConcurrentHashMap.newKeySet());
                ctx.channel().attr(PEER).set(p);
                rooms.opened(p);
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            Peer p = ctx.channel().attr(PEER).get();
            if (p != null) {
                rooms.received(p, frame.text());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            Peer p = ctx.channel().attr(PEER).get();
            if (p != null) {
                rooms.closed(p);
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException) {
                // a message over the limit, in one frame or in fragments
                ctx.writeAndFlush(new CloseWebSocketFrame(1009, "message too long")).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
        }
    }
}
