package io.karavel.runtime.process.impl;

import java.util.Set;

/**
 * Hands out pod IPs from a CIDR range inside {@code 127.0.0.0/8}. On Linux every address of that
 * block answers on the loopback interface without any setup, so a pod gets its own address (and
 * its own set of ports) just by binding to it.
 *
 * <p>Never handed out: the range's network and broadcast addresses, any address ending in
 * {@code .0} or {@code .255} (tools treat those as special) and {@code 127.0.0.1}. Allocation
 * continues after the last address handed out (a cursor the caller persists) instead of taking
 * the lowest free one, so a just-released IP is not reused at once while old connections to it
 * may still linger.
 */
final class LoopbackIpPool {

    private final int network;
    private final int size;

    LoopbackIpPool(String cidr) {
        String[] parts = cidr.trim().split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("ip.range must be a CIDR like 127.77.0.0/16, not " + cidr);
        }
        int prefix = Integer.parseInt(parts[1].trim());
        if (prefix < 8 || prefix > 30) {
            throw new IllegalArgumentException("ip.range prefix must be between /8 and /30, not " + cidr);
        }
        int address = parse(parts[0].trim());
        if ((address >>> 24) != 127) {
            throw new IllegalArgumentException("ip.range must lie inside 127.0.0.0/8 (loopback), not " + cidr);
        }
        int mask = (int) (0xFFFFFFFFL << (32 - prefix));
        this.network = address & mask;
        this.size = 1 << (32 - prefix);
    }

    /**
     * The next usable address after {@code cursor} (an address previously returned, or
     * {@code null}) that is not in {@code inUse}.
     *
     * @throws IllegalStateException when every address is taken
     */
    String allocate(Set<String> inUse, String cursor) {
        long start = 1;
        if (cursor != null) {
            int offset = parse(cursor) - network;
            if (offset > 0 && offset < size) {
                start = offset + 1L;
            }
        }
        for (long i = 0; i < size; i++) {
            long offset = 1 + ((start - 1 + i) % (size - 1));
            int candidate = network + (int) offset;
            String ip = format(candidate);
            if (usable(offset, candidate) && !inUse.contains(ip)) {
                return ip;
            }
        }
        throw new IllegalStateException("no free pod IP left in " + format(network) + "/" + (32 - Integer.numberOfTrailingZeros(size)));
    }

    private boolean usable(long offset, int address) {
        int lastOctet = address & 0xFF;
        return offset > 0 && offset < size - 1 && lastOctet != 0 && lastOctet != 255
                && address != parse("127.0.0.1");
    }

    static int parse(String dotted) {
        String[] octets = dotted.split("\\.");
        if (octets.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + dotted);
        }
        int value = 0;
        for (String octet : octets) {
            int part = Integer.parseInt(octet);
            if (part < 0 || part > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + dotted);
            }
            value = (value << 8) | part;
        }
        return value;
    }

    static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }
}
