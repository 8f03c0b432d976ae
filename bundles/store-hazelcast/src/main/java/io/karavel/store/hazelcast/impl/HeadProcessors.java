package io.karavel.store.hazelcast.impl;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * The atomic updates of the {@link LogHead}. Entry processors run on the partition that owns the
 * head, one at a time, and their result is backed up synchronously like any map write: this is
 * where fencing happens.
 */
final class HeadProcessors {
    private HeadProcessors() {}

    /** Result of {@link Reserve} when the caller's token is not the current term's. */
    static final long FENCED = -1;
    /** Result of {@link Reserve} when the batch does not follow the log's last revision. */
    static final long OUT_OF_ORDER = -2;

    /**
     * A new leader takes its term: the head records its token (refused, returning the head
     * unchanged, when a newer token already took a term), or a new log {@code newGeneration}
     * starts after {@code localRevision} when there is none. Hazelcast may run an entry processor
     * again after a migration: every processor here gives the same result when it does.
     */
    record TakeTerm(long token, String leaderUuid, String leaderName, long localRevision, String newGeneration)
            implements EntryProcessor<String, LogHead, LogHead> {
        private static final long serialVersionUID = 1L;

        @Override
        public LogHead process(Map.Entry<String, LogHead> entry) {
            LogHead head = entry.getValue();
            if (head == null) {
                head = new LogHead(newGeneration, token, leaderUuid, leaderName, 1, 1, localRevision, localRevision);
            } else if (head.token() >= token) {
                return head;
            } else {
                head = head.withTerm(token, leaderUuid, leaderName);
            }
            entry.setValue(head);
            return head;
        }
    }

    /** After catching up, the new leader's revision is where the next append must start. */
    record StartRevisions(long token, long revision) implements EntryProcessor<String, LogHead, Boolean> {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean process(Map.Entry<String, LogHead> entry) {
            LogHead head = entry.getValue();
            if (head == null || head.token() != token) {
                return false;
            }
            entry.setValue(head.withLastRevision(revision));
            return true;
        }
    }

    /**
     * Reserves the next sequence number for a batch of revisions {@code firstRevision..lastRevision}:
     * only for the current term's token and only when the batch continues the log's revisions.
     * Returns the sequence number, {@link #FENCED} or {@link #OUT_OF_ORDER}.
     */
    record Reserve(long token, long firstRevision, long lastRevision) implements EntryProcessor<String, LogHead, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long process(Map.Entry<String, LogHead> entry) {
            LogHead head = entry.getValue();
            if (head == null || head.token() != token) {
                return FENCED;
            }
            if (lastRevision == head.lastRevision() && head.nextSeq() > head.firstSeq()) {
                return head.nextSeq() - 1; // this reservation, run again
            }
            if (firstRevision != head.lastRevision() + 1) {
                return OUT_OF_ORDER;
            }
            entry.setValue(head.withAppend(lastRevision));
            return head.nextSeq();
        }
    }

    /** Moves the oldest kept sequence number forward (entries before it are then deleted). */
    record Trim(long token, long firstSeq) implements EntryProcessor<String, LogHead, Boolean> {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean process(Map.Entry<String, LogHead> entry) {
            LogHead head = entry.getValue();
            if (head == null || head.token() != token) {
                return false;
            }
            entry.setValue(head.withFirstSeq(Math.min(firstSeq, head.nextSeq())));
            return true;
        }
    }
}
