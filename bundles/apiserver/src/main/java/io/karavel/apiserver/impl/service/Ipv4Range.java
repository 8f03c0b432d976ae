package io.karavel.apiserver.impl.service;

/**
 * An IPv4 CIDR range of Service cluster IPs, e.g. {@code 127.96.0.0/16}. Only IPv4: Karavel's
 * ClusterIPs are loopback addresses (every 127/8 address is local on Linux), and dual-stack
 * Services are not supported.
 *
 * <p>Addresses are handled as offsets from the network address: offset 0 (the network address)
 * and the last one (the broadcast address) are never handed out, as in Kubernetes.
 */
public final class Ipv4Range {
    /** Kubernetes refuses IPv4 service ranges larger than a /12 (the allocator's bitmap size). */
    private static final int MIN_PREFIX = 12;
    /** A /30 is the smallest range with two usable addresses. */
    private static final int MAX_PREFIX = 30;

    private final String cidr;
    private final long base;
    private final int prefix;

    private Ipv4Range(String cidr, long base, int prefix) {
        this.cidr = cidr;
        this.base = base;
        this.prefix = prefix;
    }

    /**
     * Parses {@code a.b.c.d/n}; host bits must be zero.
     *
     * @throws IllegalArgumentException not an IPv4 CIDR, host bits set, or a prefix outside /12../30
     */
    public static Ipv4Range parse(String cidr) {
        String text = cidr == null ? "" : cidr.trim();
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("service cluster IP range " + cidr + " is not a CIDR (e.g. 127.96.0.0/16)");
        }
        if (text.contains(":")) {
            throw new IllegalArgumentException("service cluster IP range " + cidr + ": only IPv4 ranges are supported");
        }
        long address = parseAddress(text.substring(0, slash));
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (address < 0 || prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("service cluster IP range " + cidr + " is not an IPv4 CIDR (e.g. 127.96.0.0/16)");
        }
        if (prefix < MIN_PREFIX || prefix > MAX_PREFIX) {
            throw new IllegalArgumentException("service cluster IP range " + cidr + ": the prefix length must be between /"
                    + MIN_PREFIX + " and /" + MAX_PREFIX);
        }
        long mask = (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        if ((address & ~mask & 0xFFFFFFFFL) != 0) {
            throw new IllegalArgumentException("service cluster IP range " + cidr + " has host bits set (did you mean "
                    + format(address & mask) + "/" + prefix + "?)");
        }
        return new Ipv4Range(format(address) + "/" + prefix, address, prefix);
    }

    /** The value of a dotted-quad IPv4 address, or -1 when {@code text} is not one. */
    public static long parseAddress(String text) {
        if (text == null) {
            return -1;
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return -1;
        }
        long value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
                    || (part.length() > 1 && part.charAt(0) == '0')) {
                return -1;
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                return -1;
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    static String format(long address) {
        return ((address >> 24) & 0xFF) + "." + ((address >> 16) & 0xFF) + "." + ((address >> 8) & 0xFF) + "." + (address & 0xFF);
    }

    /** The range as written canonically, e.g. {@code 127.96.0.0/16}. */
    public String cidr() {
        return cidr;
    }

    /** Number of addresses, network and broadcast included. */
    public int size() {
        return 1 << (32 - prefix);
    }

    /** The first offset ever handed out (1: the network address is skipped). */
    public int firstOffset() {
        return 1;
    }

    /** The last offset ever handed out (the broadcast address is skipped). */
    public int lastOffset() {
        return size() - 2;
    }

    /** The address {@code offset} places after the network address. */
    public String address(int offset) {
        return format(base + offset);
    }

    /**
     * The offset of {@code ip} in this range, or -1 when it is not an allocatable address of it
     * (another network, the network or the broadcast address, not an IPv4 address).
     */
    public int offsetOf(String ip) {
        long address = parseAddress(ip);
        if (address < 0) {
            return -1;
        }
        long offset = address - base;
        return offset >= firstOffset() && offset <= lastOffset() ? (int) offset : -1;
    }

    @Override
    public String toString() {
        return cidr;
    }
}
