package io.karavel.proxy.impl.dns;

import io.karavel.api.network.PodNetwork;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The cluster DNS server: answers names in the cluster domain ({@code <svc>.<ns>.svc.<domain>}
 * and the other records of Kubernetes' DNS specification, see {@link ClusterZone}) from a
 * {@link ServiceDirectory}, over UDP and TCP, and forwards other names to upstream servers.
 *
 * <p>Each {@link #listen} call serves one address for one {@link PodNetwork}: a query arriving
 * there is answered with the addresses clients in that network reach (the ClusterIP for
 * {@link PodNetwork#HOST}, its bridge-side counterpart for {@link PodNetwork#BRIDGE}). Sockets
 * are bound with SO_REUSEADDR and SO_REUSEPORT so that two Karavel JVMs on one host can both
 * serve the same address. Cluster answers are authoritative with a TTL of 5 s; UDP answers larger
 * than the client can take (512 bytes, or its EDNS payload size up to 1232) are truncated with
 * the TC bit so that the client retries over TCP. Malformed packets are dropped (UDP) or end the
 * connection (TCP).
 *
 * <p>PTR queries for the addresses of Services and their endpoints are answered too
 * ({@link ServiceDirectory#findByAddress}). Names outside the cluster domain are relayed to the
 * upstreams over the protocol the client used, tried in turn within
 * {@value #FORWARD_TIMEOUT_MILLIS} ms, after which the client gets SERVFAIL; without upstreams
 * they are REFUSED. An upstream where this server itself listens is skipped.
 * {@link #upstreamsFromResolvConf} reads the host's servers. Thread-safe.
 */
public final class ClusterDns implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterDns.class);

    /** How long upstreams get to answer a forwarded query, all of them together. */
    static final long FORWARD_TIMEOUT_MILLIS = 2000;

    /** The classic UDP limit, for clients that do not announce a larger one with EDNS. */
    static final int CLASSIC_UDP_SIZE = 512;

    /** The EDNS payload size we accept and announce: the DNS flag day 2020 value, avoiding IP fragmentation. */
    static final int EDNS_UDP_SIZE = 1232;

    /** How long a TCP connection may stay without a query (CoreDNS' default idle timeout). */
    static final Duration TCP_IDLE_TIMEOUT = Duration.ofSeconds(10);

    private static final int TCP_MAX_MESSAGE = 0xFFFF;

    private final ClusterZone zone;
    private final List<InetSocketAddress> upstreams;
    private final EventLoopGroup group;
    private final DnsTransport transport;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ChannelGroup connections = new DefaultChannelGroup("cluster-dns-tcp", GlobalEventExecutor.INSTANCE);
    private final Object lock = new Object();
    private UpstreamForwarder forwarder;
    private boolean closed;

    /**
     * @param directory where Services are looked up
     * @param clusterDomain the cluster domain, e.g. {@code cluster.local}
     * @param upstreams where names outside the cluster domain are forwarded; empty: answer REFUSED
     * @param group the event loops to run on (owned by the caller): NIO or epoll
     */
    public ClusterDns(ServiceDirectory directory, String clusterDomain, List<InetSocketAddress> upstreams,
                      EventLoopGroup group) {
        this.zone = new ClusterZone(directory, clusterDomain);
        this.upstreams = List.copyOf(upstreams);
        this.group = group;
        this.transport = new DnsTransport(group);
    }

    /**
     * Starts answering on {@code address:port} (UDP and TCP); queries arriving there are answered
     * with the addresses clients in {@code network} reach. Blocks until bound. Port 0 binds UDP to
     * an ephemeral port and TCP to the same one (for tests).
     *
     * @throws IllegalStateException if either socket cannot be bound (the message says which and
     *     why), or if this server is closed
     */
    public void listen(InetAddress address, int port, PodNetwork network) throws InterruptedException {
        UpstreamForwarder relay = forwarder();
        boolean reusePort = port != 0;
        Channel udp = bind(transport.datagram(group, reusePort).handler(new UdpQueries(network, relay))
                .bind(address, port), address, port, "udp");
        int boundPort = ((InetSocketAddress) udp.localAddress()).getPort();
        Channel tcp;
        try {
            tcp = bind(transport.stream(group).childHandler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel channel) {
                    connections.add(channel);
                    channel.pipeline().addLast(new TcpQueries(network, relay));
                }
            }).bind(address, boundPort), address, boundPort, "tcp");
        } catch (RuntimeException e) {
            udp.close();
            throw e;
        }
        Listener listener = new Listener(new InetSocketAddress(address, boundPort), network, udp, tcp);
        synchronized (lock) {
            if (!closed) {
                listeners.add(listener);
                LOG.debug("Cluster DNS for {} ({} network) listening on {}:{} (UDP and TCP)", zone.name(), network,
                        address.getHostAddress(), boundPort);
                return;
            }
        }
        listener.close();
        throw new IllegalStateException("the cluster DNS is closed");
    }

    /** The forwarder, bound on first use; null without upstreams. */
    private UpstreamForwarder forwarder() throws InterruptedException {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the cluster DNS is closed");
            }
            if (forwarder == null && !upstreams.isEmpty()) {
                // a bind to an ephemeral port: quick, and nothing else waits on this lock meanwhile
                forwarder = UpstreamForwarder.start(upstreams, Duration.ofMillis(FORWARD_TIMEOUT_MILLIS), group,
                        transport, this::isListeningOn);
            }
            return forwarder;
        }
    }

    private static Channel bind(ChannelFuture future, InetAddress address, int port, String protocol)
            throws InterruptedException {
        future.await();
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            throw new IllegalStateException("The cluster DNS cannot listen on " + address.getHostAddress() + ":"
                    + port + "/" + protocol + ": " + cause.getMessage(), cause);
        }
        return future.channel();
    }

    /** Whether this server listens on {@code address} (an upstream there would be a loop). */
    private boolean isListeningOn(InetSocketAddress address) {
        for (Listener listener : listeners) {
            if (listener.address().equals(address)) {
                return true;
            }
        }
        return false;
    }

    /** The addresses listened on, with their actual ports (for tests binding port 0). */
    List<InetSocketAddress> listenAddresses() {
        return listeners.stream().map(Listener::address).toList();
    }

    /** Stops listening everywhere, ends open TCP connections and the forwarding socket. */
    @Override
    public void close() {
        UpstreamForwarder relay;
        synchronized (lock) {
            closed = true;
            relay = forwarder;
            forwarder = null;
        }
        for (Listener listener : listeners) {
            listener.close();
        }
        listeners.clear();
        connections.close().awaitUninterruptibly();
        if (relay != null) {
            relay.close();
        }
    }

    /**
     * Answers one query (wire format) arriving from a client in {@code network}; {@code reply}
     * gets the response, possibly later and on another thread.
     *
     * @param tcp whether the query came over TCP (else UDP, where answers are cut to the client's limit)
     * @return false if the packet is not a DNS query at all, which the caller drops
     */
    private boolean handle(byte[] wire, PodNetwork network, boolean tcp, UpstreamForwarder relay,
                   Consumer<byte[]> reply) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException | RuntimeException e) {
            LOG.debug("Dropping a malformed DNS packet: {}", e.toString());
            return false;
        }
        Header header = query.getHeader();
        if (header.getFlag(Flags.QR)) {
            // a response sent to a server: answering it could start a loop between two servers
            return false;
        }
        OPTRecord opt = query.getOPT();
        int limit = tcp ? TCP_MAX_MESSAGE : udpLimit(opt);
        if (header.getOpcode() != Opcode.QUERY) {
            reply.accept(error(query, Rcode.NOTIMP, relay != null).toWire(limit));
            return true;
        }
        if (header.getCount(Section.QUESTION) != 1) {
            reply.accept(error(query, Rcode.FORMERR, relay != null).toWire(limit));
            return true;
        }
        if (opt != null && opt.getVersion() > 0) {
            Message response = error(query, Rcode.NOERROR, relay != null);
            response.addRecord(new OPTRecord(EDNS_UDP_SIZE, Rcode.BADVERS >>> 4, 0), Section.ADDITIONAL);
            reply.accept(response.toWire(limit));
            return true;
        }
        Record question = query.getQuestion();
        List<Record> pointers = question.getType() == Type.PTR ? reverse(question, network) : List.of();
        if (!pointers.isEmpty()) {
            Message response = reply(query, Rcode.NOERROR, relay != null);
            response.getHeader().setFlag(Flags.AA);
            pointers.forEach(record -> response.addRecord(record, Section.ANSWER));
            addOpt(query, response);
            reply.accept(response.toWire(limit));
        } else if (zone.contains(question.getName())) {
            Message response = answer(query, network, relay != null);
            CNAMERecord alias = aliasToFollow(response, question.getType());
            if (alias == null) {
                reply.accept(response.toWire(limit));
            } else {
                follow(alias, response, network, tcp, relay, limit, reply);
            }
        } else if (relay == null) {
            reply.accept(error(query, Rcode.REFUSED, false).toWire(limit));
        } else {
            relay.forward(wire, tcp, new UpstreamForwarder.Callback() {
                @Override
                public void answered(byte[] response) {
                    reply.accept(response);
                }

                @Override
                public void failed() {
                    LOG.debug("No upstream DNS server answered {} in time", question.getName());
                    reply.accept(error(query, Rcode.SERVFAIL, true).toWire(limit));
                }
            });
        }
        return true;
    }

    /**
     * The CNAME (of an ExternalName Service) a response ends with, when the query asked for
     * another type: stub resolvers expect the server to follow it.
     */
    private static CNAMERecord aliasToFollow(Message response, int type) {
        List<Record> answers = response.getSection(Section.ANSWER);
        if (type == Type.CNAME || type == Type.ANY || answers.isEmpty()
                || !(answers.get(answers.size() - 1) instanceof CNAMERecord alias)) {
            return null;
        }
        return alias;
    }

    /**
     * Completes {@code response} with the records of the alias' target: from the zone if it is in
     * the cluster domain, else from the upstreams (over the client's protocol). Without upstreams,
     * or when they fail, the client gets the CNAME alone.
     */
    private void follow(CNAMERecord alias, Message response, PodNetwork network, boolean tcp,
                        UpstreamForwarder relay, int limit, Consumer<byte[]> reply) {
        int type = response.getQuestion().getType();
        Name target = alias.getTarget();
        if (zone.contains(target)) {
            // one step only: ExternalName Services naming each other could loop
            ClusterZone.Lookup lookup = zone.lookup(target, network);
            lookup.answering(type).stream().filter(record -> record.getType() == type)
                    .forEach(record -> response.addRecord(record, Section.ANSWER));
            reply.accept(response.toWire(limit));
            return;
        }
        if (relay == null) {
            reply.accept(response.toWire(limit));
            return;
        }
        Message targetQuery = Message.newQuery(Record.newRecord(target, type, DClass.IN));
        if (!tcp) {
            targetQuery.addRecord(new OPTRecord(EDNS_UDP_SIZE, 0, 0), Section.ADDITIONAL);
        }
        relay.forward(targetQuery.toWire(), tcp, new UpstreamForwarder.Callback() {
            @Override
            public void answered(byte[] wire) {
                try {
                    Message upstream = new Message(wire);
                    upstream.getSection(Section.ANSWER).forEach(record -> response.addRecord(record, Section.ANSWER));
                    if (upstream.getRcode() == Rcode.NXDOMAIN) {
                        // the rcode speaks for the last name of the chain (RFC 6604)
                        response.getHeader().setRcode(Rcode.NXDOMAIN);
                    }
                    if (upstream.getHeader().getFlag(Flags.TC)) {
                        response.getHeader().setFlag(Flags.TC);
                    }
                } catch (IOException e) {
                    LOG.debug("Malformed upstream answer for {}: {}", target, e.toString());
                }
                reply.accept(response.toWire(limit));
            }

            @Override
            public void failed() {
                reply.accept(response.toWire(limit));
            }
        });
    }

    /**
     * The PTR records of a reverse query for a Service or endpoint address; empty otherwise (and
     * when the directory fails: the query then goes upstream like other reverse names).
     */
    private List<Record> reverse(Record question, PodNetwork network) {
        try {
            return zone.reverse(question.getName(), network);
        } catch (RuntimeException e) {
            LOG.warn("Cannot look the address of {} up in the Service directory", question.getName(), e);
            return List.of();
        }
    }

    /** The authoritative answer to a query for a name in the cluster domain. */
    private Message answer(Message query, PodNetwork network, boolean recursionAvailable) {
        Record question = query.getQuestion();
        int type = question.getType();
        if (question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY) {
            return error(query, Rcode.REFUSED, recursionAvailable);
        }
        if (type == Type.AXFR || type == Type.IXFR) {
            return error(query, Rcode.REFUSED, recursionAvailable);
        }
        ClusterZone.Lookup lookup;
        try {
            lookup = zone.lookup(question.getName(), network);
        } catch (RuntimeException e) {
            LOG.warn("Cannot look {} up in the Service directory", question.getName(), e);
            return error(query, Rcode.SERVFAIL, recursionAvailable);
        }
        Message response = reply(query, lookup.rcode(), recursionAvailable);
        response.getHeader().setFlag(Flags.AA);
        List<Record> answers = lookup.answering(type);
        if (answers.isEmpty()) {
            response.addRecord(zone.soa(), Section.AUTHORITY);
        } else {
            answers.forEach(record -> response.addRecord(record, Section.ANSWER));
            lookup.additional().forEach(record -> response.addRecord(record, Section.ADDITIONAL));
        }
        addOpt(query, response);
        return response;
    }

    /** A response without records, with {@code rcode}. */
    private static Message error(Message query, int rcode, boolean recursionAvailable) {
        Message response = reply(query, rcode, recursionAvailable);
        addOpt(query, response);
        return response;
    }

    private static Message reply(Message query, int rcode, boolean recursionAvailable) {
        Header header = query.getHeader();
        Message response = new Message(header.getID());
        Header responseHeader = response.getHeader();
        responseHeader.setFlag(Flags.QR);
        responseHeader.setOpcode(header.getOpcode());
        if (header.getFlag(Flags.RD)) {
            responseHeader.setFlag(Flags.RD);
        }
        if (recursionAvailable) {
            responseHeader.setFlag(Flags.RA);
        }
        responseHeader.setRcode(rcode);
        if (header.getCount(Section.QUESTION) == 1) {
            response.addRecord(query.getQuestion(), Section.QUESTION);
        }
        return response;
    }

    /** EDNS clients get an OPT record back (RFC 6891) announcing what we accept. */
    private static void addOpt(Message query, Message response) {
        if (query.getOPT() != null && response.getOPT() == null) {
            response.addRecord(new OPTRecord(EDNS_UDP_SIZE, 0, 0), Section.ADDITIONAL);
        }
    }

    private static int udpLimit(OPTRecord opt) {
        if (opt == null) {
            return CLASSIC_UDP_SIZE;
        }
        return Math.max(CLASSIC_UDP_SIZE, Math.min(opt.getPayloadSize(), EDNS_UDP_SIZE));
    }

    /**
     * The name servers of the host's {@code /etc/resolv.conf}, port 53, in order, leaving out
     * {@code clusterDnsAddresses} (where this server listens: forwarding there would loop).
     * Empty if the file is missing or unreadable or names no other server.
     */
    public static List<InetSocketAddress> upstreamsFromResolvConf(Collection<InetAddress> clusterDnsAddresses) {
        return upstreamsFromResolvConf(Path.of("/etc/resolv.conf"), clusterDnsAddresses);
    }

    /** {@link #upstreamsFromResolvConf(Collection)} reading {@code resolvConf}. */
    public static List<InetSocketAddress> upstreamsFromResolvConf(Path resolvConf,
                                                                  Collection<InetAddress> clusterDnsAddresses) {
        List<String> lines;
        try {
            lines = Files.readAllLines(resolvConf);
        } catch (NoSuchFileException e) {
            LOG.warn("No {}: the cluster DNS forwards no names outside the cluster domain", resolvConf);
            return List.of();
        } catch (IOException e) {
            LOG.warn("Cannot read {}: the cluster DNS forwards no names outside the cluster domain", resolvConf, e);
            return List.of();
        }
        Set<InetAddress> excluded = Set.copyOf(clusterDnsAddresses);
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String line : lines) {
            String[] words = line.trim().split("\\s+");
            if (words.length < 2 || !words[0].equals("nameserver")) {
                continue;
            }
            InetAddress server = parseLiteral(words[1]);
            if (server == null) {
                LOG.warn("Ignoring the name server '{}' of {}: not an IP address", words[1], resolvConf);
            } else if (excluded.contains(server) || server.isAnyLocalAddress()) {
                LOG.debug("Not forwarding to {}: the cluster DNS itself listens there", server);
            } else {
                servers.add(new InetSocketAddress(server, 53));
            }
        }
        return List.copyOf(servers);
    }

    /** An IP address literal, never looked up by name; null if {@code text} is not one. */
    private static InetAddress parseLiteral(String text) {
        try {
            if (text.contains(":")) {
                // an IPv6 literal, maybe with a %scope that Address does not take: InetAddress
                // parses literals with ':' without any lookup
                return InetAddress.getByName(text);
            }
            return Address.isDottedQuad(text) ? Address.getByAddress(text) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** One listen(): its address (with the bound port), network and channels. */
    private record Listener(InetSocketAddress address, PodNetwork network, Channel udp, Channel tcp) {
        void close() {
            udp.close().syncUninterruptibly();
            tcp.close().syncUninterruptibly();
        }
    }

    /** Queries over UDP: one per datagram, answered to its sender. */
    private final class UdpQueries extends SimpleChannelInboundHandler<DatagramPacket> {
        private final PodNetwork network;
        private final UpstreamForwarder relay;

        UdpQueries(PodNetwork network, UpstreamForwarder relay) {
            this.network = network;
            this.relay = relay;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            InetSocketAddress client = packet.sender();
            Channel channel = ctx.channel();
            handle(ByteBufUtil.getBytes(packet.content()), network, false, relay,
                    response -> channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(response), client)));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // one bad exchange must not stop the listener: keep the channel open
            LOG.debug("Cluster DNS UDP error on {}", ctx.channel().localAddress(), cause);
        }
    }

    /**
     * Queries over one TCP connection: each message behind a two-byte length (RFC 1035 4.2.2),
     * possibly several in flight; the connection ends after {@link #TCP_IDLE_TIMEOUT} without a
     * query or at the first malformed one.
     */
    private final class TcpQueries extends ChannelInboundHandlerAdapter {
        private final PodNetwork network;
        private final UpstreamForwarder relay;
        private ByteBuf received;
        private ScheduledFuture<?> idle;

        TcpQueries(PodNetwork network, UpstreamForwarder relay) {
            this.network = network;
            this.relay = relay;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            received = ctx.alloc().buffer();
            armIdleTimer(ctx);
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
            while (received.readableBytes() >= 2) {
                int length = received.getUnsignedShort(received.readerIndex());
                if (received.readableBytes() < 2 + length) {
                    break;
                }
                received.skipBytes(2);
                byte[] query = new byte[length];
                received.readBytes(query);
                Channel channel = ctx.channel();
                boolean valid = handle(query, network, true, relay, response -> {
                    ByteBuf out = channel.alloc().buffer(2 + response.length);
                    out.writeShort(response.length).writeBytes(response);
                    channel.writeAndFlush(out);
                });
                if (!valid) {
                    ctx.close();
                    return;
                }
                armIdleTimer(ctx);
            }
            received.discardSomeReadBytes();
        }

        private void armIdleTimer(ChannelHandlerContext ctx) {
            if (idle != null) {
                idle.cancel(false);
            }
            idle = ctx.executor().schedule(() -> {
                ctx.close();
            }, TCP_IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (idle != null) {
                idle.cancel(false);
            }
            if (received != null) {
                received.release();
                received = null;
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("Closing a cluster DNS TCP connection from {}", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }
}
