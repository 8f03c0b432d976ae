package io.karavel.store.hazelcast.impl;

/** Names of the replicated structures. */
final class ChangeLog {
    private ChangeLog() {}

    /** Sequence number → {@link LogEntry}. */
    static final String LOG_MAP = "karavel-log";
    /** The single {@link LogHead}. */
    static final String HEAD_MAP = "karavel-log-head";
    /** Master name → {@link MemberReport}. */
    static final String MASTERS_MAP = "karavel-masters";
}
