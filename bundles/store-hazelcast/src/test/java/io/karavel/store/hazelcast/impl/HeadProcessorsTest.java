package io.karavel.store.hazelcast.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fencing rules of the log head, applied to a plain map entry as Hazelcast would. */
class HeadProcessorsTest {

    private final Map.Entry<String, LogHead> entry = new AbstractMap.SimpleEntry<>(LogHead.KEY, null);

    @Test
    void theFirstTermStartsANewLogAfterTheLeadersRevision() {
        LogHead head = new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a").process(entry);

        assertThat(head.token()).isEqualTo(7);
        assertThat(head.generation()).isEqualTo("log-a");
        assertThat(head.firstSeq()).isEqualTo(1);
        assertThat(head.nextSeq()).isEqualTo(1);
        assertThat(head.baseRevision()).isEqualTo(40);
        assertThat(head.lastRevision()).isEqualTo(40);
        assertThat(entry.getValue()).isEqualTo(head);
    }

    @Test
    void reservationsAreConsecutiveAndMustContinueTheRevisions() {
        new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a").process(entry);

        assertThat(new HeadProcessors.Reserve(7, 41, 43).process(entry)).isEqualTo(1);
        assertThat(new HeadProcessors.Reserve(7, 44, 44).process(entry)).isEqualTo(2);
        assertThat(new HeadProcessors.Reserve(7, 50, 51).process(entry)).isEqualTo(HeadProcessors.OUT_OF_ORDER);
        assertThat(entry.getValue().nextSeq()).isEqualTo(3);
        assertThat(entry.getValue().lastRevision()).isEqualTo(44);
    }

    @Test
    void processorsRunAgainAfterAMigrationGiveTheSameResult() {
        LogHead first = new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a").process(entry);
        assertThat(new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a").process(entry)).isEqualTo(first);

        assertThat(new HeadProcessors.Reserve(7, 41, 43).process(entry)).isEqualTo(1);
        assertThat(new HeadProcessors.Reserve(7, 41, 43).process(entry)).isEqualTo(1);
        assertThat(entry.getValue().nextSeq()).isEqualTo(2);
    }

    @Test
    void aDeposedLeaderIsFencedOnceANewerTermStarted() {
        new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a").process(entry);
        new HeadProcessors.Reserve(7, 41, 41).process(entry);

        LogHead newTerm = new HeadProcessors.TakeTerm(9, "uuid-b", "b", 41, "log-b").process(entry);

        assertThat(newTerm.token()).isEqualTo(9);
        assertThat(newTerm.leaderName()).isEqualTo("b");
        assertThat(new HeadProcessors.Reserve(7, 42, 42).process(entry)).isEqualTo(HeadProcessors.FENCED);
        assertThat(new HeadProcessors.Trim(7, 2).process(entry)).isFalse();
        assertThat(new HeadProcessors.StartRevisions(7, 99).process(entry)).isFalse();
        assertThat(entry.getValue().nextSeq()).isEqualTo(2);
    }

    @Test
    void anOlderTokenCannotTakeATermBack() {
        new HeadProcessors.TakeTerm(9, "uuid-b", "b", 40, "log-b").process(entry);

        LogHead refused = new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a").process(entry);

        assertThat(refused.token()).isEqualTo(9);
        assertThat(entry.getValue().leaderName()).isEqualTo("b");
    }

    @Test
    void theNewLeadersRevisionIsWhereAppendsContinue() {
        new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a").process(entry);
        new HeadProcessors.Reserve(7, 41, 45).process(entry); // reserved, never written: a gap
        new HeadProcessors.TakeTerm(9, "uuid-b", "b", 40, "log-b").process(entry);

        assertThat(new HeadProcessors.StartRevisions(9, 40).process(entry)).isTrue();

        assertThat(new HeadProcessors.Reserve(9, 41, 41).process(entry)).isEqualTo(2);
    }

    @Test
    void trimmingNeverPassesTheEndOfTheLog() {
        new HeadProcessors.TakeTerm(7, "uuid-a", "a", 0, "log-a").process(entry);
        new HeadProcessors.Reserve(7, 1, 1).process(entry);

        assertThat(new HeadProcessors.Trim(7, 100).process(entry)).isTrue();

        assertThat(entry.getValue().firstSeq()).isEqualTo(2);
    }
}
