import { applyChange, confState, decodeConfChange, encodeConfChange, isEmptyConf } from './conf-change';
import type { LogView } from './log-view';
import { Progress } from './progress';
import { RaftLog } from './raft-log';
import { ReadOnlyQueue, type ReadRequest } from './read-only';
import type {
  AppendMessage,
  AppendResponseMessage,
  ConfChange,
  ConfState,
  Entry,
  HardState,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  Message,
  NodeId,
  PeerStatus,
  ProposeResult,
  ReadIndexResult,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SnapshotMessage,
  SoftState,
  Status,
  VoteMessage,
} from './types';

export interface RaftConfig {
  readonly id: NodeId;
  /**
   * Bootstrap voters, used only when the storage has no conf state yet (a fresh node).
   * A node joining a running cluster starts with the voters as they are before its own
   * change and itself among `learners` (or with both empty, to learn them from a snapshot).
   */
  readonly peers: readonly NodeId[];
  /** Bootstrap learners, with the same rule as `peers`. */
  readonly learners?: readonly NodeId[];
  /** Base election timeout T; the randomized timeout is drawn from [T, 2T). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Injected randomness in [0, 1): a seeded PRNG in tests and simulation. */
  readonly random: () => number;
  /** Default true. */
  readonly preVote?: boolean;
  /** Default true. */
  readonly checkQuorum?: boolean;
  /** Appends in flight per follower in replicate state. Default 256. */
  readonly maxInflightMsgs?: number;
  /** Data bytes per append message (at least one entry is always sent). Default 1 MiB. */
  readonly maxMsgBytes?: number;
  /** Last index applied by the state machine (on restart). */
  readonly applied?: number;
  /** When true a follower answers 'not-leader' instead of forwarding a proposal. */
  readonly disableProposalForwarding?: boolean;
}

type CampaignKind = 'pre-election' | 'election' | 'transfer';
type VoteOutcome = 'won' | 'lost' | 'pending';

const EMPTY = new Uint8Array(0);

/**
 * A pure, synchronous Raft consensus core: ticks, messages and requests in; a Ready out.
 * It owns no timer, socket, disk or randomness source; the driver does all I/O.
 */
export class RaftCore {
  readonly id: NodeId;
  /** The applied membership; changes only by applyConfChange or a restored snapshot. */
  private voters = new Set<NodeId>();
  private learners = new Set<NodeId>();
  private readonly log: RaftLog;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private readonly maxInflight: number;
  private readonly maxMsgBytes: number;
  private readonly forwardProposals: boolean;
  private readonly random: () => number;

  private term = 0;
  private vote: NodeId | null = null;
  private role: Role = 'follower';
  private lead: NodeId | null = null;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private votes = new Map<NodeId, boolean>();
  private prs = new Map<NodeId, Progress>();
  private leadTransferee: NodeId | null = null;
  private readOnly = new ReadOnlyQueue();
  /** ReadIndex requests that arrived before an entry of this term was committed. */
  private pendingReads: ReadRequest[] = [];
  /** Proposals appended since the last broadcast; flushed as one append per follower. */
  private proposalsToSend = false;
  /**
   * Leader: index of the last conf entry it appended (or its log's end when it was elected).
   * Invariant: at most one conf change is in the log and not yet applied (thesis §4.1).
   */
  private pendingConfIndex = 0;
  /** Indexes of conf entries handed to the driver in Readys and not yet applyConfChange'd. */
  private confToApply: number[] = [];
  /** Index of the last snapshot restored: conf entries at or below it are already in its conf. */
  private confBase = 0;

  private msgsNow: Message[] = [];
  private msgsAfterPersist: Message[] = [];
  /** Responses to ourselves that are only valid once this Ready is durable (votes, self-ack). */
  private selfAfterPersist: Message[] = [];
  private readStates: ReadState[] = [];
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: { ready: Ready; selfMsgs: Message[] } | null = null;

  constructor(cfg: RaftConfig, storage: LogView) {
    if (cfg.electionTicks <= cfg.heartbeatTicks || cfg.heartbeatTicks <= 0) {
      throw new Error('electionTicks must be greater than heartbeatTicks, which must be positive');
    }
    this.id = cfg.id;
    this.preVote = cfg.preVote ?? true;
    this.checkQuorum = cfg.checkQuorum ?? true;
    this.electionTimeout = cfg.electionTicks;
    this.heartbeatTimeout = cfg.heartbeatTicks;
    this.maxInflight = cfg.maxInflightMsgs ?? 256;
    this.maxMsgBytes = cfg.maxMsgBytes ?? 1024 * 1024;
    this.forwardProposals = !cfg.disableProposalForwarding;
    this.random = cfg.random;
    this.log = new RaftLog(storage, cfg.applied ?? 0);
    const { hardState: hs, confState: stored } = storage.initialState();
    const conf = isEmptyConf(stored) ? confState(cfg.peers, cfg.learners ?? []) : stored;
    if (conf.voters.some((id) => conf.learners.includes(id))) throw new Error('a node is both voter and learner');
    this.voters = new Set(conf.voters);
    this.learners = new Set(conf.learners);
    this.becomeFollower(hs.term, null);
    this.vote = hs.vote;
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  // ---------------------------------------------------------------- inputs

  /** One unit of logical time. */
  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  /** Starts an election now (as a timeout would). */
  campaign(): void {
    this.hup(this.preVote ? 'pre-election' : 'election');
  }

  propose(data: Uint8Array | readonly Uint8Array[]): ProposeResult {
    const batch = data instanceof Uint8Array ? [data] : [...data];
    switch (this.role) {
      case 'leader':
        return this.appendProposals(batch);
      case 'follower':
        if (this.lead === null) return 'dropped';
        if (!this.forwardProposals) return 'not-leader';
        this.send({ type: 'prop', from: this.id, to: this.lead, term: 0, data: batch });
        return 'ok';
      default:
        return 'dropped';
    }
  }

  /** Requests a linearizable read point; the answer arrives as a ReadState in a later Ready. */
  readIndex(ctx: Uint8Array): ReadIndexResult {
    if (this.role === 'leader') {
      this.handleReadIndex({ index: 0, ctx, from: this.id });
      return 'ok';
    }
    if (this.role !== 'follower' || this.lead === null) return 'dropped';
    this.send({ type: 'readIndex', from: this.id, to: this.lead, term: 0, ctx });
    return 'ok';
  }

  /** Raft thesis §3.10: hand leadership to `to` once it is up to date. */
  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader' || to === this.id || !this.voters.has(to)) return;
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    // The transfer is abandoned if it does not finish within an election timeout.
    this.electionElapsed = 0;
    const pr = this.prs.get(to)!;
    if (pr.match === this.log.lastIndex()) this.send({ type: 'timeoutNow', from: this.id, to, term: this.term });
    else this.sendAppend(to);
  }

  /**
   * Leader only (a follower answers 'not-leader'; the driver redirects to status().leader).
   * One change at a time: 'dropped' while an earlier conf entry is not applied, and — the fix
   * to the thesis's single-server algorithm (ongardie/dissertation errata) — until an entry of
   * this leader's term is committed. Also 'dropped' if it would leave no voter, or during a
   * leadership transfer. The change takes effect when the driver applies the entry.
   */
  proposeConfChange(cc: ConfChange): ProposeResult {
    if (this.role !== 'leader') return 'not-leader';
    if (this.leadTransferee !== null) return 'dropped';
    if (this.pendingConfIndex > this.log.applied) return 'dropped';
    if (this.log.term(this.log.committed) !== this.term) return 'dropped';
    if (applyChange(this.confState(), cc).voters.length === 0) return 'dropped';
    this.appendEntries([{ type: 'conf', data: encodeConfChange(cc) }]);
    this.pendingConfIndex = this.log.lastIndex();
    this.proposalsToSend = true;
    return 'ok';
  }

  /**
   * Called by the driver when it applies a `conf` entry (decodeConfChange(entry.data)); the
   * returned membership must be persisted with the applied index and be what
   * LogView.initialState() returns after a restart.
   */
  applyConfChange(cc: ConfChange): ConfState {
    // A snapshot restored since this entry was handed out already holds its effect (and later
    // ones): applying it again would roll the membership back.
    const index = this.confToApply.shift();
    if (index !== undefined && index <= this.confBase) return this.confState();
    const conf = applyChange(this.confState(), cc);
    this.voters = new Set(conf.voters);
    this.learners = new Set(conf.learners);
    if (this.role !== 'leader') {
      this.syncProgress();
      return conf;
    }
    if (!this.voters.has(this.id)) {
      // Removed (or demoted) leader: step down at once (etcd's StepDownOnRemoval); the
      // remaining voters elect among themselves, and this node never campaigns again.
      this.becomeFollower(this.term, null);
      return conf;
    }
    this.syncProgress();
    if (this.leadTransferee !== null && !this.voters.has(this.leadTransferee)) this.leadTransferee = null;
    // The quorum changed: more may be committed now. Either way, probe new members at once.
    if (this.maybeCommit()) this.bcastAppend();
    else for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id, false);
    return conf;
  }

  /**
   * The driver's outcome of sending a snapshot (a `snap` message). Either way the follower goes
   * back to probing, paused until its next heartbeat answer: after the snapshot if it was
   * delivered, from its last known match if not (else it would wait forever).
   */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.role === 'leader' ? this.prs.get(id) : undefined;
    if (pr === undefined || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.probeSent = true;
  }

  /** The transport could not reach `id`: stop pipelining to it and probe instead. */
  reportUnreachable(id: NodeId): void {
    const pr = this.role === 'leader' ? this.prs.get(id) : undefined;
    if (pr !== undefined && pr.state === 'replicate') pr.becomeProbe();
  }

  step(m: Message): void {
    // Proposals and read requests forwarded by followers carry no term.
    if (m.term === 0) {
      if (m.type === 'prop') {
        if (this.role === 'leader') this.appendProposals([...m.data]);
        // Elsewhere it is dropped without notice: the client retries (1.3 item 16).
      } else if (m.type === 'readIndex') {
        if (this.role === 'leader') this.handleReadIndex({ index: 0, ctx: m.ctx, from: m.from });
      } else if (m.type === 'commitHint') {
        // Sound whatever our role: the sender's commit index covers only committed entries, and
        // holding the same (index, term) means holding the same prefix.
        if (m.index > this.log.committed && this.log.matchTerm(m.index, m.logTerm)) this.log.commitTo(m.index);
      }
      return;
    }
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        // Leader stickiness (thesis §9.6 / §4.2.3): while a leader was heard within the election
        // timeout, a (pre)vote from a disruptive node is ignored, unless it is a transfer.
        const inLease = this.checkQuorum && this.lead !== null && this.electionElapsed < this.electionTimeout;
        if (inLease && !m.transfer) return;
      }
      if (m.type === 'preVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // A granted pre-vote carries the future term; the term moves when the election starts.
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
        // A stale leader would otherwise never learn of the new term: with pre-vote and
        // CheckQuorum we do not bump terms on our side, so tell it explicitly. The answer must
        // claim no match (index 0): its sender may since have become leader of our term, and
        // would take our last index as matching its log (found by the simulator, seed 106020).
        this.send(this.appResp(m.from, 0));
      } else if (m.type === 'preVote') {
        this.send({ type: 'preVoteResp', from: this.id, to: m.from, term: this.term, reject: true });
      }
      return; // Raft §5.1: stale terms are ignored.
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVote(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        break;
      case 'follower':
        this.stepFollower(m);
        break;
      default:
        this.stepCandidate(m);
    }
  }

  // ---------------------------------------------------------------- outputs

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    this.flush();
    return (
      !sameSoft(this.softState(), this.prevSoft) ||
      !sameHard(this.hardState(), this.prevHard) ||
      this.log.unstableSnapshot() !== undefined ||
      this.log.unstableEntries().length > 0 ||
      this.log.hasNextCommitted() ||
      this.msgsNow.length > 0 ||
      this.msgsAfterPersist.length > 0 ||
      this.selfAfterPersist.length > 0 ||
      this.readStates.length > 0
    );
  }

  /** Everything produced since the last advance(); the next ready() needs an advance() first. */
  ready(): Ready {
    if (this.outstanding !== null) throw new Error('ready() called again before advance()');
    this.flush();
    const soft = this.softState();
    const hard = this.hardState();
    const entries = this.log.unstableEntries();
    const snapshot = this.log.unstableSnapshot();
    const hardChanged = !sameHard(hard, this.prevHard);
    const rd: Ready = {
      softState: sameSoft(soft, this.prevSoft) ? undefined : soft,
      hardState: hardChanged ? hard : undefined,
      ...(snapshot ? { snapshot } : {}),
      entries,
      committed: this.log.nextCommitted(),
      readStates: this.readStates,
      sendNow: this.msgsNow,
      sendAfterPersist: this.msgsAfterPersist,
      mustSync:
        snapshot !== undefined || entries.length > 0 || hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote,
    };
    for (const e of rd.committed) if (e.type === 'conf') this.confToApply.push(e.index);
    this.outstanding = { ready: rd, selfMsgs: this.selfAfterPersist };
    this.prevSoft = soft;
    this.prevHard = hard;
    this.readStates = [];
    this.msgsNow = [];
    this.msgsAfterPersist = [];
    this.selfAfterPersist = [];
    return rd;
  }

  /** The driver persisted, sent and applied `rd`. */
  advance(rd: Ready): void {
    if (this.outstanding === null || this.outstanding.ready !== rd) {
      throw new Error('advance() must be given the Ready returned by the last ready()');
    }
    const { selfMsgs } = this.outstanding;
    this.outstanding = null;
    // The snapshot is installed: it is the applied state now (entries follow it).
    if (rd.snapshot) this.log.stableSnapTo(rd.snapshot.meta.index);
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      this.log.stableTo(last.index, last.term);
    }
    if (rd.committed.length > 0) this.log.appliedTo(rd.committed[rd.committed.length - 1].index);
    // Now durable: our own vote and our own append ack may count (1.1 items 1–2).
    for (const m of selfMsgs) this.step(m);
  }

  status(): Status {
    let progress: Record<NodeId, PeerStatus> | undefined;
    if (this.role === 'leader') {
      progress = {};
      for (const id of [...this.prs.keys()].sort()) progress[id] = this.prs.get(id)!.status();
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.lead,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      conf: this.confState(),
      progress,
      leadTransferee: this.leadTransferee,
    };
  }

  // ---------------------------------------------------------------- roles

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = null;
    this.votes.clear();
    this.readOnly = new ReadOnlyQueue();
    this.pendingReads = [];
    this.proposalsToSend = false;
    this.prs.clear();
    for (const id of [...this.voters, ...this.learners].sort()) {
      const pr = new Progress(this.log.lastIndex() + 1, this.maxInflight, this.learners.has(id));
      // Only what is durable on our own disk counts for us (1.1 item 2).
      if (id === this.id) pr.match = this.log.persistedIndex();
      this.prs.set(id, pr);
    }
  }

  /** After a membership change: trackers of members kept, of new members created, of others dropped. */
  private syncProgress(): void {
    for (const id of [...this.prs.keys()]) if (!this.voters.has(id) && !this.learners.has(id)) this.prs.delete(id);
    for (const id of [...this.voters, ...this.learners].sort()) {
      let pr = this.prs.get(id);
      if (pr === undefined) {
        // Invariant match < next holds with next >= 1; one entry to send makes the first probe.
        pr = new Progress(Math.max(this.log.lastIndex(), 1), this.maxInflight);
        // Not yet heard from, but not to be counted as lost by the next CheckQuorum either.
        pr.recentActive = true;
        this.prs.set(id, pr);
      }
      pr.learner = this.learners.has(id);
    }
  }

  private confState(): ConfState {
    return confState(this.voters, this.learners);
  }

  /** Only a voter campaigns: never a learner, a removed node, or one not yet configured. */
  private promotable(): boolean {
    return this.voters.has(this.id);
  }

  /** Raft §5.2: election timeout drawn uniformly from [T, 2T). */
  private resetRandomizedElectionTimeout(): void {
    const r = this.random();
    const jitter = Math.min(this.electionTimeout - 1, Math.floor(r * this.electionTimeout));
    this.randomizedElectionTimeout = this.electionTimeout + Math.max(0, jitter);
  }

  private becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  /** Thesis §9.6: a pre-candidate keeps its term and vote until it wins a pre-election. */
  private becomePreCandidate(): void {
    if (this.role === 'leader') throw new Error('leader cannot become pre-candidate');
    this.votes.clear();
    this.lead = null;
    this.role = 'pre-candidate';
  }

  private becomeCandidate(): void {
    if (this.role === 'leader') throw new Error('leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    if (this.role === 'follower') throw new Error('follower cannot become leader directly');
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    // Whether or not a conf entry is pending in the log, none may be added before it is applied.
    this.pendingConfIndex = this.log.lastIndex();
    const self = this.prs.get(this.id)!;
    self.becomeReplicate();
    self.match = this.log.persistedIndex();
    self.recentActive = true;
    // Raft §5.4.2 / thesis §6.4: a no-op of the new term lets the leader learn its commit index.
    this.appendEntries([{ type: 'noop', data: EMPTY }]);
  }

  // ---------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout && this.promotable()) {
      this.electionElapsed = 0;
      this.campaign();
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum && !this.quorumActive()) {
        // CheckQuorum (1.2 item 8): without quorum contact for a full election timeout, the
        // leader steps down so it stops serving and a majority side can elect.
        this.becomeFollower(this.term, null);
        return;
      }
      this.leadTransferee = null; // an unfinished transfer is abandoned
    }
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      // Regular heartbeats also carry the newest pending read round, so a lost round is retried.
      this.bcastHeartbeat(this.readOnly.lastPendingRound());
    }
  }

  /** Counts peers heard from since the last check, then starts a new window. */
  private quorumActive(): boolean {
    let active = 0;
    for (const [id, pr] of this.prs) {
      if (this.voters.has(id) && (id === this.id || pr.recentActive)) active++;
      if (id !== this.id) pr.recentActive = false;
    }
    return active >= this.quorum();
  }

  // ---------------------------------------------------------------- elections

  private hup(kind: CampaignKind): void {
    if (this.role === 'leader' || !this.promotable()) return;
    this.startCampaign(kind);
  }

  private startCampaign(kind: CampaignKind): void {
    let term: number;
    let type: 'vote' | 'preVote';
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      type = 'preVote';
      term = this.term + 1; // what our term will be if we win
    } else {
      this.becomeCandidate();
      type = 'vote';
      term = this.term;
    }
    // Our own vote counts only once our term/vote is durable.
    this.send({ type: type === 'vote' ? 'voteResp' : 'preVoteResp', from: this.id, to: this.id, term, reject: false });
    // Learners are not asked; but one that a candidate already counts as a voter is (see handleVote).
    for (const id of [...this.voters].sort()) {
      if (id === this.id) continue;
      this.send({
        type,
        from: this.id,
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        transfer: kind === 'transfer',
      });
    }
  }

  /**
   * Raft §5.2, §5.4.1: one vote per term, only for an up-to-date log. Membership is not checked:
   * a learner whose promotion the candidate has applied but it has not must still vote, or the
   * election may never finish (etcd-io/etcd#7625).
   */
  private handleVote(m: VoteMessage): void {
    if (!this.voters.has(this.id) && !this.learners.has(this.id) && this.log.committed > 0) {
      // Removed: we never vote again, but a voter that still counts us may lack the commit of
      // our removal (seed 4644); tell it what is committed.
      const logTerm = this.log.term(this.log.committed);
      if (typeof logTerm === 'number') this.send({ type: 'commitHint', from: this.id, to: m.from, term: 0, index: this.log.committed, logTerm });
    }
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.lead === null) ||
      (m.type === 'preVote' && m.term > this.term);
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // A pre-vote is answered in the term it asks for, so the pre-candidate can count it.
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (m.type === 'vote') {
        // Reset the election timer only when granting (1.2 item 6).
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  private poll(from: NodeId, granted: boolean): VoteOutcome {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const [id, v] of this.votes) {
      if (!this.voters.has(id)) continue; // only voters of our configuration count
      if (v) yes++;
      else no++;
    }
    if (yes >= this.quorum()) return 'won';
    if (no >= this.quorum()) return 'lost';
    return 'pending';
  }

  private quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  // ---------------------------------------------------------------- per-role step

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        break;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        break;
      case 'snap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        break;
      case 'timeoutNow':
        // Transfer: campaign at once, skipping pre-vote and others' leader stickiness.
        this.hup('transfer');
        break;
      case 'readIndexResp':
        this.readStates.push({ index: m.index, ctx: m.ctx });
        break;
      default:
        // Stale responses from an earlier role of ours.
        break;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'app':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        break;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        break;
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        break;
      case 'voteResp':
      case 'preVoteResp': {
        const expected = this.role === 'pre-candidate' ? 'preVoteResp' : 'voteResp';
        if (m.type !== expected) break;
        const outcome = this.poll(m.from, !m.reject);
        if (outcome === 'won') {
          if (this.role === 'pre-candidate') this.startCampaign('election');
          else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (outcome === 'lost') {
          this.becomeFollower(this.term, null);
        }
        break;
      }
      default:
        break;
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'appResp':
        this.handleAppendResponse(m);
        break;
      case 'heartbeatResp':
        this.handleHeartbeatResponse(m);
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- replication (follower)

  private appResp(to: NodeId, index: number): AppendResponseMessage {
    return { type: 'appResp', from: this.id, to, term: this.term, index, reject: false, rejectHint: 0, logTerm: 0 };
  }

  /** Raft §5.3: log matching, conflict truncation, commit never rewinds. */
  private handleAppend(m: AppendMessage): void {
    if (m.index < this.log.committed) {
      // Everything up to our commit index is known to match: say so instead of rejecting.
      this.send(this.appResp(m.from, this.log.committed));
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(this.appResp(m.from, lastNew));
      return;
    }
    // Fast backtracking hint: the largest entry at or below the probe with term <= probe's term.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({
      type: 'appResp',
      from: this.id,
      to: m.from,
      term: this.term,
      index: m.index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    });
  }

  /**
   * InstallSnapshot, obsolete-aware: a snapshot at or below our commit index is old news, and
   * one whose last entry we already hold only moves the commit index (the log after it is
   * kept). Otherwise log and membership are replaced; the ack (index = the snapshot's) leaves
   * only after the driver installed it (appResp is sent after persistence).
   */
  private handleSnapshot(m: SnapshotMessage): void {
    if (this.restore(m.snapshot)) this.send(this.appResp(m.from, this.log.lastIndex()));
    else this.send(this.appResp(m.from, this.log.committed));
  }

  private restore(snap: Snapshot): boolean {
    const { meta } = snap;
    if (meta.index <= this.log.committed) return false;
    // Its membership may not hold us yet (a snapshot older than our own addition): we then
    // stay a passive follower until we apply the entry that adds us.
    if (this.log.matchTerm(meta.index, meta.term)) {
      this.log.commitTo(meta.index);
      return false;
    }
    this.log.restore(snap);
    this.confBase = meta.index;
    this.voters = new Set(meta.conf.voters);
    this.learners = new Set(meta.conf.learners);
    this.syncProgress();
    return true;
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    // The leader sends min(match, commit), so this never passes our matching prefix.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send({ type: 'heartbeatResp', from: this.id, to: m.from, term: this.term, round: m.round });
  }

  // ---------------------------------------------------------------- replication (leader)

  private appendProposals(batch: Uint8Array[]): ProposeResult {
    if (this.leadTransferee !== null) return 'dropped'; // thesis §3.10: no new work during transfer
    this.appendEntries(batch.map((data) => ({ type: 'normal', data })));
    this.proposalsToSend = true; // batched: one append per follower at the next flush
    return 'ok';
  }

  private appendEntries(items: { type: Entry['type']; data: Uint8Array }[]): void {
    let index = this.log.lastIndex();
    const entries: Entry[] = items.map((it) => ({ index: ++index, term: this.term, type: it.type, data: it.data }));
    this.log.append(entries);
    // Self-ack, delivered by advance() once these entries are durable (1.1 item 2).
    this.send(this.appResp(this.id, index));
  }

  /** Sends pending batched work: proposals appended and ReadIndex requests queued. */
  private flush(): void {
    if (this.role !== 'leader') return;
    if (this.proposalsToSend) {
      this.proposalsToSend = false;
      this.bcastAppend();
    }
    if (this.readOnly.hasUnsent()) this.bcastHeartbeat(this.readOnly.startRound(this.id));
  }

  /** Voters and learners alike receive the log. */
  private bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  /** Returns whether a message was sent. */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.prs.get(to)!;
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = this.log.slice(pr.next, this.log.lastIndex() + 1, this.maxMsgBytes);
    // The follower needs entries we compacted: only a snapshot can catch it up.
    if (prevTerm === undefined || entries === undefined) return this.sendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: 'app', from: this.id, to, term: this.term, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    pr.sentEntries(entries.length, prevIndex + entries.length);
    return true;
  }

  /**
   * Raft §7. While the snapshot is in flight the follower's progress is paused; it leaves that
   * state on an ack at or past the snapshot, or on reportSnapshot().
   */
  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    // A follower not heard from lately is probably down: do not ship it a whole state machine.
    if (!pr.recentActive) return false;
    const snapshot = this.log.snapshot();
    // Not ready, or not covering what we compacted: ask again at the next occasion.
    if (snapshot === 'temporarily-unavailable' || snapshot.meta.index < this.log.firstIndex() - 1) return false;
    if (snapshot.meta.index === 0) return false;
    this.send({ type: 'snap', from: this.id, to, term: this.term, snapshot });
    pr.becomeSnapshot(snapshot.meta.index);
    return true;
  }

  private bcastHeartbeat(round: number): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      // Never tell a follower to commit past what it is known to hold.
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', from: this.id, to: id, term: this.term, commit, round });
    }
  }

  private handleAppendResponse(m: AppendResponseMessage): void {
    const pr = this.prs.get(m.from);
    if (pr === undefined) return;
    if (m.from === this.id) {
      if (pr.maybeUpdate(m.index) && this.maybeCommit()) this.bcastAppend();
      return;
    }
    pr.recentActive = true;
    if (m.reject) {
      // Mirror of the follower's hint over our own log: skip its whole divergent term at once.
      let hint = m.rejectHint;
      if (m.logTerm > 0) hint = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && (pr.match >= pr.pendingSnapshot || pr.match + 1 >= this.log.firstIndex())) {
      // The follower has the snapshot (or caught up otherwise): the log can take it from here.
      pr.becomeReplicate();
    }
    if (this.maybeCommit()) this.bcastAppend();
    else if (wasPaused) this.sendAppend(m.from);
    // Pipelining: keep the window full.
    while (this.sendAppend(m.from, false)) {
      /* send until paused or caught up */
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send({ type: 'timeoutNow', from: this.id, to: m.from, term: this.term });
    }
  }

  private handleHeartbeatResponse(m: HeartbeatResponseMessage): void {
    const pr = this.prs.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.round > 0 && this.voters.has(m.from)) {
      for (const req of this.readOnly.recvAck(m.round, m.from, this.quorum())) this.answerRead(req);
    }
  }

  /**
   * Raft §5.4.2: commit by counting replicas only for an entry of the current term; earlier
   * entries are committed indirectly (Figure 8).
   */
  private maybeCommit(): boolean {
    const matches = [...this.voters].map((id) => this.prs.get(id)!.match).sort((a, b) => b - a);
    const quorumIndex = matches[this.quorum() - 1];
    if (this.log.term(quorumIndex) !== this.term) return false;
    if (!this.log.commitTo(quorumIndex)) return false;
    // The first commit of our term establishes the commit index: held reads may proceed.
    const held = this.pendingReads;
    this.pendingReads = [];
    for (const req of held) this.handleReadIndex(req);
    return true;
  }

  // ---------------------------------------------------------------- reads (thesis §6.4)

  private handleReadIndex(req: ReadRequest): void {
    // (a) Wait until an entry of the current term is committed (the no-op).
    if (this.log.term(this.log.committed) !== this.term) {
      this.pendingReads.push(req);
      return;
    }
    // (b) The read index is the commit index at arrival.
    const withIndex: ReadRequest = { ...req, index: this.log.committed };
    if (this.voters.size === 1) {
      this.answerRead(withIndex);
      return;
    }
    // (c) Confirmed by the next heartbeat round acked by a quorum (started at flush: batched).
    this.readOnly.add(withIndex);
  }

  private answerRead(req: ReadRequest): void {
    if (req.from === this.id) this.readStates.push({ index: req.index, ctx: req.ctx });
    else this.send({ type: 'readIndexResp', from: this.id, to: req.from, term: this.term, index: req.index, ctx: req.ctx });
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Messages that depend on durable state wait for persistence: append acks, vote answers, and
   * vote requests (a candidate whose term/vote was lost in a crash could otherwise be elected
   * twice in one term, the second time with a different log). Everything else may leave at once,
   * including the leader's appends (thesis §10.2.1: the leader writes in parallel).
   */
  private send(m: Message): void {
    const afterPersist =
      m.type === 'appResp' || m.type === 'voteResp' || m.type === 'preVoteResp' || m.type === 'vote';
    if (m.to === this.id) {
      if (afterPersist) this.selfAfterPersist.push(m);
      return;
    }
    if (afterPersist) this.msgsAfterPersist.push(m);
    else this.msgsNow.push(m);
  }

  private softState(): SoftState {
    return { role: this.role, leader: this.lead };
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

