package io.karavel.runtime.process.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackIpPoolTest {

    @Test
    void handsOutEveryHostAddressOnceAndNeverNetworkOrBroadcast() {
        LoopbackIpPool pool = new LoopbackIpPool("127.9.9.0/30");
        Set<String> inUse = new HashSet<>();
        String first = pool.allocate(inUse, null);
        inUse.add(first);
        String second = pool.allocate(inUse, first);
        inUse.add(second);

        assertThat(inUse).containsExactlyInAnyOrder("127.9.9.1", "127.9.9.2");
        assertThatThrownBy(() -> pool.allocate(inUse, second)).hasMessageContaining("no free pod IP");
    }

    @Test
    void skipsAddressesEndingInZeroOr255InsideLargerRanges() {
        LoopbackIpPool pool = new LoopbackIpPool("127.9.0.0/16");

        assertThat(pool.allocate(Set.of(), "127.9.0.254")).isEqualTo("127.9.1.1");
        assertThat(pool.allocate(Set.of(), "127.9.255.254")).isEqualTo("127.9.0.1");
    }

    @Test
    void continuesAfterTheCursorSoAReleasedAddressIsNotReusedAtOnce() {
        LoopbackIpPool pool = new LoopbackIpPool("127.9.9.0/24");

        assertThat(pool.allocate(Set.of(), "127.9.9.7")).isEqualTo("127.9.9.8");
        assertThat(pool.allocate(Set.of("127.9.9.8"), "127.9.9.7")).isEqualTo("127.9.9.9");
    }

    @Test
    void neverHandsOutLocalhostItself() {
        LoopbackIpPool pool = new LoopbackIpPool("127.0.0.0/24");

        assertThat(pool.allocate(Set.of(), null)).isEqualTo("127.0.0.2");
    }

    @Test
    void refusesRangesOutsideLoopback() {
        assertThatThrownBy(() -> new LoopbackIpPool("10.0.0.0/16")).hasMessageContaining("127.0.0.0/8");
        assertThatThrownBy(() -> new LoopbackIpPool("127.0.0.1")).hasMessageContaining("CIDR");
    }
}
