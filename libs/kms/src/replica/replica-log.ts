import { KmsError } from '@trent/protocol';
import { LogStatus, ReplicatedLog } from '../log/replicated-log';
import { Command, CommandResult } from '../state/command';
import { KmsStateMachine } from '../state/kms-state-machine';
import { AdminRequest, ReplicaChannel, ToPrimary, ToReplica } from './replica-messages';

/**
 * The log as an HTTP worker sees it: writes travel to the primary, and every entry the primary
 * applies is applied here too, by the same deterministic state machine, before the primary
 * acknowledges any write. In a single-node Region reads are therefore served from local state
 * without a round trip. With several voters another node may have acknowledged a write this one
 * has not applied yet, so a read first passes the primary's read-index barrier; reads waiting at
 * the same time share one barrier.
 */
export class ReplicaLog implements ReplicatedLog {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: CommandResult) => void; reject: (e: Error) => void }>();
  private lastStatus: LogStatus;
  private closed?: Error;
  /** Reads waiting for the barrier request not yet sent, and the one in flight. */
  private nextBarrier: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private barrierInFlight: { id: number; group: Array<{ resolve: () => void; reject: (e: Error) => void }> } | null = null;
  private readonly indexWaiters: Array<{ index: number; resolve: () => void }> = [];
  private readonly adminPending = new Map<number, (reply: { status: number; body: unknown }) => void>();

  constructor(
    private readonly channel: ReplicaChannel<ToReplica, ToPrimary>,
    private readonly machine: KmsStateMachine,
    status: LogStatus,
    /** Called for every entry this replica applies (e.g. to drop a deleted key's material from memory). */
    private readonly onApply: (cmd: Command) => void = () => {},
  ) {
    this.lastStatus = status;
    channel.onMessage((m) => this.receive(m));
  }

  propose(cmd: Command): Promise<CommandResult> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.channel.send({ t: 'propose', id, cmd });
    });
  }

  readBarrier(): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    // Alone in its Region, the primary acknowledges a write only after every replica applied it.
    if (!this.lastStatus.quorumReads) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.nextBarrier.push({ resolve, reject });
      this.sendBarrier();
    });
  }

  /** One barrier in flight at a time: reads arriving meanwhile need a read index taken after them. */
  private sendBarrier(): void {
    if (this.barrierInFlight || this.nextBarrier.length === 0) return;
    const id = this.nextId++;
    this.barrierInFlight = { id, group: this.nextBarrier };
    this.nextBarrier = [];
    this.channel.send({ t: 'read', id });
  }

  private barrierDone(id: number, settle: (r: { resolve: () => void; reject: (e: Error) => void }) => void): void {
    if (this.barrierInFlight?.id !== id) return;
    const { group } = this.barrierInFlight;
    this.barrierInFlight = null;
    group.forEach(settle);
    this.sendBarrier();
  }

  /** Asks the primary (which owns the Raft node); the answer is an HTTP status and body. */
  admin(request: AdminRequest): Promise<{ status: number; body: unknown }> {
    if (this.closed) return Promise.resolve({ status: 503, body: { message: this.closed.message } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.adminPending.set(id, resolve);
      this.channel.send({ t: 'admin', id, request });
    });
  }

  isLeader(): boolean {
    return false;
  }

  status(): LogStatus {
    return { ...this.lastStatus, appliedIndex: this.machine.state.appliedIndex };
  }

  /** The primary is gone: nothing more can be written, and reads may be stale. */
  disconnect(): void {
    this.closed = new KmsError('KMSInternalException', 'The node is shutting down. Try again.');
    for (const p of this.pending.values()) p.reject(this.closed);
    this.pending.clear();
    for (const r of [...(this.barrierInFlight?.group ?? []), ...this.nextBarrier]) r.reject(this.closed);
    for (const reply of this.adminPending.values()) reply({ status: 503, body: { message: this.closed.message } });
    this.adminPending.clear();
    this.barrierInFlight = null;
    this.nextBarrier = [];
  }

  async close(): Promise<void> {
    this.disconnect();
  }

  private applyEntry(index: number, cmd: Command | undefined): void {
    if (!cmd) {
      this.machine.applyNoop(index);
      return;
    }
    this.machine.apply(index, cmd);
    this.onApply(cmd);
  }

  private wakeIndexWaiters(): void {
    for (let i = this.indexWaiters.length - 1; i >= 0; i--) {
      if (this.indexWaiters[i].index <= this.machine.state.appliedIndex) this.indexWaiters.splice(i, 1)[0].resolve();
    }
  }

  private whenApplied(index: number, resolve: () => void): void {
    if (this.machine.state.appliedIndex >= index) resolve();
    else this.indexWaiters.push({ index, resolve });
  }

  private receive(m: ToReplica): void {
    switch (m.t) {
      case 'entries': {
        // Invariant: each entry is applied once, in order; one the snapshot already held is skipped.
        for (const e of m.entries) if (e.index > this.machine.state.appliedIndex) this.applyEntry(e.index, e.cmd);
        this.lastStatus = m.status;
        this.channel.send({ t: 'applied', index: this.machine.state.appliedIndex });
        this.wakeIndexWaiters();
        return;
      }
      case 'result':
        // The primary sends a result only after this replica acknowledged the entry: state is current.
        this.pending.get(m.id)?.resolve(m.result);
        this.pending.delete(m.id);
        return;
      case 'rejected':
        this.pending.get(m.id)?.reject(new KmsError(m.code, m.message));
        this.pending.delete(m.id);
        return;
      case 'readOk':
        // The entries up to m.index came before this message on the same channel.
        this.barrierDone(m.id, (r) => this.whenApplied(m.index, r.resolve));
        return;
      case 'adminReply':
        this.adminPending.get(m.id)?.({ status: m.status, body: m.body });
        this.adminPending.delete(m.id);
        return;
      case 'readFailed':
        this.barrierDone(m.id, (r) => r.reject(new KmsError(m.code, m.message)));
        return;
      case 'snapshot':
        // The first one is consumed before this log exists; a later one means the primary installed
        // a Raft snapshot, which replaces this replica's state too.
        if (m.snapshot.appliedIndex > this.machine.state.appliedIndex) this.machine.state.replaceWith(m.snapshot);
        this.lastStatus = m.status;
        this.channel.send({ t: 'applied', index: this.machine.state.appliedIndex });
        this.wakeIndexWaiters();
        return;
      default: {
        const unreachable: never = m;
        throw new Error(`unknown message ${JSON.stringify(unreachable)}`);
      }
    }
  }
}
