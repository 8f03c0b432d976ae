package io.karavel.store.hazelcast.impl;

import java.io.Serializable;

/**
 * The one record that orders the replicated change log (the CP reference
 * {@value ChangeLog#HEAD_REF}). Every append reserves its sequence number here first, in a Raft
 * commit that also checks the leader's fencing token, so a deposed leader cannot append.
 *
 * @param generation identifies this log: a new one starts when the whole cluster restarted and
 *     the log (kept only in the masters' memory) was lost
 * @param token the fencing token of the leader that took the last term
 * @param leaderUuid the Hazelcast member UUID of that leader
 * @param leaderName its member name
 * @param firstSeq the oldest sequence number still kept (older ones were trimmed)
 * @param nextSeq the sequence number the next append gets
 * @param baseRevision the store revision the log started after (the first leader's revision)
 * @param lastRevision the last revision reserved by an append
 */
record LogHead(String generation, long token, String leaderUuid, String leaderName, long firstSeq, long nextSeq,
        long baseRevision, long lastRevision) implements Serializable {
    private static final long serialVersionUID = 1L;

    LogHead withTerm(long newToken, String uuid, String name) {
        return new LogHead(generation, newToken, uuid, name, firstSeq, nextSeq, baseRevision, lastRevision);
    }

    LogHead withAppend(long newLastRevision) {
        return new LogHead(generation, token, leaderUuid, leaderName, firstSeq, nextSeq + 1, baseRevision, newLastRevision);
    }

    LogHead withLastRevision(long revision) {
        return new LogHead(generation, token, leaderUuid, leaderName, firstSeq, nextSeq, baseRevision, revision);
    }

    LogHead withFirstSeq(long seq) {
        return new LogHead(generation, token, leaderUuid, leaderName, Math.max(firstSeq, seq), nextSeq, baseRevision,
                lastRevision);
    }
}
