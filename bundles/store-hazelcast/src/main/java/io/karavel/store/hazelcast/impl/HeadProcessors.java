package io.karavel.store.hazelcast.impl;

import com.hazelcast.core.IFunction;

/**
 * The atomic updates of the {@link LogHead}. The head is a CP {@code IAtomicReference}: each update
 * is one Raft commit on a majority of the masters, so it is linearizable even while the masters'
 * ordinary (AP) cluster is split, and this is where fencing happens: a deposed leader's token is
 * refused here before it can append anything.
 *
 * <p>Each function returns the new head; callers read their outcome from it ({@link #reserved}).
 * A Raft operation may be retried after a CP leader change, so every function gives the same
 * result when it runs again on its own output.
 */
final class HeadProcessors {
    private HeadProcessors() {}

    /** Outcome of {@link Reserve} when the caller's token is not the current term's. */
    static final long FENCED = -1;
    /** Outcome of {@link Reserve} when the batch does not follow the log's last revision. */
    static final long OUT_OF_ORDER = -2;

    /**
     * A new leader takes its term: the head records its token (unchanged when a newer or the same
     * token already took a term), or a new log {@code newGeneration} starts after
     * {@code localRevision} when there is none.
     */
    record TakeTerm(long token, String leaderUuid, String leaderName, long localRevision, String newGeneration)
            implements IFunction<LogHead, LogHead> {
        private static final long serialVersionUID = 1L;

        @Override
        public LogHead apply(LogHead head) {
            if (head == null) {
                return new LogHead(newGeneration, token, leaderUuid, leaderName, 1, 1, localRevision, localRevision);
            }
            return head.token() >= token ? head : head.withTerm(token, leaderUuid, leaderName);
        }
    }

    /** After catching up, the new leader's revision is where the next append must start. */
    record StartRevisions(long token, long revision) implements IFunction<LogHead, LogHead> {
        private static final long serialVersionUID = 1L;

        @Override
        public LogHead apply(LogHead head) {
            return head == null || head.token() != token ? head : head.withLastRevision(revision);
        }
    }

    /**
     * Reserves the next sequence number for a batch of revisions {@code firstRevision..lastRevision}:
     * only for the current term's token and only when the batch continues the log's revisions.
     */
    record Reserve(long token, long firstRevision, long lastRevision) implements IFunction<LogHead, LogHead> {
        private static final long serialVersionUID = 1L;

        @Override
        public LogHead apply(LogHead head) {
            if (head == null || head.token() != token || firstRevision != head.lastRevision() + 1) {
                return head; // refused, or this reservation run again (lastRevision already ours)
            }
            return head.withAppend(lastRevision);
        }

        /** The sequence number reserved, {@link #FENCED} or {@link #OUT_OF_ORDER}, read from the new head. */
        long reserved(LogHead head) {
            if (head == null || head.token() != token) {
                return FENCED;
            }
            if (head.lastRevision() == lastRevision && head.nextSeq() > head.firstSeq()) {
                return head.nextSeq() - 1;
            }
            return OUT_OF_ORDER;
        }
    }

    /** Moves the oldest kept sequence number forward (entries before it are then deleted). */
    record Trim(long token, long firstSeq) implements IFunction<LogHead, LogHead> {
        private static final long serialVersionUID = 1L;

        @Override
        public LogHead apply(LogHead head) {
            return head == null || head.token() != token ? head : head.withFirstSeq(Math.min(firstSeq, head.nextSeq()));
        }
    }
}
