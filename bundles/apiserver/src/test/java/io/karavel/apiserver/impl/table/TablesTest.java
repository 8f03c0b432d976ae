package io.karavel.apiserver.impl.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TablesTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static String ageOf(long seconds) {
        return Tables.age(NOW.minusSeconds(seconds).toString(), CLOCK);
    }

    @Test
    void agesReadLikeKubectls() {
        assertThat(ageOf(45)).isEqualTo("45s");
        assertThat(ageOf(200)).isEqualTo("3m20s");
        assertThat(ageOf(17 * 60)).isEqualTo("17m");
        assertThat(ageOf(5 * 3600 + 12 * 60)).isEqualTo("5h12m");
        assertThat(ageOf(30 * 3600)).isEqualTo("30h");
        assertThat(ageOf(6 * 86400 + 3 * 3600)).isEqualTo("6d3h");
        assertThat(ageOf(40 * 86400)).isEqualTo("40d");
        assertThat(Tables.age(null, CLOCK)).isEqualTo("<unknown>");
    }

    @Test
    void onlyTableAcceptHeadersAskForTables() {
        assertThat(Tables.wanted("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")).isTrue();
        assertThat(Tables.wanted("application/json")).isFalse();
        assertThat(Tables.wanted(null)).isFalse();
    }
}
