package io.karavel.proxy.impl.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.api.network.PodNetwork;
import io.karavel.proxy.impl.dns.ServiceDirectory.EndpointRecord;
import io.karavel.proxy.impl.dns.ServiceDirectory.PortRecord;
import io.karavel.proxy.impl.dns.ServiceDirectory.ServiceRecord;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The cluster DNS over real sockets on random loopback addresses, queried with dnsjava's
 * {@link SimpleResolver}, answering from a fake {@link ServiceDirectory}.
 */
class ClusterDnsTest {

    private static EventLoopGroup group;

    private final Map<String, ServiceRecord> services = new ConcurrentHashMap<>();
    /** HOST sees ClusterIPs; BRIDGE sees their 10.96/16 counterparts, as the proxy's directory gives them. */
    private final ServiceDirectory directory = new ServiceDirectory() {
        @Override
        public Optional<ServiceRecord> find(String namespace, String name, PodNetwork network) {
            return Optional.ofNullable(services.get(namespace + "/" + name)).map(service -> seenFrom(service, network));
        }

        @Override
        public List<ServiceRecord> findByAddress(String ip, PodNetwork network) {
            return services.values().stream().map(service -> seenFrom(service, network))
                    .filter(service -> ip.equals(service.clusterIP())
                            || service.readyEndpoints().stream().anyMatch(endpoint -> endpoint.ip().equals(ip)))
                    .toList();
        }
    };
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startLoops() {
        group = new NioEventLoopGroup(2);
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    ClusterDnsTest() {
        services.put("default/my-svc", new ServiceRecord("default", "my-svc", "127.96.0.20",
                List.of(new PortRecord("http", "TCP", 80), new PortRecord("metrics", "TCP", 9090)),
                List.of(new EndpointRecord("10.88.0.5", null))));
        services.put("default/nginx", new ServiceRecord("default", "nginx", null,
                List.of(new PortRecord("web", "TCP", 80)),
                List.of(new EndpointRecord("10.88.0.7", "web-0"), new EndpointRecord("10.88.0.8", null))));
        services.put("default/empty", new ServiceRecord("default", "empty", null,
                List.of(new PortRecord("web", "TCP", 80)), List.of()));
        List<EndpointRecord> many = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            many.add(new EndpointRecord("10.89." + (i / 250) + "." + (i % 250 + 1), null));
        }
        services.put("default/ext", new ServiceRecord("default", "ext", null, List.of(), List.of(), "example.org"));
        services.put("default/alias", new ServiceRecord("default", "alias", null, List.of(), List.of(),
                "my-svc.default.svc.cluster.local"));
        services.put("default/big", new ServiceRecord("default", "big", null, List.of(), many));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void answersTheClusterIpOfAServiceAuthoritativelyWithTtl5() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        Message response = query(server, "my-svc.default.svc.cluster.local.", Type.A, false);

        assertThat(response.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(response.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(addresses(response)).containsExactly("127.96.0.20");
        assertThat(response.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(5);
        assertThat(response.getSection(Section.ANSWER).get(0).getName())
                .isEqualTo(Name.fromString("my-svc.default.svc.cluster.local."));
    }

    @Test
    void answersHeadlessServicesWithTheirReadyEndpointsAndNxdomainWithoutAny() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        assertThat(addresses(query(server, "nginx.default.svc.cluster.local.", Type.A, false)))
                .containsExactlyInAnyOrder("10.88.0.7", "10.88.0.8");
        assertThat(query(server, "empty.default.svc.cluster.local.", Type.A, false).getRcode())
                .isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void answersHeadlessEndpointsByHostnameOrDashedAddress() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        assertThat(addresses(query(server, "web-0.nginx.default.svc.cluster.local.", Type.A, false)))
                .containsExactly("10.88.0.7");
        assertThat(addresses(query(server, "10-88-0-8.nginx.default.svc.cluster.local.", Type.A, false)))
                .containsExactly("10.88.0.8");
        // an endpoint with a hostname is only known by it
        assertThat(query(server, "10-88-0-7.nginx.default.svc.cluster.local.", Type.A, false).getRcode())
                .isEqualTo(Rcode.NXDOMAIN);
        assertThat(query(server, "web-9.nginx.default.svc.cluster.local.", Type.A, false).getRcode())
                .isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void answersSrvForNamedPortsWithTheTargetsAddressInAdditional() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        Message response = query(server, "_http._tcp.my-svc.default.svc.cluster.local.", Type.SRV, false);

        assertThat(response.getRcode()).isEqualTo(Rcode.NOERROR);
        List<SRVRecord> srv = srv(response);
        assertThat(srv).hasSize(1);
        assertThat(srv.get(0).getPriority()).isZero();
        assertThat(srv.get(0).getWeight()).isEqualTo(100);
        assertThat(srv.get(0).getPort()).isEqualTo(80);
        assertThat(srv.get(0).getTarget()).isEqualTo(Name.fromString("my-svc.default.svc.cluster.local."));
        assertThat(response.getSection(Section.ADDITIONAL)).filteredOn(r -> r.getType() == Type.A)
                .extracting(r -> ((ARecord) r).getAddress().getHostAddress()).containsExactly("127.96.0.20");

        assertThat(query(server, "_nope._tcp.my-svc.default.svc.cluster.local.", Type.SRV, false).getRcode())
                .isEqualTo(Rcode.NXDOMAIN);
        assertThat(query(server, "_http._udp.my-svc.default.svc.cluster.local.", Type.SRV, false).getRcode())
                .isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void answersOneSrvPerEndpointOfAHeadlessServiceSplittingTheWeight() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        Message response = query(server, "_web._tcp.nginx.default.svc.cluster.local.", Type.SRV, false);

        assertThat(srv(response)).extracting(r -> r.getTarget().toString())
                .containsExactlyInAnyOrder("web-0.nginx.default.svc.cluster.local.",
                        "10-88-0-8.nginx.default.svc.cluster.local.");
        assertThat(srv(response)).allSatisfy(r -> {
            assertThat(r.getWeight()).isEqualTo(50);
            assertThat(r.getPort()).isEqualTo(80);
        });
        assertThat(response.getSection(Section.ADDITIONAL)).filteredOn(r -> r.getType() == Type.A)
                .extracting(r -> r.getName() + " " + ((ARecord) r).getAddress().getHostAddress())
                .containsExactlyInAnyOrder("web-0.nginx.default.svc.cluster.local. 10.88.0.7",
                        "10-88-0-8.nginx.default.svc.cluster.local. 10.88.0.8");
    }

    @Test
    void answersNoDataForOtherTypesOfExistingNames() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        for (String name : List.of("my-svc.default.svc.cluster.local.", "default.svc.cluster.local.",
                "svc.cluster.local.", "_http._tcp.my-svc.default.svc.cluster.local.")) {
            Message response = query(server, name, Type.AAAA, false);
            assertThat(response.getRcode()).as(name).isEqualTo(Rcode.NOERROR);
            assertThat(response.getSection(Section.ANSWER)).as(name).isEmpty();
            assertThat(response.getSection(Section.AUTHORITY)).as(name).singleElement().isInstanceOf(SOARecord.class);
        }
    }

    @Test
    void answersNxdomainWithTheSoaForUnknownNamesInTheClusterDomain() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        for (String name : List.of("nope.default.svc.cluster.local.", "nope.cluster.local.",
                "a.b.c.my-svc.default.svc.cluster.local.")) {
            Message response = query(server, name, Type.A, false);
            assertThat(response.getRcode()).as(name).isEqualTo(Rcode.NXDOMAIN);
            assertThat(response.getHeader().getFlag(Flags.AA)).isTrue();
            SOARecord soa = (SOARecord) response.getSection(Section.AUTHORITY).get(0);
            assertThat(soa.getName()).isEqualTo(Name.fromString("cluster.local."));
            assertThat(soa.getMinimum()).isEqualTo(5);
        }
    }

    @Test
    void answersTheSchemaVersionAndPodRecords() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        Message version = query(server, "dns-version.cluster.local.", Type.TXT, false);
        assertThat(((TXTRecord) version.getSection(Section.ANSWER).get(0)).getStrings()).containsExactly("1.1.0");
        assertThat(addresses(query(server, "10-88-0-9.default.pod.cluster.local.", Type.A, false)))
                .containsExactly("10.88.0.9");
    }

    @Test
    void answersPtrQueriesForServiceAndEndpointAddresses() throws Exception {
        ClusterDns dns = newDns(List.of());
        dns.listen(randomLoopback(), 0, PodNetwork.HOST);
        dns.listen(randomLoopback(), 0, PodNetwork.BRIDGE);
        InetSocketAddress host = dns.listenAddresses().get(0);
        InetSocketAddress bridge = dns.listenAddresses().get(1);

        assertThat(pointers(query(host, "20.0.96.127.in-addr.arpa.", Type.PTR, false)))
                .containsExactly("my-svc.default.svc.cluster.local.");
        assertThat(pointers(query(bridge, "20.0.96.10.IN-ADDR.ARPA.", Type.PTR, false)))
                .containsExactly("my-svc.default.svc.cluster.local.");
        assertThat(pointers(query(host, "7.0.88.10.in-addr.arpa.", Type.PTR, false)))
                .containsExactly("web-0.nginx.default.svc.cluster.local.");
        Message response = query(host, "8.0.88.10.in-addr.arpa.", Type.PTR, false);
        assertThat(response.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(pointers(response)).containsExactly("10-88-0-8.nginx.default.svc.cluster.local.");
        // not the cluster's: goes where other names go (here: nowhere)
        assertThat(query(host, "4.3.2.1.in-addr.arpa.", Type.PTR, false).getRcode()).isEqualTo(Rcode.REFUSED);
    }

    @Test
    void answersExternalNameServicesWithACnameAndFollowsIt() throws Exception {
        FakeUpstream upstream = closing(new FakeUpstream(randomLoopback(), false));
        InetSocketAddress server = start(List.of(upstream.address()), PodNetwork.HOST);

        Message external = query(server, "ext.default.svc.cluster.local.", Type.A, false);
        assertThat(external.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(external.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.CNAME, Type.A);
        assertThat(((CNAMERecord) external.getSection(Section.ANSWER).get(0)).getTarget())
                .isEqualTo(Name.fromString("example.org."));
        assertThat(addresses(external)).containsExactly(FakeUpstream.ANSWER);
        assertThat(addresses(query(server, "ext.default.svc.cluster.local.", Type.A, true)))
                .containsExactly(FakeUpstream.ANSWER);

        Message cnameOnly = query(server, "ext.default.svc.cluster.local.", Type.CNAME, false);
        assertThat(cnameOnly.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.CNAME);

        Message inCluster = query(server, "alias.default.svc.cluster.local.", Type.A, false);
        assertThat(inCluster.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.CNAME, Type.A);
        assertThat(addresses(inCluster)).containsExactly("127.96.0.20");
    }

    @Test
    void answersExternalNameServicesWithTheCnameAloneWithoutUpstreams() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        Message external = query(server, "ext.default.svc.cluster.local.", Type.A, false);

        assertThat(external.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(external.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.CNAME);
    }

    @Test
    void comparesNamesIgnoringCase() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        assertThat(addresses(query(server, "My-Svc.DEFAULT.Svc.Cluster.LOCAL.", Type.A, false)))
                .containsExactly("127.96.0.20");
        assertThat(srv(query(server, "_HTTP._TCP.my-svc.default.svc.CLUSTER.local.", Type.SRV, false))).hasSize(1);
        assertThat(addresses(query(server, "WEB-0.nginx.default.svc.cluster.local.", Type.A, false)))
                .containsExactly("10.88.0.7");
    }

    @Test
    void answersOverTcp() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        assertThat(addresses(query(server, "my-svc.default.svc.cluster.local.", Type.A, true)))
                .containsExactly("127.96.0.20");
        // several queries on one connection
        try (Socket socket = new Socket(server.getAddress(), server.getPort())) {
            for (int id = 1; id <= 3; id++) {
                Message query = Message.newQuery(Record.newRecord(
                        Name.fromString("nginx.default.svc.cluster.local."), Type.A, DClass.IN));
                query.getHeader().setID(id);
                Message response = new Message(exchangeTcp(socket, query.toWire()));
                assertThat(response.getHeader().getID()).isEqualTo(id);
                assertThat(addresses(response)).hasSize(2);
            }
        }
    }

    @Test
    void answersEachListenerWithTheAddressesOfItsNetwork() throws Exception {
        ClusterDns dns = newDns(List.of());
        InetAddress hostSide = randomLoopback();
        InetAddress bridgeSide = randomLoopback();
        dns.listen(hostSide, 0, PodNetwork.HOST);
        dns.listen(bridgeSide, 0, PodNetwork.BRIDGE);
        List<InetSocketAddress> bound = dns.listenAddresses();

        assertThat(addresses(query(bound.get(0), "my-svc.default.svc.cluster.local.", Type.A, false)))
                .containsExactly("127.96.0.20");
        assertThat(addresses(query(bound.get(1), "my-svc.default.svc.cluster.local.", Type.A, false)))
                .containsExactly("10.96.0.20");
        assertThat(addresses(query(bound.get(1), "my-svc.default.svc.cluster.local.", Type.A, true)))
                .containsExactly("10.96.0.20");
    }

    @Test
    void forwardsOtherNamesToTheUpstreamWithTheClientsId() throws Exception {
        FakeUpstream upstream = closing(new FakeUpstream(randomLoopback(), false));
        InetSocketAddress server = start(List.of(upstream.address()), PodNetwork.HOST);

        Message query = Message.newQuery(Record.newRecord(Name.fromString("example.org."), Type.A, DClass.IN));
        query.getHeader().setID(4242);
        Message response = new Message(exchangeUdp(server, query.toWire()));

        assertThat(response.getHeader().getID()).isEqualTo(4242);
        assertThat(response.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(addresses(response)).containsExactly(FakeUpstream.ANSWER);
        assertThat(upstream.udpQueries()).singleElement()
                .satisfies(forwarded -> assertThat(forwarded.getQuestion().getName())
                        .isEqualTo(Name.fromString("example.org.")));
        // cluster names never go upstream
        query(server, "nope.default.svc.cluster.local.", Type.A, false);
        assertThat(upstream.udpQueries()).hasSize(1);
    }

    @Test
    void forwardsOverTheProtocolTheClientUsedSoThatLargeAnswersArriveWhole() throws Exception {
        FakeUpstream upstream = closing(new FakeUpstream(randomLoopback(), false));
        InetSocketAddress server = start(List.of(upstream.address()), PodNetwork.HOST);

        Message overUdp = query(server, FakeUpstream.BIG_NAME, Type.A, false);
        assertThat(overUdp.getHeader().getFlag(Flags.TC)).isTrue();
        Message overTcp = query(server, FakeUpstream.BIG_NAME, Type.A, true);

        assertThat(overTcp.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(addresses(overTcp)).hasSize(FakeUpstream.BIG_COUNT);
        assertThat(upstream.tcpQueries()).hasSize(1);
        assertThat(upstream.udpQueries()).hasSize(1);
    }

    @Test
    void neverForwardsToItself() throws Exception {
        InetAddress address = randomLoopback();
        int port = ThreadLocalRandom.current().nextInt(20000, 60000);
        FakeUpstream upstream = closing(new FakeUpstream(randomLoopback(), false));
        ClusterDns looping = closing(new ClusterDns(directory, "cluster.local",
                List.of(new InetSocketAddress(address, port), upstream.address()), group));
        looping.listen(address, port, PodNetwork.HOST);
        InetSocketAddress server = looping.listenAddresses().get(0);

        assertThat(addresses(query(server, "example.org.", Type.A, false))).containsExactly(FakeUpstream.ANSWER);
        assertThat(addresses(query(server, "example.org.", Type.A, true))).containsExactly(FakeUpstream.ANSWER);
    }

    @Test
    void triesTheNextUpstreamWhenTheFirstIsSilent() throws Exception {
        FakeUpstream silent = closing(new FakeUpstream(randomLoopback(), true));
        FakeUpstream answering = closing(new FakeUpstream(randomLoopback(), false));
        InetSocketAddress server = start(List.of(silent.address(), answering.address()), PodNetwork.HOST);

        assertThat(addresses(query(server, "example.org.", Type.A, false))).containsExactly(FakeUpstream.ANSWER);
        assertThat(silent.udpQueries()).hasSize(1);
        assertThat(addresses(query(server, "example.org.", Type.A, true))).containsExactly(FakeUpstream.ANSWER);
        assertThat(silent.tcpQueries()).hasSize(1);
    }

    @Test
    void answersServfailWhenNoUpstreamAnswersInTime() throws Exception {
        FakeUpstream silent = closing(new FakeUpstream(randomLoopback(), true));
        InetSocketAddress server = start(List.of(silent.address()), PodNetwork.HOST);

        Message query = Message.newQuery(Record.newRecord(Name.fromString("example.org."), Type.A, DClass.IN));
        query.getHeader().setID(777);
        Message response = new Message(exchangeUdp(server, query.toWire()));
        assertThat(response.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(response.getHeader().getID()).isEqualTo(777);
    }

    @Test
    void refusesOtherNamesWithoutUpstreams() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        Message response = query(server, "example.org.", Type.A, false);

        assertThat(response.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(response.getHeader().getFlag(Flags.RA)).isFalse();
    }

    @Test
    void dropsMalformedPacketsAndKeepsAnswering() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            byte[] garbage = {1, 2, 3, 4, 5, 6, 7};
            socket.send(new DatagramPacket(garbage, garbage.length, server));
            byte[] truncatedQuestion = java.util.Arrays.copyOf(Message.newQuery(Record.newRecord(
                    Name.fromString("my-svc.default.svc.cluster.local."), Type.A, DClass.IN)).toWire(), 20);
            socket.send(new DatagramPacket(truncatedQuestion, truncatedQuestion.length, server));
        }
        try (Socket socket = new Socket(server.getAddress(), server.getPort())) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(3);
            out.write(new byte[] {9, 9, 9});
            out.flush();
            socket.setSoTimeout(5000);
            assertThat(socket.getInputStream().read()).as("connection closed").isEqualTo(-1);
        }

        assertThat(addresses(query(server, "my-svc.default.svc.cluster.local.", Type.A, false)))
                .containsExactly("127.96.0.20");
        assertThat(addresses(query(server, "my-svc.default.svc.cluster.local.", Type.A, true)))
                .containsExactly("127.96.0.20");
    }

    @Test
    void truncatesLargeUdpAnswersWithTcSoThatClientsRetryOverTcp() throws Exception {
        InetSocketAddress server = start(List.of(), PodNetwork.HOST);

        Message classic = Message.newQuery(Record.newRecord(
                Name.fromString("big.default.svc.cluster.local."), Type.A, DClass.IN));
        byte[] wire = exchangeUdp(server, classic.toWire());
        assertThat(wire.length).isLessThanOrEqualTo(512);
        Message truncated = new Message(wire);
        assertThat(truncated.getHeader().getFlag(Flags.TC)).isTrue();

        SimpleResolver edns = resolver(server, false);
        edns.setEDNS(0, 1232, 0, List.of());
        Message ednsTruncated = edns.send(classic);
        assertThat(ednsTruncated.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(ednsTruncated.getOPT()).isNotNull();

        Message full = query(server, "big.default.svc.cluster.local.", Type.A, true);
        assertThat(full.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(addresses(full)).hasSize(200);
    }

    @Test
    void reportsWhyItCannotListen() {
        ClusterDns dns = newDns(List.of());

        // TEST-NET-1 is not an address of this host
        assertThatThrownBy(() -> dns.listen(InetAddress.getByName("192.0.2.77"), 5353, PodNetwork.HOST))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("192.0.2.77:5353/udp");
    }

    @Test
    void stopsAnsweringWhenClosed() throws Exception {
        ClusterDns dns = newDns(List.of());
        dns.listen(randomLoopback(), 0, PodNetwork.HOST);
        InetSocketAddress server = dns.listenAddresses().get(0);
        assertThat(addresses(query(server, "my-svc.default.svc.cluster.local.", Type.A, true))).hasSize(1);

        dns.close();

        // no DNS answer over TCP any more (a connect may even succeed when another socket on this
        // host listens on the wildcard address with the same ephemeral port: it is not a DNS server)
        assertThatThrownBy(() -> query(server, "my-svc.default.svc.cluster.local.", Type.A, true))
                .isInstanceOf(java.io.IOException.class);
        assertThatThrownBy(() -> dns.listen(randomLoopback(), 0, PodNetwork.HOST))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void runsOnEpollAndSharesItsPortWithAnotherServer() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "the epoll transport is not available here");
        EventLoopGroup epoll = new EpollEventLoopGroup(1);
        try {
            InetAddress address = randomLoopback();
            int port = ThreadLocalRandom.current().nextInt(20000, 60000);
            ClusterDns first = closing(new ClusterDns(directory, "cluster.local", List.of(), epoll));
            ClusterDns second = closing(new ClusterDns(directory, "cluster.local", List.of(), epoll));
            first.listen(address, port, PodNetwork.HOST);
            second.listen(address, port, PodNetwork.HOST);

            InetSocketAddress server = new InetSocketAddress(address, port);
            assertThat(addresses(query(server, "my-svc.default.svc.cluster.local.", Type.A, false)))
                    .containsExactly("127.96.0.20");
            assertThat(addresses(query(server, "my-svc.default.svc.cluster.local.", Type.A, true)))
                    .containsExactly("127.96.0.20");
            first.close();
            second.close();
        } finally {
            epoll.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void readsUpstreamsFromResolvConfLeavingOutTheClusterDns(@TempDir Path dir) throws Exception {
        Path resolvConf = dir.resolve("resolv.conf");
        Files.writeString(resolvConf, """
                # generated
                search example.org
                nameserver 127.96.0.10
                nameserver 10.255.255.53
                ; a comment
                nameserver   ::1
                nameserver not-an-address
                nameserver 10.96.0.10
                options ndots:2
                """);

        List<InetSocketAddress> upstreams = ClusterDns.upstreamsFromResolvConf(resolvConf,
                List.of(InetAddress.getByName("127.96.0.10"), InetAddress.getByName("10.96.0.10")));

        assertThat(upstreams).containsExactly(new InetSocketAddress(InetAddress.getByName("10.255.255.53"), 53),
                new InetSocketAddress(InetAddress.getByName("::1"), 53));
        assertThat(ClusterDns.upstreamsFromResolvConf(dir.resolve("missing"), List.of())).isEmpty();
    }

    // --- helpers

    private InetSocketAddress start(List<InetSocketAddress> upstreams, PodNetwork network) throws Exception {
        ClusterDns dns = newDns(upstreams);
        dns.listen(randomLoopback(), 0, network);
        return dns.listenAddresses().get(0);
    }

    private ClusterDns newDns(List<InetSocketAddress> upstreams) {
        return closing(new ClusterDns(directory, "cluster.local", upstreams, group));
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    /** A random 127.53.x.y address: tests running in parallel elsewhere on this host do not collide. */
    private static InetAddress randomLoopback() throws Exception {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return InetAddress.getByAddress(new byte[] {127, 53, (byte) random.nextInt(1, 255),
                (byte) random.nextInt(1, 255)});
    }

    private static SimpleResolver resolver(InetSocketAddress server, boolean tcp) {
        SimpleResolver resolver = new SimpleResolver(server);
        resolver.setTCP(tcp);
        resolver.setIgnoreTruncation(true);
        resolver.setTimeout(Duration.ofSeconds(5));
        return resolver;
    }

    private static Message query(InetSocketAddress server, String name, int type, boolean tcp) throws Exception {
        return resolver(server, tcp).send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    private static byte[] exchangeUdp(InetSocketAddress server, byte[] query) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout(5000);
            socket.send(new DatagramPacket(query, query.length, server));
            DatagramPacket packet = new DatagramPacket(new byte[65535], 65535);
            socket.receive(packet);
            return java.util.Arrays.copyOf(packet.getData(), packet.getLength());
        }
    }

    private static byte[] exchangeTcp(Socket socket, byte[] query) throws Exception {
        socket.setSoTimeout(5000);
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeShort(query.length);
        out.write(query);
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] response = new byte[in.readUnsignedShort()];
        in.readFully(response);
        return response;
    }

    private static List<String> addresses(Message response) {
        return response.getSection(Section.ANSWER).stream().filter(r -> r.getType() == Type.A)
                .map(r -> ((ARecord) r).getAddress().getHostAddress()).collect(Collectors.toList());
    }

    private static List<String> pointers(Message response) {
        return response.getSection(Section.ANSWER).stream().filter(r -> r.getType() == Type.PTR)
                .map(r -> ((PTRRecord) r).getTarget().toString()).toList();
    }

    private static List<SRVRecord> srv(Message response) {
        return response.getSection(Section.ANSWER).stream().filter(r -> r.getType() == Type.SRV)
                .map(SRVRecord.class::cast).toList();
    }

    private static ServiceRecord seenFrom(ServiceRecord service, PodNetwork network) {
        if (network == PodNetwork.HOST) {
            return service;
        }
        String clusterIP = service.clusterIP() == null ? null : service.clusterIP().replaceFirst("^127\\.96\\.", "10.96.");
        return new ServiceRecord(service.namespace(), service.name(), clusterIP, service.ports(),
                service.readyEndpoints(), service.externalName());
    }
}
