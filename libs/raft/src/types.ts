// Value types shared by the consensus core, its storage view and its drivers.
// Everything here is plain data: it can be printed, compared and serialized.

/** A node's identity. Unique for all time: never reuse an id after removal. */
export type NodeId = string;

/** `conf` entries carry `encodeConfChange(cc)`; they take effect when applied (applyConfChange). */
export type EntryType = 'normal' | 'noop' | 'conf';

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/**
 * One membership change (one server at a time, thesis §4.1). `addVoter` on a learner promotes
 * it; `addLearner` on a voter demotes it. `context` is opaque to the core (e.g. the address).
 */
export interface ConfChange {
  readonly type: 'addVoter' | 'addLearner' | 'removeNode';
  readonly node: NodeId;
  readonly context?: string;
}

/** A membership, both lists sorted. Invariant: no id is in both. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** The last entry a snapshot covers, and the membership applied at that point. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

/** `data` is opaque to the core: the state machine's image at `meta.index`. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/** What must be durable before any message that depends on it leaves the node. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile, informational: who leads and what this node is. */
export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId | null;
}

/** A confirmed ReadIndex: serve the read once applied >= index. */
export interface ReadState {
  readonly index: number;
  readonly ctx: Uint8Array;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  /** 0 for messages that are forwarded like local requests (prop, readIndex). */
  readonly term: number;
}

/** AppendEntries. `index`/`logTerm` identify the entry just before `entries`. */
export interface AppendMessage extends Envelope {
  readonly type: 'app';
  readonly index: number;
  readonly logTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Answer to AppendEntries. Accepted: `index` is the follower's last index known to match.
 * Rejected: `index` echoes the probed index; (`rejectHint`, `logTerm`) is the largest entry of
 * the follower's log at or below it whose term is <= the probe's term (fast backtracking).
 */
export interface AppendResponseMessage extends Envelope {
  readonly type: 'appResp';
  readonly index: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly logTerm: number;
}

export interface VoteMessage extends Envelope {
  readonly type: 'vote' | 'preVote';
  /** The candidate's last log index and term (Raft §5.4.1 up-to-date check). */
  readonly index: number;
  readonly logTerm: number;
  /** Set by a leadership transfer: bypasses leader stickiness. */
  readonly transfer: boolean;
}

export interface VoteResponseMessage extends Envelope {
  readonly type: 'voteResp' | 'preVoteResp';
  readonly reject: boolean;
}

/** `round` > 0 ties the heartbeat to a batch of ReadIndex requests (thesis §6.4). */
export interface HeartbeatMessage extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: number;
  readonly round: number;
}

export interface HeartbeatResponseMessage extends Envelope {
  readonly type: 'heartbeatResp';
  readonly round: number;
}

/** InstallSnapshot (Raft §7): sent when the follower needs entries the leader has compacted. */
export interface SnapshotMessage extends Envelope {
  readonly type: 'snap';
  readonly snapshot: Snapshot;
}

/** A proposal forwarded by a follower to its leader. */
export interface ProposeMessage extends Envelope {
  readonly type: 'prop';
  readonly data: readonly Uint8Array[];
}

/** A ReadIndex request forwarded by a follower to its leader. */
export interface ReadIndexMessage extends Envelope {
  readonly type: 'readIndex';
  readonly ctx: Uint8Array;
}

export interface ReadIndexResponseMessage extends Envelope {
  readonly type: 'readIndexResp';
  readonly index: number;
  readonly ctx: Uint8Array;
}

/** Leadership transfer: tells an up-to-date follower to campaign at once (Raft thesis §3.10). */
export interface TimeoutNowMessage extends Envelope {
  readonly type: 'timeoutNow';
}

/**
 * From a node no longer in the membership it has applied, to a voter asking for its vote: entry
 * (`index`, `logTerm`) is committed. A receiver holding that same entry may commit up to it (Log
 * Matching). Without it, a voter that never heard that the removal of the other voter of a
 * two-voter group committed would wait forever for that node's vote. Carries no term (0).
 */
export interface CommitHintMessage extends Envelope {
  readonly type: 'commitHint';
  readonly index: number;
  readonly logTerm: number;
}

export type Message =
  | CommitHintMessage
  | AppendMessage
  | AppendResponseMessage
  | SnapshotMessage
  | VoteMessage
  | VoteResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | ProposeMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage
  | TimeoutNowMessage;

export type MessageType = Message['type'];

/**
 * Everything the core produced since the last advance(). The driver must:
 *  1. send `sendNow` (may leave before local persistence);
 *  2. persist, fsynced when `mustSync`, in this order: `snapshot` (replace the state machine,
 *     the log and the conf state with it), then `hardState` and `entries` (overwriting the log
 *     from entries[0].index on);
 *  3. only then send `sendAfterPersist`;
 *  4. apply `committed` in order (possibly after step 2 — they may include entries of step 2),
 *     calling applyConfChange for each `conf` entry;
 *  5. call advance(ready).
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  /** A snapshot received from the leader, to install before anything else of this Ready. */
  readonly snapshot?: Snapshot;
  readonly entries: readonly Entry[];
  readonly committed: readonly Entry[];
  readonly readStates: readonly ReadState[];
  /** May leave before step 2: leader appends, heartbeats, pre-votes, forwarded requests. */
  readonly sendNow: readonly Message[];
  /** Only after step 2: append acks, vote requests and vote answers. */
  readonly sendAfterPersist: readonly Message[];
  readonly mustSync: boolean;
}

export type ProposeResult = 'ok' | 'dropped' | 'not-leader';
export type ReadIndexResult = 'ok' | 'dropped';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export interface PeerStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly inflight: number;
  readonly recentActive: boolean;
  readonly learner: boolean;
  /** In `snapshot` state: the index of the snapshot sent; 0 otherwise. */
  readonly pendingSnapshot: number;
}

export interface Status {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  /** The membership this node has applied (or restored from a snapshot). */
  readonly conf: ConfState;
  /** Present on the leader only; voters and learners. */
  readonly progress?: Readonly<Record<NodeId, PeerStatus>>;
  readonly leadTransferee: NodeId | null;
}
