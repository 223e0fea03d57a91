import { KvStore, StoreOp } from '@trent/storage';
import { randomInt } from 'node:crypto';
import { RaftCore } from '../raft-core';
import type { Entry, Message, NodeId, ProposeResult, Ready, Status } from '../types';
import { DurableLog } from './durable-log';

/** The replicated state machine as the driver sees it. */
export interface StateMachinePort {
  /** Applies committed entries in order, in memory; returns the writes that persist their effect (and the applied index). */
  apply(entries: readonly Entry[]): StoreOp[];
  /** Those writes are on disk: the effects may be acknowledged. */
  applied(entries: readonly Entry[]): void;
}

/** The network, as the driver sees it (the TCP transport, or a test double). */
export interface MessageSink {
  send(messages: readonly Message[]): void;
}

export interface RaftNodeOptions {
  readonly id: NodeId;
  /** The Region's voters (this node included). */
  readonly peers: readonly NodeId[];
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

  private constructor(
    private readonly opts: RaftNodeOptions,
    private readonly log: DurableLog,
  ) {
    const random = opts.random ?? (() => randomInt(0, 2 ** 32) / 2 ** 32);
    this.core = new RaftCore({ id: opts.id, peers: opts.peers, electionTicks: opts.electionTicks, heartbeatTicks: opts.heartbeatTicks, applied: opts.applied, random }, log.view);
    this.timer = setInterval(() => this.onTick(), opts.tickMs);
    this.timer.unref();
  }

  static async open(opts: RaftNodeOptions): Promise<RaftNode> {
    const log = await DurableLog.load(opts.store);
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

  campaign(): void {
    this.core.campaign();
    this.schedule();
  }

  isLeader(): boolean {
    return !this.failure && this.core.status().role === 'leader';
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
    if (rd.softState) this.onSoftState(rd.softState.leader);
    this.sink.send(rd.sendNow);
    const ops = this.log.opsFor(rd);
    ops.push(...this.opts.stateMachine.apply(rd.committed));
    if (ops.length > 0) await this.opts.store.batch(ops, { sync: rd.mustSync });
    this.log.stable(rd);
    this.sink.send(rd.sendAfterPersist);
    if (rd.committed.length > 0) this.opts.stateMachine.applied(rd.committed);
    for (const rs of rd.readStates) {
      const id = Buffer.from(rs.ctx).toString();
      const pending = this.reads.get(id);
      this.reads.delete(id);
      pending?.resolve(rs.index);
    }
    this.core.advance(rd);
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
