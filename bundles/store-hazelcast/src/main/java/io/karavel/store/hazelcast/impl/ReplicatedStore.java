package io.karavel.store.hazelcast.impl;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.cp.CPGroup;
import com.hazelcast.cp.CPGroupId;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.IAtomicReference;
import com.hazelcast.cp.CPSubsystemManagementService;
import com.hazelcast.cp.lock.FencedLock;
import com.hazelcast.cp.internal.RaftService;
import com.hazelcast.cp.internal.raft.impl.RaftNode;
import com.hazelcast.cp.internal.raft.impl.RaftNodeStatus;
import com.hazelcast.cp.session.CPSession;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.spi.exception.TargetNotMemberException;
import com.hazelcast.spi.exception.WrongTargetException;
import io.karavel.api.cluster.ControlPlane;
import io.karavel.api.cluster.ControlPlaneStatus;
import io.karavel.api.cluster.MasterStatus;
import io.karavel.api.cluster.Role;
import io.karavel.api.controller.LeaderElection;
import io.karavel.api.store.Change;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Mutation;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreException;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.api.store.Watch;
import io.karavel.api.store.WatchListener;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated {@link Store} of an HA master, and its {@link LeaderElection} and
 * {@link ControlPlane}.
 *
 * <h2>Roles</h2>
 * Every master keeps a full local replica ({@link MapDbStore}) and serves reads and watches from
 * it. The master holding the CP {@link FencedLock} {@value HazelcastConfigs#LEADER_LOCK} (Raft,
 * linearizable) is the leader: it alone validates writes and assigns revisions. Followers forward
 * each write, as the {@link Mutation} it is, to the leader ({@link ForwardedCommit}) and return
 * once their own replica has applied it (read-your-writes on the master a client talks to).
 *
 * <h2>A write on the leader</h2>
 * The replica's committer validates and numbers a batch, then calls {@link #replicateBatch}:
 * <ol>
 *   <li>reserve the next log sequence number in the {@link LogHead}: an entry processor that
 *       refuses a token other than the current term's (fencing) and a batch that does not continue
 *       the log's revisions;
 *   <li>put the batch at that sequence number, if absent, with synchronous backups on every
 *       master (an indeterminate backup fails the write);
 *   <li>confirm the lock is still held (a Raft query on the lock's owner thread).
 * </ol>
 * Only then does the replica make the batch durable on disk and publish it, and the writers get
 * their answer. A failure anywhere fails the whole batch with 503 and this master steps down: the
 * log, not the leader's disk, is the truth, so a batch that reached the log is applied by the
 * next leader even though nobody was told it succeeded (like an etcd request that timed out).
 *
 * <h2>Followers</h2>
 * A follower applies the log in sequence order to its replica. Entries it already has are
 * skipped by revision; a gap (the log no longer reaches back, or it is a new log after every
 * master restarted and this replica differs from its base) makes it install a snapshot from the
 * leader. A new leader first takes its term in the head (no older leader can append after that),
 * applies the log to its end, closes the sequence numbers a dead leader reserved but never wrote
 * with gap fillers, and only then accepts writes.
 */
final class ReplicatedStore implements Store, LeaderElection, ControlPlane, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedStore.class);

    /** Lets tasks sent by other masters find this store (keyed by Hazelcast instance name). */
    private static final Map<String, ReplicatedStore> RUNNING = new ConcurrentHashMap<>();

    private static final int APPLY_CHUNK = 256;
    private static final long LEAVE_RECHECK_MILLIS = 250;
    private static final String GENERATION_FILE = "replication-generation";

    private final ClusterSettings settings;
    private final MapDbStore local;
    private final Path generationFile;
    private final CopyOnWriteArrayList<Consumer<Boolean>> leadershipListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService leadership = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "karavel-ha-leadership"));
    /**
     * Handles a departed leader: its own thread, because a leadership tick can block for seconds
     * (trying the lock, reading the head while Raft elects) and the departed leader's CP session
     * must be closed before it expires by itself, or failover waits for the session TTL.
     */
    private final ScheduledExecutorService departures = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "karavel-ha-departures"));
    private final ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "karavel-ha-reporter"));
    /** Repairs Raft snapshots installed from another master (see {@link InstalledSnapshotRefresher}). */
    private final ScheduledExecutorService snapshots = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "karavel-ha-snapshots"));
    private final Thread follower = daemon(this::followLoop, "karavel-ha-follower");
    private final Thread starter = daemon(this::startCluster, "karavel-ha-start");
    /** Signalled when a log entry arrives or the role changes; the follower waits on it. */
    private final Object logSignal = new Object();
    /** Held while applying log entries and while becoming leader: the two never interleave. */
    private final Object applyLock = new Object();
    private final long startedAtNanos = System.nanoTime();

    private volatile HazelcastInstance hazelcast;
    /** The log's head: a CP (Raft) reference, linearizable. */
    private volatile IAtomicReference<LogHead> heads;
    private volatile IMap<Long, LogEntry> log;
    private volatile IMap<String, MemberReport> masters;
    private volatile FencedLock lock;
    private volatile IExecutorService executor;

    private volatile Role role = Role.CATCHING_UP;
    /** The fencing token of this master's term while it leads; 0 otherwise. */
    private volatile long token;
    private volatile LogHead lastHead;
    /** When the head was last read from the CP Subsystem: a stale value means this master was stalled. */
    private volatile long lastHeadReadNanos = System.nanoTime();
    /** The next log sequence number to apply (follower) or that was appended last + 1 (leader); 0: not positioned. */
    private volatile long nextSeq;
    /** The highest token among applied entries: an entry with an older one came from a deposed leader. */
    private volatile long appliedToken;
    private volatile List<MemberReport> reports = List.of();
    /** The log generation this replica follows (mirrors the generation file). */
    private volatile String followedGeneration = "";
    private volatile boolean closed;
    /** This master votes in every Raft group (see {@link #claimCpSeat}). */
    private volatile boolean cpSeated;
    private final java.util.concurrent.atomic.AtomicInteger snapshotsInstalled = new java.util.concurrent.atomic.AtomicInteger();

    ReplicatedStore(ClusterSettings settings) {
        this.settings = settings;
        this.local = MapDbStore.openReplica(settings.dir(), settings.storeOptions());
        this.generationFile = settings.dir().resolve(GENERATION_FILE);
        this.followedGeneration = readGeneration();
    }

    /** Starts joining the other masters in the background; reads work at once, writes once a leader exists. */
    void start() {
        starter.start();
    }

    static ReplicatedStore running(String instanceName) {
        return RUNNING.get(instanceName);
    }

    private void startCluster() {
        try {
            HazelcastInstance instance = newInstanceRetrying();
            if (instance == null) {
                return;
            }
            if (closed) {
                instance.getLifecycleService().terminate();
                return;
            }
            heads = instance.getCPSubsystem().getAtomicReference(ChangeLog.HEAD_REF);
            log = instance.getMap(ChangeLog.LOG_MAP);
            masters = instance.getMap(ChangeLog.MASTERS_MAP);
            lock = instance.getCPSubsystem().getLock(HazelcastConfigs.LEADER_LOCK);
            executor = instance.getExecutorService(HazelcastConfigs.FORWARD_EXECUTOR);
            log.addEntryListener((EntryAddedListener<Long, LogEntry>) event -> signal(), false);
            instance.getCluster().addMembershipListener(new MembershipListener() {
                @Override
                public void memberAdded(MembershipEvent event) {}

                @Override
                public void memberRemoved(MembershipEvent event) {
                    if (!closed) {
                        long leftAt = System.nanoTime();
                        departures.execute(() -> leaderLeft(event.getMember(), 0, leftAt));
                    }
                    signal();
                }
            });
            hazelcast = instance;
            RUNNING.put(instance.getName(), this);
            LOG.info("Master {} joined the control plane cluster at {} ({} masters configured)",
                    settings.memberName(), settings.clusterAddress(), settings.members().size());
            follower.start();
            leadership.scheduleWithFixedDelay(this::leadershipTick, 0, 200, TimeUnit.MILLISECONDS);
            reporter.scheduleWithFixedDelay(this::reportTick, 0, 1, TimeUnit.SECONDS);
            if (instance instanceof HazelcastInstanceProxy proxy) {
                InstalledSnapshotRefresher refresher = new InstalledSnapshotRefresher(proxy.getOriginal().node.getNodeEngine());
                snapshots.scheduleWithFixedDelay(refresher::refreshAll, 0, 250, TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.error("Master {} could not start its Hazelcast member; it serves reads only", settings.memberName(), e);
                role = Role.UNAVAILABLE;
            }
        }
    }

    /**
     * Starts this master's Hazelcast member, retrying while its port is still held (by a member
     * of a previous activation that is leaving, or by some outgoing connection). Null once closed.
     */
    private HazelcastInstance newInstanceRetrying() {
        for (int attempt = 1; !closed; attempt++) {
            try {
                return Hazelcast.newHazelcastInstance(
                        HazelcastConfigs.memberConfig(settings, ReplicatedStore.class.getClassLoader()));
            } catch (RuntimeException e) {
                LOG.warn("Master {} could not start its Hazelcast member (attempt {}), retrying: {}",
                        settings.memberName(), attempt, rootMessage(e));
                awaitSignal(Math.min(5000, 500L * attempt));
            }
        }
        return null;
    }

    // ---- Store ----

    @Override
    public long currentRevision() {
        return local.currentRevision();
    }

    @Override
    public long compactedRevision() {
        return local.compactedRevision();
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return local.get(key);
    }

    @Override
    public ListResult list(String prefix, String startAfter, int limit) {
        return local.list(prefix, startAfter, limit);
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        // A client may resume here from another master's newer revision: the replica delivers
        // only the changes after it, also those it applies later.
        return local.watch(prefix, afterRevision, listener);
    }

    @Override
    public KeyValue commit(Mutation mutation) {
        if (role == Role.LEADER) {
            return commitAsLeader(mutation);
        }
        return forwardToLeader(mutation);
    }

    /** A write accepted by this master as the leader (its own or forwarded by a follower). */
    KeyValue commitAsLeader(Mutation mutation) {
        if (role != Role.LEADER) {
            throw new NotLeaderException("master " + settings.memberName() + " is not the leader");
        }
        try {
            return local.commit(mutation);
        } catch (NotLeaderException e) {
            throw e;
        } catch (StoreUnavailableException e) {
            // The replicator already stepped down for its own failures; anything else (the local
            // disk failed after the batch reached the log) leaves a replica behind the log: let a
            // healthy master lead, and catch up as a follower.
            stepDown("the local replica failed: " + e.getMessage());
            throw e;
        }
    }

    private KeyValue forwardToLeader(Mutation mutation) {
        HazelcastInstance instance = hazelcast;
        if (instance == null) {
            throw new StoreUnavailableException("this master has not joined the other masters yet; retry");
        }
        for (int attempt = 0; ; attempt++) {
            Member leader = leaderMember(attempt > 0);
            if (leader == null) {
                throw new StoreUnavailableException("no leader: the masters are electing one (or fewer than a"
                        + " majority of " + settings.members().size() + " masters are up); retry");
            }
            ForwardedCommit.Result result;
            try {
                result = executor.submitToMember(new ForwardedCommit(mutation), leader)
                        .get(settings.forwardTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new StoreUnavailableException("the leader " + leaderName(leader) + " did not answer within "
                        + settings.forwardTimeout().toSeconds() + " s; the write may or may not have been applied");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreUnavailableException("interrupted while waiting for the leader", e);
            } catch (ExecutionException | RuntimeException e) {
                throw new StoreUnavailableException("the leader " + leaderName(leader) + " could not be reached: "
                        + rootMessage(e) + "; the write may or may not have been applied", e);
            }
            if (NotLeaderException.KIND.equals(result.error()) && attempt == 0) {
                continue; // it stepped down before doing anything: ask the new leader once
            }
            KeyValue committed = result.keyValueOrThrow();
            try {
                // Read-your-writes on this master: a client's next GET here sees its own write.
                local.awaitRevision(committed.modRevision(), settings.forwardTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return committed;
        }
    }

    /** The leader named by the head, if it is a live member other than this one. */
    private Member leaderMember(boolean refresh) {
        LogHead head = refresh || lastHead == null ? readHead() : lastHead;
        if (head == null || head.leaderUuid() == null) {
            return null;
        }
        UUID uuid = UUID.fromString(head.leaderUuid());
        if (uuid.equals(hazelcast.getCluster().getLocalMember().getUuid())) {
            return null; // the head still names this master, which no longer leads
        }
        for (Member member : hazelcast.getCluster().getMembers()) {
            if (member.getUuid().equals(uuid)) {
                return member;
            }
        }
        return null;
    }

    private static String leaderName(Member member) {
        String name = member.getAttribute("karavel.name");
        return name != null ? name : member.getAddress().toString();
    }

    // ---- the leader's write path (called by the replica's committer thread) ----

    private void replicateBatch(List<Change> batch) {
        long term = token;
        if (role != Role.LEADER || term == 0) {
            throw new StoreUnavailableException("master " + settings.memberName() + " is not the leader");
        }
        long first = batch.get(0).revision();
        long last = batch.get(batch.size() - 1).revision();
        long seq;
        try {
            seq = reserve(term, first, last);
        } catch (RuntimeException e) {
            throw stepDownWith("the change log could not be appended to: " + rootMessage(e), e);
        }
        if (seq == HeadProcessors.FENCED) {
            throw stepDownWith("a newer leader took over (this master's token " + term + " is fenced)", null);
        }
        if (seq == HeadProcessors.OUT_OF_ORDER) {
            throw stepDownWith("the log's revisions moved on without this master", null);
        }
        LogEntry entry = new LogEntry(seq, term, first, last, ChangeCodec.encode(batch));
        boolean written;
        try {
            written = put(entry);
        } catch (RuntimeException e) {
            throw stepDownWith("log entry " + seq + " was not replicated to every master: " + rootMessage(e), e);
        }
        if (!written) {
            throw stepDownWith("log entry " + seq + " was closed by a newer leader", null);
        }
        if (!stillHoldsLock()) {
            // nextSeq stays at this entry: as a follower this master applies it from the log
            throw stepDownWith("the leader lock was lost; the write is in the log and the next leader applies it", null);
        }
        nextSeq = seq + 1;
        appliedToken = term;
    }

    /**
     * Reserves the batch's sequence number in the head (a Raft commit that refuses a fenced token
     * or a batch that does not continue the log).
     */
    private long reserve(long term, long first, long last) {
        HeadProcessors.Reserve reserve = new HeadProcessors.Reserve(term, first, last);
        return reserve.reserved(cp(heads.alterAndGetAsync(reserve), "reserving a log entry"));
    }

    /**
     * Writes the entry if its sequence number is free; false if another entry took it. A master
     * leaving during the call makes its outcome indeterminate (a backup did not answer): reading
     * the entry back tells, so a follower's death does not depose the leader.
     */
    private boolean put(LogEntry entry) {
        for (int attempt = 1; ; attempt++) {
            try {
                return log.putIfAbsent(entry.seq(), entry) == null;
            } catch (RuntimeException e) {
                if (!isRetryable(e) || attempt == 3) {
                    throw e;
                }
                LOG.info("Writing log entry {} was indeterminate ({}); checking it", entry.seq(), rootMessage(e));
                LogEntry present = log.get(entry.seq());
                if (present != null) {
                    return present.token() == entry.token() && present.firstRevision() == entry.firstRevision();
                }
            }
        }
    }

    /** A member left or a backup timed out: the operation may or may not have been applied. */
    private static boolean isRetryable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IndeterminateOperationStateException || t instanceof MemberLeftException
                    || t instanceof TargetNotMemberException || t instanceof WrongTargetException) {
                return true;
            }
        }
        return false;
    }

    /** Asks the lock's owner thread whether the lock is still held (a linearizable Raft query). */
    private boolean stillHoldsLock() {
        try {
            return leadership.submit(() -> lock.isLockedByCurrentThread())
                    .get(settings.lockCheckTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("Could not confirm the leader lock within {} ms: {}", settings.lockCheckTimeout().toMillis(),
                    rootMessage(e));
            return false;
        }
    }

    private StoreUnavailableException stepDownWith(String reason, Throwable cause) {
        stepDown(reason);
        return new StoreUnavailableException("write not acknowledged: " + reason, cause);
    }

    // ---- leadership ----

    private void leadershipTick() {
        if (closed) {
            return;
        }
        try {
            if (role == Role.LEADER) {
                if (!lock.isLockedByCurrentThread()) {
                    stepDown("the leader lock is no longer held (CP session expired?)");
                }
                return;
            }
            if (!mayLead()) {
                return;
            }
            long fence = lock.tryLockAndGetFence(1, TimeUnit.SECONDS);
            if (fence == FencedLock.INVALID_FENCE) {
                return;
            }
            boolean leading = false;
            try {
                leading = becomeLeader(fence);
            } catch (RuntimeException e) {
                LOG.warn("Taking over as leader with token {} failed, retrying: {}", fence, rootMessage(e));
            } finally {
                if (!leading) {
                    unlockQuietly();
                }
            }
        } catch (RuntimeException e) {
            if (role == Role.LEADER) {
                stepDown("leader lock check failed: " + rootMessage(e));
            } else {
                LOG.info("Leader election attempt failed, retrying: {}", rootMessage(e));
            }
        }
    }

    /**
     * Whether this master may try to take the lock: nobody leads, and it knows where it stands in
     * the log (a master that needs a snapshot cannot lead). On a fresh log, the master with the
     * newest data leads, once every master reported or, after {@code bootstrapWait}, a majority did.
     */
    private boolean mayLead() {
        if (!inMajority()) {
            return false; // cut off (or just resumed from a pause): the others may have moved on
        }
        LogHead head = readHead();
        if (head != null) {
            if (leaderAlive(head) && reportedRole(head.leaderName()) == Role.LEADER) {
                return false;
            }
            if (nextSeq == 0 && !head.generation().equals(readGeneration())) {
                return head.firstSeq() == 1 && head.baseRevision() == local.currentRevision();
            }
            return true;
        }
        List<MemberReport> current = reports;
        long newest = current.stream().mapToLong(MemberReport::revision).max().orElse(-1);
        boolean everyone = current.size() >= settings.members().size();
        boolean waitedEnough = System.nanoTime() - startedAtNanos > settings.bootstrapWait().toNanos()
                && current.size() >= settings.majority();
        return (everyone || waitedEnough) && local.currentRevision() >= newest;
    }

    /**
     * Whether this master is in a cluster with a majority of the masters. Only such a master may
     * lead: it sees every log entry written (each is backed up on every member of the majority).
     */
    private boolean inMajority() {
        return hazelcast.getCluster().getMembers().size() >= settings.majority();
    }

    private Role reportedRole(String name) {
        for (MemberReport report : reports) {
            if (report.name().equals(name)) {
                return Role.valueOf(report.role());
            }
        }
        return Role.UNAVAILABLE;
    }

    /**
     * The leader's member left the cluster (killed, or silent past the heartbeat timeout): close
     * its CP session now instead of waiting for the session to expire, which frees the lock at
     * once. Safe even if it is only paused: its next lock check fails, and its token is fenced.
     * Retried every {@link #LEAVE_RECHECK_MILLIS} until a majority agrees it is gone or its session
     * would have expired anyway.
     */
    private void leaderLeft(Member gone, int attempt, long leftAtNanos) {
        LogHead head = lastHead;
        if (head == null || closed) {
            return;
        }
        long sinceMillis = (System.nanoTime() - leftAtNanos) / 1_000_000;
        if (!gone.getUuid().toString().equals(head.leaderUuid())) {
            if (attempt > 0 || sinceMillis > 1_000) {
                // the departed leader's CP session expired and the lock went to another master
                // before this one closed the session (not agreed yet, or handled late)
                LOG.info("Master {} took the leader lock {} ms after the departure, before this master closed the"
                        + " departed leader's CP session", head.leaderName(), sinceMillis);
            } else {
                LOG.info("Master {} left; the log head last read here {} ms ago names {} as the leader",
                        gone.getAddress(), (System.nanoTime() - lastHeadReadNanos) / 1_000_000, head.leaderName());
            }
            return;
        }
        if (attempt == 0 && sinceMillis > 1_000) {
            LOG.info("Handling the departure of leader {} {} ms after it left (this master was busy)",
                    head.leaderName(), sinceMillis);
        }
        // Otherwise the session is left to expire by itself (its TTL) and failover takes that much
        // longer: logged, at most once per departure.
        boolean inMajority = inMajority();
        if (!inMajority || System.nanoTime() - lastHeadReadNanos > TimeUnit.SECONDS.toNanos(3)) {
            // A master cut off from the majority, or one that was itself paused and sees everyone
            // "leave" as it resumes, must not depose the leader the majority still has.
            LOG.info("Leaving the departed leader {}'s CP session to expire: this master {}", head.leaderName(),
                    inMajority ? "has not read the log head for 3 s" : "is not in a majority");
            return;
        }
        if (!majorityAgreesGone(gone, attempt == 0)) {
            if ((attempt + 1) * LEAVE_RECHECK_MILLIS < settings.sessionTtl().toMillis() && !closed) {
                departures.schedule(() -> leaderLeft(gone, attempt + 1, leftAtNanos), LEAVE_RECHECK_MILLIS,
                        TimeUnit.MILLISECONDS);
            } else {
                LOG.info("Leaving the departed leader {}'s CP session to expire: no majority of masters agreed"
                        + " that it left", head.leaderName());
            }
            return;
        }
        try {
            var sessions = hazelcast.getCPSubsystem().getCPSessionManagementService();
            for (CPSession session : sessions.getAllSessions(CPGroup.DEFAULT_GROUP_NAME).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS)) {
                if (gone.getAddress().equals(session.endpoint())) {
                    sessions.forceCloseSession(CPGroup.DEFAULT_GROUP_NAME, session.id()).toCompletableFuture()
                            .get(5, TimeUnit.SECONDS);
                    LOG.info("Closed the CP session of the departed leader {} to free the leader lock",
                            head.leaderName());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.info("Could not close the departed leader's CP session (it expires by itself): {}", rootMessage(e));
        }
    }

    /**
     * Whether a majority of the masters, this one included, no longer see the member. A master
     * resumed from a pause sees the others leave one by one; the masters it can still ask do not
     * agree, so it leaves the lock alone. {@code explain}: log each master that did not agree.
     */
    private boolean majorityAgreesGone(Member gone, boolean explain) {
        int agreeing = 1;
        for (Member other : hazelcast.getCluster().getMembers()) {
            if (other.localMember() || other.getUuid().equals(gone.getUuid())) {
                continue;
            }
            try {
                if (!executor.submitToMember(new MemberPresence(gone.getUuid()), other).get(1, TimeUnit.SECONDS)) {
                    agreeing++;
                } else if (explain) {
                    LOG.info("Master {} still sees the departed leader", leaderName(other));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                if (explain) {
                    LOG.info("Master {} did not say whether the leader left: {}", leaderName(other), rootMessage(e));
                }
            }
        }
        return agreeing >= settings.majority();
    }

    private boolean becomeLeader(long fence) {
        synchronized (applyLock) {
            String uuid = hazelcast.getCluster().getLocalMember().getUuid().toString();
            LogHead head = cp(heads.alterAndGetAsync(new HeadProcessors.TakeTerm(fence, uuid, settings.memberName(),
                    local.currentRevision(), UUID.randomUUID().toString())), "taking a term");
            if (head.token() != fence) {
                LOG.warn("Took the leader lock with token {} but the log already has term {}", fence, head.token());
                return false;
            }
            lastHead = head;
            if (!head.generation().equals(readGeneration())) {
                if (head.firstSeq() != 1 || head.baseRevision() != local.currentRevision()) {
                    LOG.warn("Took the leader lock but this replica (revision {}) does not match the log"
                            + " (base revision {}); letting another master lead", local.currentRevision(),
                            head.baseRevision());
                    return false;
                }
                writeGeneration(head.generation());
                nextSeq = head.firstSeq();
            } else if (nextSeq == 0) {
                nextSeq = head.firstSeq();
            }
            // Apply the log to its end; close what a dead leader reserved and never wrote.
            for (long seq = nextSeq; seq < head.nextSeq(); seq++) {
                LogEntry entry = log.get(seq);
                if (entry == null) {
                    LogEntry filler = LogEntry.gapFiller(seq, fence);
                    LogEntry prior = log.putIfAbsent(seq, filler);
                    entry = prior != null ? prior : filler;
                    if (prior == null) {
                        LOG.info("Closed log entry {} that the previous leader reserved but never wrote", seq);
                    }
                }
                if (!apply(entry)) {
                    LOG.warn("Could not apply log entry {} while taking over; letting another master lead", seq);
                    return false;
                }
                nextSeq = seq + 1;
            }
            LogHead started = cp(heads.alterAndGetAsync(
                    new HeadProcessors.StartRevisions(fence, local.currentRevision())), "starting a term");
            if (started.token() != fence || started.lastRevision() != local.currentRevision()) {
                LOG.warn("A newer leader took over while this master was catching up");
                return false;
            }
            token = fence;
            appliedToken = fence;
            local.enableWrites(this::replicateBatch);
            role = Role.LEADER;
            lastHead = readHead();
        }
        LOG.info("Master {} is the leader (term {}) at revision {}", settings.memberName(), fence,
                local.currentRevision());
        notifyLeadership(true);
        signal();
        return true;
    }

    /** Stops accepting writes at once; the lock is released on its owner thread. */
    private void stepDown(String reason) {
        synchronized (this) {
            if (role != Role.LEADER) {
                return;
            }
            local.disableWrites("master " + settings.memberName() + " is no longer the leader: " + reason);
            role = Role.CATCHING_UP;
            token = 0;
        }
        LOG.warn("Master {} steps down as leader: {}", settings.memberName(), reason);
        notifyLeadership(false);
        leadership.execute(this::unlockQuietly);
        signal();
    }

    private void unlockQuietly() {
        try {
            if (lock.isLockedByCurrentThread()) {
                lock.unlock();
            }
        } catch (RuntimeException e) {
            LOG.debug("Releasing the leader lock: {}", rootMessage(e));
        }
    }

    // ---- the follower ----

    private void followLoop() {
        while (!closed) {
            try {
                if (role == Role.LEADER) {
                    awaitSignal(500);
                    continue;
                }
                LogHead head = readHead();
                if (head == null) {
                    setFollowerRole(Role.UNAVAILABLE);
                    awaitSignal(200);
                    continue;
                }
                boolean progressed;
                synchronized (applyLock) {
                    if (role == Role.LEADER) {
                        continue;
                    }
                    if (nextSeq == 0 || nextSeq < head.firstSeq() || !head.generation().equals(followedGeneration)) {
                        position(head);
                    }
                    progressed = applyAvailable(head);
                    // A restarted master is a follower only once it votes in every Raft group: until
                    // then Raft runs one member short and the next death may leave no majority.
                    role = !leaderAlive(head) ? Role.UNAVAILABLE
                            : nextSeq >= head.nextSeq() && cpSeated ? Role.FOLLOWER : Role.CATCHING_UP;
                }
                if (!progressed) {
                    awaitSignal(100);
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("Following the log failed, retrying: {}", rootMessage(e));
                    setFollowerRole(Role.UNAVAILABLE);
                    awaitSignal(1000);
                }
            }
        }
    }

    /**
     * Sets the role the follower loop observed, unless this master became the leader meanwhile:
     * the loop may have been waiting on the log head while {@link #becomeLeader} ran, and only
     * {@link #stepDown} ends a term (seen in HaFailoverIT: a new leader reported itself FOLLOWER
     * after a head read that had timed out during its take-over).
     */
    private void setFollowerRole(Role observed) {
        synchronized (applyLock) {
            if (role != Role.LEADER) {
                role = observed;
            }
        }
    }

    /**
     * Finds where this replica continues in the log, or replaces it with the leader's snapshot.
     * Also when the log itself was replaced (every master restarted, or Hazelcast lost it).
     */
    private void position(LogHead head) {
        boolean sameLog = head.generation().equals(readGeneration());
        if (sameLog && nextSeq != 0 && nextSeq < head.firstSeq()) {
            installSnapshot("the log was trimmed past this replica");
        } else if (sameLog) {
            if (nextSeq == 0) {
                nextSeq = head.firstSeq(); // entries already applied are skipped by revision
            }
        } else if (head.firstSeq() == 1 && head.baseRevision() == local.currentRevision()) {
            writeGeneration(head.generation());
            nextSeq = 1;
        } else {
            installSnapshot("a new log started at revision " + head.baseRevision() + " and this replica is at "
                    + local.currentRevision());
        }
    }

    /** Applies the entries present from {@link #nextSeq} on; stops at the first one not written yet. */
    private boolean applyAvailable(LogHead head) {
        boolean progressed = false;
        while (!closed && nextSeq < head.nextSeq()) {
            long from = nextSeq;
            long to = Math.min(head.nextSeq(), from + APPLY_CHUNK);
            Set<Long> keys = new LinkedHashSet<>();
            for (long seq = from; seq < to; seq++) {
                keys.add(seq);
            }
            Map<Long, LogEntry> entries = log.getAll(keys);
            for (long seq = from; seq < to; seq++) {
                LogEntry entry = entries.get(seq);
                if (entry == null) {
                    return progressed; // reserved, not written yet (or a dead leader's: the next leader closes it)
                }
                if (!apply(entry)) {
                    installSnapshot("log entry " + seq + " does not continue this replica at revision "
                            + local.currentRevision());
                    return true;
                }
                nextSeq = seq + 1;
                progressed = true;
            }
        }
        return progressed;
    }

    /** Applies one entry to the replica; false when it does not continue the replica's revisions. */
    private boolean apply(LogEntry entry) {
        if (entry.isGapFiller()) {
            return true;
        }
        if (entry.token() < appliedToken) {
            LOG.warn("Ignoring log entry {} from a deposed leader (token {} < {})", entry.seq(), entry.token(),
                    appliedToken);
            return true;
        }
        if (entry.lastRevision() <= local.currentRevision()) {
            appliedToken = entry.token();
            return true;
        }
        try {
            local.applyReplicated(ChangeCodec.decode(entry.changes())).get();
            appliedToken = entry.token();
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalStateException) {
                return false;
            }
            throw new StoreUnavailableException("applying log entry " + entry.seq() + " failed: "
                    + rootMessage(e), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted", e);
        }
    }

    private void installSnapshot(String why) {
        Member leader = leaderMember(true);
        if (leader == null) {
            throw new StoreUnavailableException(why + ", and there is no leader to copy a snapshot from yet");
        }
        role = Role.CATCHING_UP;
        LOG.info("Installing a snapshot from the leader {}: {}", leaderName(leader), why);
        SnapshotRequest.Snapshot snapshot;
        try {
            snapshot = executor.submitToMember(new SnapshotRequest(), leader).get(2, TimeUnit.MINUTES);
            if (snapshot == null) {
                throw new StoreUnavailableException("the leader is stopping");
            }
            local.installSnapshot(ChangeCodec.decodeKeyValues(snapshot.items()), snapshot.revision()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new StoreUnavailableException("snapshot from the leader failed: " + rootMessage(e), e);
        }
        writeGeneration(snapshot.generation());
        nextSeq = snapshot.resumeSeq();
        snapshotsInstalled.incrementAndGet();
        LOG.info("Installed the leader's snapshot at revision {}; following the log from entry {}",
                snapshot.revision(), nextSeq);
    }

    /** The leader's state for a master that cannot catch up from the log. */
    SnapshotRequest.Snapshot snapshotAsLeader() {
        if (role != Role.LEADER) {
            return null;
        }
        // The committer has at most one batch between its append and its publication: resuming
        // one entry early is safe (already applied revisions are skipped).
        long resume = Math.max(1, nextSeq - 1);
        LogHead head = lastHead;
        ListResult all = local.list("", null, 0);
        return new SnapshotRequest.Snapshot(head.generation(), all.revision(), resume,
                ChangeCodec.encodeKeyValues(all.items()));
    }

    private Set<String> liveMemberNames() {
        Set<String> names = new HashSet<>();
        HazelcastInstance instance = hazelcast;
        if (instance != null) {
            for (Member member : instance.getCluster().getMembers()) {
                names.add(leaderName(member));
            }
        }
        return names;
    }

    private boolean leaderAlive(LogHead head) {
        return head.leaderUuid() != null && hazelcast.getCluster().getMembers().stream()
                .anyMatch(m -> m.getUuid().toString().equals(head.leaderUuid()));
    }

    // ---- reporting, log trimming, CP seats ----

    private void reportTick() {
        if (closed) {
            return;
        }
        try {
            masters.put(settings.memberName(), report(), 10, TimeUnit.SECONDS);
            reports = List.copyOf(masters.values());
            lastHead = readHead();
            if (role == Role.LEADER) {
                trimLog();
            }
            claimCpSeat();
        } catch (RuntimeException e) {
            LOG.info("Status report failed: {}", rootMessage(e));
        }
    }

    private MemberReport report() {
        return new MemberReport(settings.memberName(), settings.clusterAddress(), settings.apiUrl(), role.name(),
                local.currentRevision(), nextSeq, System.currentTimeMillis());
    }

    /** Deletes entries every reporting master applied, keeping at least {@code logRetention}. */
    private void trimLog() {
        LogHead head = lastHead;
        if (head == null) {
            return;
        }
        long minApplied = reports.stream().mapToLong(MemberReport::appliedSeq).filter(s -> s > 0).min()
                .orElse(head.nextSeq());
        long newFirst = Math.min(minApplied, head.nextSeq() - settings.logRetention());
        // A master that stopped applying must not pin memory forever: past 10x the retention it
        // will install a snapshot instead.
        newFirst = Math.max(newFirst, head.nextSeq() - 10L * settings.logRetention());
        if (newFirst <= head.firstSeq()) {
            return;
        }
        LogHead trimmed = cp(heads.alterAndGetAsync(new HeadProcessors.Trim(token, newFirst)), "trimming the log");
        if (trimmed.token() == token && trimmed.firstSeq() >= newFirst) {
            for (long seq = head.firstSeq(); seq < newFirst; seq++) {
                log.delete(seq);
            }
        }
    }

    /**
     * A master restarted after a crash is a new Hazelcast member: it takes the CP seat of the dead
     * one it replaces (removing a CP member that is no longer in the cluster), so that Raft keeps
     * its full size and the next failure is survivable too.
     */
    private void claimCpSeat() {
        CPSubsystemManagementService management = hazelcast.getCPSubsystem().getCPSubsystemManagementService();
        if (!management.isDiscoveryCompleted()) {
            return;
        }
        CPMember self = hazelcast.getCPSubsystem().getLocalCPMember();
        try {
            if (self != null) {
                boolean seated = seatedInEveryGroup(management, self.getUuid());
                if (seated != cpSeated) {
                    LOG.info(seated ? "Master {} votes in every Raft group" : "Master {} no longer votes in every Raft group",
                            settings.memberName());
                }
                cpSeated = seated;
                return;
            }
            Collection<CPMember> cpMembers = management.getCPMembers().toCompletableFuture().get(5, TimeUnit.SECONDS);
            if (cpMembers.size() >= settings.cpMemberCount()) {
                // One membership change at a time: removing a seat while a Raft group is still
                // adding another master would leave that group two members short, which Raft
                // cannot survive.
                if (!everyGroupFull(management)) {
                    return;
                }
                // A promoted CP member's UUID is not its cluster member's: match by address, this
                // master's own left out (its previous incarnation's seat is the one to take).
                Set<Address> live = new HashSet<>();
                hazelcast.getCluster().getMembers().stream().filter(m -> !m.localMember())
                        .forEach(m -> live.add(m.getAddress()));
                for (CPMember cpMember : cpMembers) {
                    if (!live.contains(cpMember.getAddress())) {
                        LOG.info("Removing the CP member {} of a master that left, to take its seat",
                                cpMember.getAddress());
                        management.removeCPMember(cpMember.getUuid()).toCompletableFuture().get(10, TimeUnit.SECONDS);
                        break;
                    }
                }
                return;
            }
            management.promoteToCPMember().toCompletableFuture().get(30, TimeUnit.SECONDS);
            LOG.info("Master {} became a CP member", settings.memberName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.info("Taking a CP seat failed, retrying: {}", rootMessage(e));
        }
    }

    /**
     * Whether this master sits in every Raft group: only then can another master fail without
     * costing a group its majority. Until then the master reports itself CATCHING_UP.
     */
    private boolean seatedInEveryGroup(CPSubsystemManagementService management, UUID self)
            throws InterruptedException, ExecutionException, TimeoutException {
        for (CPGroupId id : management.getCPGroupIds().toCompletableFuture().get(5, TimeUnit.SECONDS)) {
            CPGroup group = management.getCPGroup(id.getName()).toCompletableFuture().get(5, TimeUnit.SECONDS);
            if (group == null || group.members().stream().noneMatch(m -> m.getUuid().equals(self))
                    || !localRaftNodeVotes(id)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether this member's own Raft node of the group is running and follows a leader. The group's
     * member list names a new member before that member's node has the log: killing another
     * master in that window leaves Raft without a majority (seen in HaFailoverIT). Hazelcast has no
     * public API for this, so it reads the internal Raft service.
     */
    private boolean localRaftNodeVotes(CPGroupId id) {
        if (!(hazelcast instanceof HazelcastInstanceProxy proxy)) {
            return true;
        }
        RaftService raft = proxy.getOriginal().node.getNodeEngine().getService(RaftService.SERVICE_NAME);
        RaftNode node = raft.getRaftNode(id);
        return node != null && node.getStatus() == RaftNodeStatus.ACTIVE && node.getLeader() != null
                && node.getCommittedMembers().contains(node.getLocalMember());
    }

    private boolean everyGroupFull(CPSubsystemManagementService management)
            throws InterruptedException, ExecutionException, TimeoutException {
        for (CPGroupId id : management.getCPGroupIds().toCompletableFuture().get(5, TimeUnit.SECONDS)) {
            CPGroup group = management.getCPGroup(id.getName()).toCompletableFuture().get(5, TimeUnit.SECONDS);
            if (group == null || group.members().size() < settings.cpGroupSize()) {
                return false;
            }
        }
        return true;
    }

    // ---- LeaderElection ----

    @Override
    public boolean isLeader() {
        return role == Role.LEADER;
    }

    @Override
    public AutoCloseable onChange(Consumer<Boolean> listener) {
        leadershipListeners.add(listener);
        return () -> leadershipListeners.remove(listener);
    }

    private void notifyLeadership(boolean leader) {
        for (Consumer<Boolean> listener : leadershipListeners) {
            try {
                listener.accept(leader);
            } catch (RuntimeException e) {
                LOG.warn("A leadership listener failed", e);
            }
        }
    }

    // ---- ControlPlane ----

    @Override
    public ControlPlaneStatus status() {
        LogHead head = lastHead;
        Role current = role;
        long revision = local.currentRevision();
        boolean leaderKnown = current == Role.LEADER
                || (head != null && hazelcast != null && leaderAlive(head));
        String leaderName = current == Role.LEADER ? settings.memberName()
                : leaderKnown ? head.leaderName() : "";
        long leaderRevision = current == Role.LEADER ? revision : head != null ? head.lastRevision() : revision;
        long term = current == Role.LEADER ? token : head != null && leaderKnown ? head.token() : 0;
        List<MasterStatus> all = new ArrayList<>();
        Set<String> live = liveMemberNames();
        for (MemberReport report : reports) {
            if (!report.name().equals(settings.memberName())) {
                MasterStatus reported = report.toStatus();
                // its last report may outlive it by a few seconds: gone from the cluster is gone
                all.add(live.contains(report.name()) ? reported : new MasterStatus(reported.name(),
                        reported.clusterAddress(), reported.apiUrl(), Role.UNAVAILABLE, reported.revision(),
                        reported.lastSeenMillis()));
            }
        }
        all.add(report().toStatus());
        all.sort(Comparator.comparing(MasterStatus::name));
        return new ControlPlaneStatus(settings.memberName(), current, revision, leaderName,
                Math.max(leaderRevision, revision), term, all);
    }

    // ---- plumbing ----

    /** For tests: how often this replica was replaced by the leader's snapshot. */
    int snapshotsInstalled() {
        return snapshotsInstalled.get();
    }

    /** For tests: the log's head as last read. */
    LogHead head() {
        return readHead();
    }

    private LogHead readHead() {
        IAtomicReference<LogHead> ref = heads;
        if (ref == null) {
            return null;
        }
        LogHead head = cp(ref.getAsync(), "reading the log head");
        lastHeadReadNanos = System.nanoTime();
        lastHead = head;
        return head;
    }

    /**
     * Waits for a CP (Raft) operation at most {@code lockCheckTimeout}: without a majority of the
     * masters Hazelcast would retry it for minutes, and a write must get its 503 in seconds.
     */
    private <T> T cp(java.util.concurrent.CompletionStage<T> operation, String what) {
        try {
            return operation.toCompletableFuture().get(settings.lockCheckTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while " + what, e);
        } catch (TimeoutException e) {
            throw new StoreUnavailableException(what + " took more than " + settings.lockCheckTimeout().toMillis()
                    + " ms: fewer than a majority of the " + settings.members().size() + " masters answer");
        } catch (ExecutionException e) {
            throw new StoreUnavailableException(what + " failed: " + rootMessage(e), e.getCause());
        }
    }

    private String readGeneration() {
        try {
            return Files.exists(generationFile) ? Files.readString(generationFile, StandardCharsets.UTF_8).trim() : "";
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read " + generationFile + ": " + e.getMessage(), e);
        }
    }

    /** Records which log the replica follows, atomically (a torn file would look like another log). */
    private void writeGeneration(String generation) {
        if (generation.equals(readGeneration())) {
            followedGeneration = generation;
            return;
        }
        try {
            Path temp = generationFile.resolveSibling(GENERATION_FILE + ".tmp");
            Files.writeString(temp, generation + "\n", StandardCharsets.UTF_8);
            Files.move(temp, generationFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            followedGeneration = generation;
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot write " + generationFile + ": " + e.getMessage(), e);
        }
    }

    private void signal() {
        synchronized (logSignal) {
            logSignal.notifyAll();
        }
    }

    private void awaitSignal(long millis) {
        synchronized (logSignal) {
            try {
                logSignal.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Leaves the cluster: a leader releases the lock first so another master takes over at once
     * instead of after its departure is noticed.
     */
    @Override
    public void close() {
        closed = true;
        signal();
        if (role == Role.LEADER) {
            stepDown("this master is stopping");
        }
        leadership.shutdown();
        departures.shutdownNow();
        reporter.shutdown();
        snapshots.shutdown();
        try {
            // the starter terminates a member it creates from now on; wait so the port is free
            starter.join(30_000);
            leadership.awaitTermination(5, TimeUnit.SECONDS);
            follower.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        HazelcastInstance instance = hazelcast;
        if (instance != null) {
            RUNNING.remove(instance.getName());
            // Leave as a crash would: a graceful shutdown removes this master's CP seat, which
            // waits forever once a majority is gone. Its seat is taken over when it restarts
            // (claimCpSeat), exactly as after a kill.
            try {
                instance.getLifecycleService().terminate();
            } catch (RuntimeException e) {
                LOG.warn("Hazelcast termination failed", e);
            }
        }
        local.close();
    }

    /** A forwarded write reached a master that is not (or no longer) the leader; nothing was written. */
    static final class NotLeaderException extends StoreUnavailableException {
        private static final long serialVersionUID = 1L;
        static final String KIND = "notleader";

        NotLeaderException(String message) {
            super(message);
        }
    }
}
