package io.karavel.proxy.impl;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IPv4 prefix such as {@code 10.96.0.0/16}. Maps an address into the range by keeping the
 * address's host bits: {@code 127.96.3.4} mapped into {@code 10.96.0.0/16} is {@code 10.96.3.4}.
 */
record Ipv4Range(int base, int prefix) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    Ipv4Range {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix length " + prefix + " is not between 0 and 32");
        }
        base &= mask(prefix);
    }

    /** Parses {@code a.b.c.d/n}; a bare address is a /32. */
    static Ipv4Range parse(String cidr) {
        String s = cidr.trim();
        int slash = s.indexOf('/');
        InetAddress address = parseAddress(slash < 0 ? s : s.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("\"" + cidr + "\" is not an IPv4 range like 10.96.0.0/16");
        }
        int prefix;
        try {
            prefix = slash < 0 ? 32 : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + cidr + "\" is not an IPv4 range like 10.96.0.0/16");
        }
        return new Ipv4Range(toInt(address), prefix);
    }

    /**
     * An IPv4 literal as an address, or null when {@code text} is not one. Never asks a resolver
     * (unlike {@link InetAddress#getByName} given a name).
     */
    static InetAddress parseAddress(String text) {
        if (text == null || !IPV4.matcher(text).matches()) {
            return null;
        }
        byte[] bytes = new byte[4];
        String[] parts = text.split("\\.");
        for (int i = 0; i < 4; i++) {
            int v = Integer.parseInt(parts[i]);
            if (v > 255) {
                return null;
            }
            bytes[i] = (byte) v;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean contains(InetAddress address) {
        return address instanceof Inet4Address && (toInt(address) & mask(prefix)) == base;
    }

    /** The address of this range with the host bits (those beyond the prefix) of {@code address}. */
    InetAddress withHostBitsOf(InetAddress address) {
        return fromInt(base | (toInt(address) & ~mask(prefix)));
    }

    InetAddress baseAddress() {
        return fromInt(base);
    }

    @Override
    public String toString() {
        return baseAddress().getHostAddress() + "/" + prefix;
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    private static int toInt(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length != 4) {
            throw new IllegalArgumentException(address + " is not an IPv4 address");
        }
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    private static InetAddress fromInt(int v) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
