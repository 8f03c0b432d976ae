package io.karavel.store.hazelcast.impl;

/** Names of the replicated structures. */
final class ChangeLog {
    private ChangeLog() {}

    /** Sequence number → {@link LogEntry}. */
    static final String LOG_MAP = "karavel-log";
    /** The {@link LogHead}: a CP (Raft) atomic reference, not a map. */
    static final String HEAD_REF = "karavel-log-head";
    /** Master name → {@link MemberReport}. */
    static final String MASTERS_MAP = "karavel-masters";
}
