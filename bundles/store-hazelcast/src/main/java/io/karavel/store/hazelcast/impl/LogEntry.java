package io.karavel.store.hazelcast.impl;

import java.io.Serializable;

/**
 * One committed batch in the replicated change log (map {@value ChangeLog#LOG_MAP}, key: its
 * sequence number).
 *
 * @param seq its sequence number, reserved in the {@link LogHead}
 * @param token the fencing token of the leader that appended it
 * @param firstRevision revision of its first change; 0 for a gap filler
 * @param lastRevision revision of its last change; 0 for a gap filler
 * @param changes the encoded changes ({@link ChangeCodec}); null for a gap filler: a sequence
 *     number that a leader reserved but never wrote before it died, closed by the next leader
 */
record LogEntry(long seq, long token, long firstRevision, long lastRevision, byte[] changes) implements Serializable {
    private static final long serialVersionUID = 1L;

    static LogEntry gapFiller(long seq, long token) {
        return new LogEntry(seq, token, 0, 0, null);
    }

    boolean isGapFiller() {
        return changes == null;
    }
}
