package io.karavel.apiserver.impl.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.store.mapdb.impl.MapDbStore;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The ranges' parsing and arithmetic, and the store allocator's choices. */
class RangesTest {

    @Test
    void ipv4RangesSkipTheNetworkAndBroadcastAddresses() {
        Ipv4Range range = Ipv4Range.parse("127.96.0.0/16");
        assertThat(range.cidr()).isEqualTo("127.96.0.0/16");
        assertThat(range.address(range.firstOffset())).isEqualTo("127.96.0.1");
        assertThat(range.address(range.lastOffset())).isEqualTo("127.96.255.254");
        assertThat(range.address(10)).isEqualTo("127.96.0.10");
        assertThat(range.offsetOf("127.96.1.0")).isEqualTo(256);
        assertThat(range.offsetOf("127.96.0.0")).isEqualTo(-1);
        assertThat(range.offsetOf("127.96.255.255")).isEqualTo(-1);
        assertThat(range.offsetOf("127.97.0.1")).isEqualTo(-1);
        assertThat(range.offsetOf("None")).isEqualTo(-1);
        assertThat(range.offsetOf("127.96.0.01")).as("leading zeros are ambiguous").isEqualTo(-1);
    }

    @Test
    void onlyIpv4CidrsOfAReasonableSizeAreAccepted() {
        assertThatThrownBy(() -> Ipv4Range.parse("fd00::/108")).hasMessageContaining("only IPv4");
        assertThatThrownBy(() -> Ipv4Range.parse("127.96.0.0")).hasMessageContaining("not a CIDR");
        assertThatThrownBy(() -> Ipv4Range.parse("127.96.0.1/16")).hasMessageContaining("host bits");
        assertThatThrownBy(() -> Ipv4Range.parse("127.0.0.0/8")).hasMessageContaining("/12 and /30");
        assertThatThrownBy(() -> Ipv4Range.parse("127.96.0.0/31")).hasMessageContaining("/12 and /30");
        assertThatThrownBy(() -> Ipv4Range.parse("300.96.0.0/16")).hasMessageContaining("not an IPv4 CIDR");
        assertThat(Ipv4Range.parse(" 10.96.0.0/12 ").size()).isEqualTo(1 << 20);
    }

    @Test
    void portRanges() {
        PortRange range = PortRange.parse("30000-32767");
        assertThat(range.contains(30000)).isTrue();
        assertThat(range.contains(32767)).isTrue();
        assertThat(range.contains(32768)).isFalse();
        assertThat(range.toString()).isEqualTo("30000-32767");
        assertThat(PortRange.parse("8080").size()).isEqualTo(1);
        assertThatThrownBy(() -> PortRange.parse("32767-30000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PortRange.parse("a-b")).hasMessageContaining("30000-32767");
        assertThatThrownBy(() -> PortRange.parse("0-10")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dynamicAllocationsFillTheUpperPartFirstThenTheStaticBand() throws Exception {
        try (MapDbStore store = MapDbStore.openInMemory()) {
            // 62 usable addresses: a static band of 16 (offsets 1..16), 46 dynamic ones
            Ipv4Range range = Ipv4Range.parse("127.96.0.0/26");
            StoreAllocator ips = new StoreAllocator(store, "/_test/ips/", range.firstOffset(), range.lastOffset(),
                    range::address, range::offsetOf, Clock.systemUTC());
            AllocationOwner owner = new AllocationOwner("default", "x", "uid-1");
            Set<Integer> first = new HashSet<>();
            for (int i = 0; i < 46; i++) {
                first.add(ips.allocateNext(owner));
            }
            assertThat(first).hasSize(46).allMatch(o -> o > 16);
            int next = ips.allocateNext(owner);
            assertThat(next).isBetween(1, 16);
            assertThat(ips.allocate(next, new AllocationOwner("default", "y", "uid-2")))
                    .isEqualTo(StoreAllocator.Outcome.TAKEN);
            assertThat(ips.allocate(next, owner)).isEqualTo(StoreAllocator.Outcome.ALREADY_OWNED);
            ips.release(next, "uid-2");
            assertThat(ips.isFree(next)).as("only the owner releases").isFalse();
            ips.release(next, "uid-1");
            assertThat(ips.isFree(next)).isTrue();
            assertThat(store.list("/_test/ips/", null, 0).items().get(0).key()).startsWith("/_test/ips/127.96.0.");
        }
    }
}
