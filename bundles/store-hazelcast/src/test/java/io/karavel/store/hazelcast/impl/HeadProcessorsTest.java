package io.karavel.store.hazelcast.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.IFunction;
import org.junit.jupiter.api.Test;

/** The fencing rules of the log head, applied to a plain holder as the CP reference would. */
class HeadProcessorsTest {

    private final Holder entry = new Holder();

    /** What IAtomicReference.alterAndGet does, without Raft. */
    private static final class Holder {
        private LogHead value;

        LogHead getValue() {
            return value;
        }

        LogHead alter(IFunction<LogHead, LogHead> function) {
            value = function.apply(value);
            return value;
        }
    }

    private long reserve(long token, long first, long last) {
        HeadProcessors.Reserve reserve = new HeadProcessors.Reserve(token, first, last);
        return reserve.reserved(entry.alter(reserve));
    }

    private boolean trim(long token, long firstSeq) {
        LogHead head = entry.alter(new HeadProcessors.Trim(token, firstSeq));
        return head.token() == token && head.firstSeq() >= Math.min(firstSeq, head.nextSeq());
    }

    private boolean startRevisions(long token, long revision) {
        LogHead head = entry.alter(new HeadProcessors.StartRevisions(token, revision));
        return head.token() == token && head.lastRevision() == revision;
    }

    @Test
    void theFirstTermStartsANewLogAfterTheLeadersRevision() {
        LogHead head = entry.alter(new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a"));

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
        entry.alter(new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a"));

        assertThat(reserve(7, 41, 43)).isEqualTo(1);
        assertThat(reserve(7, 44, 44)).isEqualTo(2);
        assertThat(reserve(7, 50, 51)).isEqualTo(HeadProcessors.OUT_OF_ORDER);
        assertThat(entry.getValue().nextSeq()).isEqualTo(3);
        assertThat(entry.getValue().lastRevision()).isEqualTo(44);
    }

    @Test
    void processorsRunAgainAfterAMigrationGiveTheSameResult() {
        LogHead first = entry.alter(new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a"));
        assertThat(entry.alter(new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a"))).isEqualTo(first);

        assertThat(reserve(7, 41, 43)).isEqualTo(1);
        assertThat(reserve(7, 41, 43)).isEqualTo(1);
        assertThat(entry.getValue().nextSeq()).isEqualTo(2);
    }

    @Test
    void aDeposedLeaderIsFencedOnceANewerTermStarted() {
        entry.alter(new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a"));
        reserve(7, 41, 41);

        LogHead newTerm = entry.alter(new HeadProcessors.TakeTerm(9, "uuid-b", "b", 41, "log-b"));

        assertThat(newTerm.token()).isEqualTo(9);
        assertThat(newTerm.leaderName()).isEqualTo("b");
        assertThat(reserve(7, 42, 42)).isEqualTo(HeadProcessors.FENCED);
        assertThat(trim(7, 2)).isFalse();
        assertThat(startRevisions(7, 99)).isFalse();
        assertThat(entry.getValue().nextSeq()).isEqualTo(2);
    }

    @Test
    void anOlderTokenCannotTakeATermBack() {
        entry.alter(new HeadProcessors.TakeTerm(9, "uuid-b", "b", 40, "log-b"));

        LogHead refused = entry.alter(new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a"));

        assertThat(refused.token()).isEqualTo(9);
        assertThat(entry.getValue().leaderName()).isEqualTo("b");
    }

    @Test
    void theNewLeadersRevisionIsWhereAppendsContinue() {
        entry.alter(new HeadProcessors.TakeTerm(7, "uuid-a", "a", 40, "log-a"));
        reserve(7, 41, 45); // reserved, never written: a gap
        entry.alter(new HeadProcessors.TakeTerm(9, "uuid-b", "b", 40, "log-b"));

        assertThat(startRevisions(9, 40)).isTrue();

        assertThat(reserve(9, 41, 41)).isEqualTo(2);
    }

    @Test
    void trimmingNeverPassesTheEndOfTheLog() {
        entry.alter(new HeadProcessors.TakeTerm(7, "uuid-a", "a", 0, "log-a"));
        reserve(7, 1, 1);

        assertThat(trim(7, 100)).isTrue();

        assertThat(entry.getValue().firstSeq()).isEqualTo(2);
    }
}
