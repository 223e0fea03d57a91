import { KvStore, StorageError, StoreOp } from '@trent/storage';
import { randomInt } from 'node:crypto';
import { decodeConfChange } from '../conf-change';
import { RaftCore } from '../raft-core';
import type { ConfChange, ConfState, Entry, Message, NodeId, ProposeResult, Ready, Role, Snapshot, Status } from '../types';
import { DurableLog } from './durable-log';

/** The replicated state machine as the driver sees it. */
export interface StateMachinePort {
  /** Applies committed entries in order, in memory; returns the writes that persist their effect (and the applied index). */
  apply(entries: readonly Entry[]): StoreOp[];
  /** Those writes are on disk: the effects may be acknowledged. */
  applied(entries: readonly Entry[]): void;
  /** Its whole state as bytes, at the index it has applied. */
  snapshot(): { index: number; data: Uint8Array };
  /** Becomes the snapshot's state in memory; returns the writes that make its store match. */
  restore(snapshot: Snapshot): StoreOp[];
  /** Those writes are on disk. */
  restored(snapshot: Snapshot): void;
}

/** When the log holds this many applied entries, it is compacted (keeping a trailing window). */
export const DEFAULT_COMPACT_AFTER = 10_000;
/** Entries kept behind the compaction point, so a follower slightly behind needs no snapshot. */
export const DEFAULT_TRAILING_ENTRIES = 1_000;

/** The network, as the driver sees it (the TCP transport, or a test double). */
export interface MessageSink {
  send(messages: readonly Message[]): void;
}

export interface RaftNodeOptions {
  readonly id: NodeId;
  /** The Region's voters (this node included, unless it joins as a learner); used until a membership is stored. */
  readonly peers: readonly NodeId[];
  /** Bootstrap learners (a joining node lists itself here). */
  readonly learners?: readonly NodeId[];
  readonly store: KvStore;
  readonly stateMachine: StateMachinePort;
  /** The index the state machine had applied when it was loaded. */
  readonly applied: number;
  /** Milliseconds per logical tick. */
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Called once on a storage (or any driver) failure; the node must stop. */
  readonly onFatal: (e: Error) => void;
  readonly random?: () => number;
  /** A membership change was applied (the transport learns new addresses from `cc.context`). */
  readonly onConfChange?: (cc: ConfChange, conf: ConfState) => void;
  readonly compactAfter?: number;
  readonly trailingEntries?: number;
}

export interface NodeBrief {
  readonly term: number;
  readonly role: Role;
  readonly leader: NodeId | null;
  /** Wall time of the last change of leader known here. */
  readonly leaderSinceMs: number;
  readonly commit: number;
  /** How many voters the Region has. */
  readonly voters: number;
}

export interface NodeStatus extends Status {
  /** Milliseconds since a message from the leader arrived (0 on the leader; null when none has). */
  readonly lastContactMs: number | null;
  /** Wall time of the last change of leader known here, for fail-fast decisions. */
  readonly leaderSinceMs: number;
}

interface PendingRead {
  resolve: (index: number) => void;
  reject: (e: Error) => void;
  at: number;
}

/** A read index not answered in this time is failed (its request or answer was lost). */
const READ_INDEX_TIMEOUT_MS = 5_000;

export class RaftNodeStopped extends Error {
  constructor(reason: string) {
    super(reason);
  }
}

/**
 * Drives a RaftCore: ticks on a timer, feeds it messages, and handles each Ready strictly in order —
 * send what may leave now, write entries + hard state + applied effects in one store batch
 * (fsynced when the Ready requires it), only then send acks and votes, tell the state machine its
 * effects are durable, answer reads, advance. Proposals arriving while a batch is being written
 * go into the next Ready together (group commit).
 */
export class RaftNode {
  private readonly core: RaftCore;
  private sink: MessageSink = { send: () => {} };
  private readonly reads = new Map<string, PendingRead>();
  private nextReadId = 1;
  private running = false;
  private failure: Error | null = null;
  private readonly timer: NodeJS.Timeout;
  private lastFromLeader: number | null = null;
  private knownLeader: NodeId | null = null;
  private leaderChangedAt = Date.now();
  // Kept from each Ready, so that brief() builds nothing (status() builds the leader's progress map).
  private term: number;
  private role: Role;
  private commit: number;
  private voters: number;

  private constructor(
    private readonly opts: RaftNodeOptions,
    private readonly log: DurableLog,
  ) {
    const random = opts.random ?? (() => randomInt(0, 2 ** 32) / 2 ** 32);
    log.view.source = () => opts.stateMachine.snapshot();
    this.core = new RaftCore({ id: opts.id, peers: opts.peers, learners: opts.learners, electionTicks: opts.electionTicks, heartbeatTicks: opts.heartbeatTicks, applied: opts.applied, random }, log.view);
    const st = this.core.status();
    this.term = st.term;
    this.role = st.role;
    this.commit = st.commit;
    this.voters = st.conf.voters.length;
    this.timer = setInterval(() => this.onTick(), opts.tickMs);
    this.timer.unref();
  }

  static async open(opts: RaftNodeOptions): Promise<RaftNode> {
    const log = await DurableLog.load(opts.store, { voters: [...opts.peers].sort(), learners: [...(opts.learners ?? [])].sort() });
    if (opts.applied > log.view.lastIndex()) {
      // State applied beyond the log: written by something else (a Trent from before Raft, or a copied directory).
      throw new StorageError(`the state has applied entry ${opts.applied} but the Raft log ends at ${log.view.lastIndex()}; this data directory was not written by this Trent's Raft log: start with a fresh one`);
    }
    return new RaftNode(opts, log);
  }

  get id(): NodeId {
    return this.opts.id;
  }

  connect(sink: MessageSink): void {
    this.sink = sink;
  }

  /** A message from a peer. */
  step(m: Message): void {
    if (this.failure) return;
    if (m.from === this.knownLeader) this.lastFromLeader = Date.now();
    this.core.step(m);
    this.schedule();
  }

  propose(data: Uint8Array | readonly Uint8Array[]): ProposeResult {
    if (this.failure) return 'dropped';
    const r = this.core.propose(data);
    this.schedule();
    return r;
  }

  /**
   * A linearizable read point: resolves with an index once the leader has confirmed it still
   * leads; the caller serves the read once its state machine has applied that index.
   * Rejects at once when no leader is known; may never settle if the leader is lost meanwhile,
   * so callers bound the wait.
   */
  readIndex(): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    const id = `${this.opts.id}:${this.nextReadId++}`;
    const ctx = Buffer.from(id);
    return new Promise((resolve, reject) => {
      if (this.core.readIndex(ctx) === 'dropped') {
        reject(new RaftNodeStopped('no leader is known'));
        return;
      }
      this.reads.set(id, { resolve, reject, at: Date.now() });
      this.schedule();
    });
  }

  transferLeadership(to: NodeId): void {
    this.core.transferLeadership(to);
    this.schedule();
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    if (this.failure) return 'dropped';
    const r = this.core.proposeConfChange(cc);
    this.schedule();
    return r;
  }

  /** The transport lost its connection to `id`: stop pipelining to it. */
  reportUnreachable(id: NodeId): void {
    if (this.failure) return;
    this.core.reportUnreachable(id);
  }

  campaign(): void {
    this.core.campaign();
    this.schedule();
  }

  isLeader(): boolean {
    return !this.failure && this.core.status().role === 'leader';
  }

  /** As of the last Ready, and cheap: for callers that poll or ask per write (status() builds progress maps). */
  brief(): NodeBrief {
    return { term: this.term, role: this.role, leader: this.knownLeader, leaderSinceMs: this.leaderChangedAt, commit: this.commit, voters: this.voters };
  }

  status(): NodeStatus {
    const st = this.core.status();
    const lastContactMs = st.role === 'leader' ? 0 : this.lastFromLeader === null ? null : Date.now() - this.lastFromLeader;
    return { ...st, lastContactMs, leaderSinceMs: this.leaderChangedAt };
  }

  get failed(): Error | null {
    return this.failure;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.stop(new RaftNodeStopped('the node is stopping'));
    while (this.running) await new Promise((r) => setImmediate(r));
  }

  private onTick(): void {
    if (this.failure) return;
    const expired = Date.now() - READ_INDEX_TIMEOUT_MS;
    for (const [id, r] of this.reads) {
      if (r.at > expired) break; // insertion order is age order
      this.reads.delete(id);
      r.reject(new RaftNodeStopped('the read index was not confirmed in time'));
    }
    this.core.tick();
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.failure) return;
    this.running = true;
    setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    try {
      while (!this.failure && this.core.hasReady()) await this.handle(this.core.ready());
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.running = false;
    }
    if (!this.failure && this.core.hasReady()) this.schedule();
  }

  private async handle(rd: Ready): Promise<void> {
    if (rd.softState) {
      this.role = rd.softState.role;
      this.onSoftState(rd.softState.leader);
    }
    if (rd.hardState) {
      this.term = rd.hardState.term;
      this.commit = rd.hardState.commit;
    }
    this.sink.send(rd.sendNow);
    // A snapshot is handed to the transport whole; if it is lost the follower's next answer
    // shows it, and the leader sends another (reporting success only resumes probing).
    for (const m of rd.sendNow) if (m.type === 'snap') this.core.reportSnapshot(m.to, true);
    const sm = this.opts.stateMachine;
    const ops: StoreOp[] = [];
    // A snapshot goes first: state machine, log and membership replaced in the same batch.
    if (rd.snapshot) ops.push(...sm.restore(rd.snapshot), ...this.log.installOps(rd.snapshot));
    ops.push(...this.log.opsFor(rd));
    // Entry by entry, a membership change before the state machine passes its entry: a snapshot
    // made on demand inside applyConfChange (the leader probing a member behind the compacted
    // prefix) pairs the state machine before the entry with the membership before it. Applying
    // every entry first paired the later state with the older membership (simulator, seed 2367).
    const changes: Array<{ cc: ConfChange; conf: ConfState }> = [];
    for (const e of rd.committed) {
      if (e.type === 'conf') {
        const cc = decodeConfChange(e.data);
        const conf = this.core.applyConfChange(cc);
        ops.push(...this.log.confOps(conf));
        changes.push({ cc, conf });
      }
      ops.push(...sm.apply([e]));
    }
    if (ops.length > 0) await this.opts.store.batch(ops, { sync: rd.mustSync || rd.snapshot !== undefined });
    this.log.stable(rd);
    this.sink.send(rd.sendAfterPersist);
    if (rd.snapshot) sm.restored(rd.snapshot);
    if (rd.committed.length > 0) sm.applied(rd.committed);
    if (rd.snapshot) this.voters = rd.snapshot.meta.conf.voters.length;
    for (const { cc, conf } of changes) {
      this.voters = conf.voters.length;
      this.opts.onConfChange?.(cc, conf);
    }
    for (const rs of rd.readStates) {
      const id = Buffer.from(rs.ctx).toString();
      const pending = this.reads.get(id);
      this.reads.delete(id);
      pending?.resolve(rs.index);
    }
    this.core.advance(rd);
    await this.maybeCompact();
  }

  /**
   * Keeps the log short: once it holds `compactAfter` applied entries, everything applied except
   * a trailing window goes (the state machine's store already holds their effects). Runs between
   * Readys, when the state machine's applied state is exactly what is on disk.
   */
  private async maybeCompact(): Promise<void> {
    const view = this.log.view;
    const applied = this.core.status().applied;
    const trailing = this.opts.trailingEntries ?? DEFAULT_TRAILING_ENTRIES;
    if (applied - view.firstIndex() + 1 < (this.opts.compactAfter ?? DEFAULT_COMPACT_AFTER) + trailing) return;
    const upTo = applied - trailing;
    const ops = this.log.compactOps(upTo);
    if (ops.length === 0) return;
    await this.opts.store.batch(ops, { sync: false });
    view.compact(upTo);
  }

  private onSoftState(leader: NodeId | null): void {
    if (leader === this.knownLeader) return;
    this.knownLeader = leader;
    this.leaderChangedAt = Date.now();
    this.lastFromLeader = leader === null ? null : Date.now();
    // A read index asked of the old leader will never be answered; its callers retry.
    const lost = [...this.reads.values()];
    this.reads.clear();
    for (const r of lost) r.reject(new RaftNodeStopped('the leader changed'));
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.stop(e);
    this.opts.onFatal(e);
  }

  private stop(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    clearInterval(this.timer);
    for (const r of this.reads.values()) r.reject(e);
    this.reads.clear();
  }
}
