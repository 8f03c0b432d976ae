package io.karavel.api.cluster;

/** What a master does in the control plane. */
public enum Role {
    /** Holds the leader lock: assigns revisions, commits, runs the controllers and the scheduler. */
    LEADER,
    /** Serves reads and watches from its replica and forwards writes to the leader. */
    FOLLOWER,
    /** Applying the change log (or a snapshot) to reach the leader; serves no writes yet. */
    CATCHING_UP,
    /** Cannot reach a majority of the masters or has no leader: reads only, writes get 503. */
    UNAVAILABLE
}
