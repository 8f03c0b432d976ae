package io.karavel.proxy.impl.dns;

import io.karavel.api.network.PodNetwork;
import io.karavel.proxy.impl.dns.ServiceDirectory.EndpointRecord;
import io.karavel.proxy.impl.dns.ServiceDirectory.PortRecord;
import io.karavel.proxy.impl.dns.ServiceDirectory.ServiceRecord;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The records of the cluster domain after Kubernetes' DNS-based service discovery specification
 * (schema 1.1.0), computed per query from a {@link ServiceDirectory}:
 * <ul>
 *   <li>{@code <svc>.<ns>.svc.<zone>} A: the ClusterIP, or for a headless Service one A per ready
 *       endpoint (NXDOMAIN when a headless Service has none, as kube-dns and CoreDNS answer);</li>
 *   <li>{@code <hostname>.<svc>.<ns>.svc.<zone>} A: the ready endpoints with that hostname, or
 *       whose address written with dashes is that label when they have no hostname;</li>
 *   <li>{@code _<port>._<proto>.<svc>.<ns>.svc.<zone>} SRV for named ports, priority 0 and the
 *       weight 100 split evenly between the records as CoreDNS does, with the targets' A records
 *       in the additional section;</li>
 *   <li>{@code <a>-<b>-<c>-<d>.<ns>.pod.<zone>} A (the spec's deprecated pod records, answered
 *       like CoreDNS' {@code pods insecure});</li>
 *   <li>{@code dns-version.<zone>} TXT and the zone's SOA;</li>
 *   <li>{@code <svc>.<ns>.svc.<zone>} CNAME to the external name of an ExternalName Service;</li>
 *   <li>PTR records for Service and endpoint addresses ({@link #reverse}).</li>
 * </ul>
 * Names that exist without records of the queried type get NOERROR without answers; names that do
 * not exist get NXDOMAIN; both carry the zone's SOA in the authority section for negative caching.
 * Thread-safe: it keeps no state besides its configuration.
 */
final class ClusterZone {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterZone.class);

    /** The CoreDNS kubernetes plugin's default TTL, for answers and negative answers alike. */
    static final long TTL = 5;

    /** The version of the Kubernetes DNS schema this zone follows, served at dns-version.<zone>. */
    static final String SCHEMA_VERSION = "1.1.0";

    private static final Name IN_ADDR_ARPA = Name.fromConstantString("in-addr.arpa.");

    private final ServiceDirectory directory;
    private final Name zone;
    private final int zoneLabels;
    private final SOARecord soa;

    ClusterZone(ServiceDirectory directory, String clusterDomain) {
        this.directory = directory;
        this.zone = absolute(clusterDomain);
        this.zoneLabels = zone.labels();
        // the serial only has to grow between restarts: nobody transfers this zone
        long serial = (System.currentTimeMillis() / 1000) & 0xFFFFFFFFL;
        this.soa = new SOARecord(zone, DClass.IN, TTL, child("ns.dns"), child("hostmaster"), serial,
                7200, 1800, 86400, TTL);
    }

    Name name() {
        return zone;
    }

    SOARecord soa() {
        return soa;
    }

    /** Whether {@code name} is in this zone (the apex included), ignoring case. */
    boolean contains(Name name) {
        return name.subdomain(zone);
    }

    /**
     * Looks {@code qname} (in this zone) up for a client in {@code network}: everything at that name,
     * whatever its type; the caller keeps the type that was asked for.
     */
    Lookup lookup(Name qname, PodNetwork network) {
        List<String> labels = relativeLabels(qname);
        int n = labels.size();
        if (n == 0) {
            return Lookup.found(List.of(soa), List.of());
        }
        String top = labels.get(n - 1);
        if (n == 1) {
            if (top.equals("dns-version")) {
                return Lookup.found(List.of(new TXTRecord(absoluteIn(labels), DClass.IN, TTL, SCHEMA_VERSION)),
                        List.of());
            }
            // svc and pod hold Services and pods below them: they exist without records of their own
            return top.equals("svc") || top.equals("pod") ? Lookup.found(List.of(), List.of()) : Lookup.NX;
        }
        return switch (top) {
            case "svc" -> serviceNames(labels, network);
            case "pod" -> podName(labels);
            default -> Lookup.NX;
        };
    }

    /**
     * The PTR records for {@code qname} if it is {@code <d>.<c>.<b>.<a>.in-addr.arpa} of a Service
     * address (its name) or of a ready endpoint (the endpoint's name below its Service); empty
     * when the address is not the cluster's, and the query goes where other names go.
     */
    List<Record> reverse(Name qname, PodNetwork network) {
        Name canonical = qname.canonicalize();
        if (canonical.labels() != 7 || !canonical.subdomain(IN_ADDR_ARPA)) {
            return List.of();
        }
        StringBuilder ip = new StringBuilder();
        for (int i = 3; i >= 0; i--) {
            String label = canonical.getLabelString(i);
            if (!label.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(label) > 255) {
                return List.of();
            }
            ip.append(label).append(i > 0 ? "." : "");
        }
        String address = ip.toString();
        List<Record> records = new ArrayList<>();
        for (ServiceRecord service : directory.findByAddress(address, network)) {
            Name serviceFqdn = absoluteIn(List.of(lower(service.name()), lower(service.namespace()), "svc"));
            List<Name> targets = new ArrayList<>();
            if (address.equals(service.clusterIP())) {
                targets.add(serviceFqdn);
            }
            for (EndpointRecord endpoint : service.readyEndpoints()) {
                if (address.equals(endpoint.ip())) {
                    targets.add(child(endpointLabel(endpoint), serviceFqdn));
                }
            }
            for (Name target : targets) {
                Record ptr = new PTRRecord(canonical, DClass.IN, TTL, target);
                if (!records.contains(ptr)) {
                    records.add(ptr);
                }
            }
        }
        return records;
    }

    /** {@code labels} = [..., <svc>, <ns>, "svc"] lowercased, innermost first. */
    private Lookup serviceNames(List<String> labels, PodNetwork network) {
        int n = labels.size();
        if (n == 2) {
            // <ns>.svc.<zone>: the directory cannot tell whether the namespace exists; an
            // NXDOMAIN here would deny every Service below it to caches that apply RFC 8020
            return Lookup.found(List.of(), List.of());
        }
        if (n > 5) {
            return Lookup.NX;
        }
        String namespace = labels.get(n - 2);
        String serviceName = labels.get(n - 3);
        Optional<ServiceRecord> found = directory.find(namespace, serviceName, network);
        if (found.isEmpty()) {
            return Lookup.NX;
        }
        ServiceRecord service = found.get();
        Name serviceFqdn = absoluteIn(labels.subList(n - 3, n));
        if (service.externalName() != null) {
            return externalName(n == 3 ? serviceFqdn : null, service.externalName());
        }
        boolean headless = service.clusterIP() == null;
        if (headless && service.readyEndpoints().isEmpty()) {
            // kube-dns and CoreDNS answer NXDOMAIN, and the spec was amended to match (kubernetes/dns#245)
            return Lookup.NX;
        }
        if (n == 3) {
            List<Record> records = new ArrayList<>();
            if (headless) {
                for (EndpointRecord endpoint : service.readyEndpoints()) {
                    addressRecord(serviceFqdn, endpoint.ip()).ifPresent(records::add);
                }
            } else {
                addressRecord(serviceFqdn, service.clusterIP()).ifPresent(records::add);
            }
            return Lookup.found(records, List.of());
        }
        String first = labels.get(0);
        if (n == 4 && first.startsWith("_")) {
            // _<proto>.<svc>...: exists (as an empty non-terminal) when a named port has that protocol
            boolean any = service.ports().stream()
                    .anyMatch(port -> isNamed(port) && ("_" + lower(port.protocol())).equals(first));
            return any ? Lookup.found(List.of(), List.of()) : Lookup.NX;
        }
        if (n == 4) {
            List<Record> records = new ArrayList<>();
            Name owner = absoluteIn(labels);
            for (EndpointRecord endpoint : service.readyEndpoints()) {
                if (endpointLabel(endpoint).equals(first)) {
                    addressRecord(owner, endpoint.ip()).ifPresent(records::add);
                }
            }
            return records.isEmpty() ? Lookup.NX : Lookup.found(records, List.of());
        }
        return srv(labels, service, serviceFqdn, headless);
    }

    /**
     * An ExternalName Service: its name (null: a name below it, which does not exist) is a CNAME
     * to the external name.
     */
    private static Lookup externalName(Name serviceFqdn, String externalName) {
        if (serviceFqdn == null) {
            return Lookup.NX;
        }
        try {
            Name target = Name.fromString(externalName.endsWith(".") ? externalName : externalName + ".");
            return Lookup.found(List.of(new CNAMERecord(serviceFqdn, DClass.IN, TTL, target)), List.of());
        } catch (TextParseException e) {
            LOG.debug("The external name {} of {} is not a DNS name", externalName, serviceFqdn);
            return Lookup.NX;
        }
    }

    /** {@code _<port>._<proto>.<svc>.<ns>.svc}: one SRV per named port match (and endpoint, if headless). */
    private Lookup srv(List<String> labels, ServiceRecord service, Name serviceFqdn, boolean headless) {
        String portLabel = labels.get(0);
        String protoLabel = labels.get(1);
        if (!portLabel.startsWith("_") || !protoLabel.startsWith("_")) {
            return Lookup.NX;
        }
        Name owner = absoluteIn(labels);
        List<PortRecord> ports = service.ports().stream()
                .filter(port -> isNamed(port) && ("_" + lower(port.name())).equals(portLabel)
                        && ("_" + lower(port.protocol())).equals(protoLabel))
                .toList();
        if (ports.isEmpty()) {
            return Lookup.NX;
        }
        List<Record> additional = new ArrayList<>();
        record Target(Name name, int port) {}
        List<Target> targets = new ArrayList<>();
        for (PortRecord port : ports) {
            if (headless) {
                for (EndpointRecord endpoint : service.readyEndpoints()) {
                    Name target = child(endpointLabel(endpoint), serviceFqdn);
                    Optional<Record> address = addressRecord(target, endpoint.ip());
                    if (address.isPresent()) {
                        targets.add(new Target(target, port.port()));
                        if (!additional.contains(address.get())) {
                            additional.add(address.get());
                        }
                    }
                }
            } else {
                targets.add(new Target(serviceFqdn, port.port()));
                addressRecord(serviceFqdn, service.clusterIP())
                        .filter(address -> !additional.contains(address))
                        .ifPresent(additional::add);
            }
        }
        int weight = targets.isEmpty() ? 0 : 100 / targets.size();
        List<Record> records = new ArrayList<>();
        for (Target target : targets) {
            records.add(new SRVRecord(owner, DClass.IN, TTL, 0, weight, target.port(), target.name()));
        }
        return Lookup.found(records, additional);
    }

    /** {@code <a>-<b>-<c>-<d>.<ns>.pod}: the address spelled by the first label. */
    private Lookup podName(List<String> labels) {
        if (labels.size() == 2) {
            return Lookup.found(List.of(), List.of());
        }
        if (labels.size() != 3) {
            return Lookup.NX;
        }
        byte[] address = Address.toByteArray(labels.get(0).replace('-', '.'), Address.IPv4);
        if (address == null) {
            return Lookup.NX;
        }
        return Lookup.found(List.of(new ARecord(absoluteIn(labels), DClass.IN, TTL, address)), List.of());
    }

    /**
     * The label naming an endpoint below its Service: its hostname, else its address with dashes
     * (what CoreDNS uses when an endpoint has no hostname).
     */
    static String endpointLabel(EndpointRecord endpoint) {
        if (endpoint.hostname() != null && !endpoint.hostname().isEmpty()) {
            return lower(endpoint.hostname());
        }
        return endpoint.ip().replace('.', '-').replace(':', '-');
    }

    private static boolean isNamed(PortRecord port) {
        return port.name() != null && !port.name().isEmpty() && port.protocol() != null;
    }

    /** An A (or, should the directory ever give one, AAAA) record; empty for a malformed address. */
    private static Optional<Record> addressRecord(Name owner, String ip) {
        try {
            InetAddress address = Address.getByAddress(ip);
            return Optional.of(address instanceof Inet4Address
                    ? new ARecord(owner, DClass.IN, TTL, address)
                    : new AAAARecord(owner, DClass.IN, TTL, address));
        } catch (UnknownHostException | RuntimeException e) {
            LOG.debug("Skipping the address {} of {}: not an IP address", ip, owner);
            return Optional.empty();
        }
    }

    /** The labels of {@code name} below the zone, lowercased, innermost first. */
    private List<String> relativeLabels(Name name) {
        Name canonical = name.canonicalize();
        int count = canonical.labels() - zoneLabels;
        List<String> labels = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            labels.add(canonical.getLabelString(i));
        }
        return labels;
    }

    /** {@code labels} (innermost first) followed by the zone, as an absolute name. */
    private Name absoluteIn(List<String> labels) {
        return child(String.join(".", labels), zone);
    }

    private Name child(String relative) {
        return child(relative, zone);
    }

    private static Name child(String relative, Name origin) {
        try {
            return Name.fromString(relative, origin);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a DNS name: " + relative, e);
        }
    }

    private static Name absolute(String domain) {
        try {
            String trimmed = domain.endsWith(".") ? domain : domain + ".";
            return Name.fromString(lower(trimmed));
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a DNS domain: " + domain, e);
        }
    }

    private static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }

    /**
     * What the zone holds at one name: whether the name exists ({@link Rcode#NOERROR}) or not
     * ({@link Rcode#NXDOMAIN}), the records at it (all types) and the records that go to the
     * additional section with them.
     */
    record Lookup(int rcode, List<Record> records, List<Record> additional) {
        static final Lookup NX = new Lookup(Rcode.NXDOMAIN, List.of(), List.of());

        static Lookup found(List<Record> records, List<Record> additional) {
            return new Lookup(Rcode.NOERROR, List.copyOf(records), List.copyOf(additional));
        }

        /**
         * The records answering a query of {@code type} ({@link Type#ANY}: all of them); a CNAME
         * answers queries of every type (RFC 1034 3.6.2).
         */
        List<Record> answering(int type) {
            if (type == Type.ANY) {
                return records;
            }
            List<Record> matching = records.stream().filter(r -> r.getType() == type).toList();
            return matching.isEmpty() ? records.stream().filter(r -> r.getType() == Type.CNAME).toList() : matching;
        }

        /** The CNAME at this name, if there is one. */
        Optional<CNAMERecord> alias() {
            return records.stream().filter(CNAMERecord.class::isInstance).map(CNAMERecord.class::cast).findFirst();
        }
    }
}
