import { KmsError } from '@trent/protocol';
import { LogStatus, ReplicatedLog } from '../log/replicated-log';
import { Command, CommandResult } from '../state/command';
import { KmsStateMachine } from '../state/kms-state-machine';
import { ReplicaChannel, ToPrimary, ToReplica } from './replica-messages';

/**
 * The log as an HTTP worker sees it: writes travel to the primary, and every entry the primary
 * applies is applied here too, by the same deterministic state machine, before the primary
 * acknowledges any write. Reads are therefore served from local state without a round trip.
 */
export class ReplicaLog implements ReplicatedLog {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: CommandResult) => void; reject: (e: Error) => void }>();
  private lastStatus: LogStatus;
  private closed?: Error;

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
    // Every acknowledged write was applied here before its acknowledgement left the primary.
    return this.closed ? Promise.reject(this.closed) : Promise.resolve();
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
  }

  async close(): Promise<void> {
    this.disconnect();
  }

  private applyEntry(index: number, cmd: Command): void {
    this.machine.apply(index, cmd);
    this.onApply(cmd);
  }

  private receive(m: ToReplica): void {
    switch (m.t) {
      case 'entries': {
        // Invariant: each entry is applied once, in order; one the snapshot already held is skipped.
        for (const e of m.entries) if (e.index > this.machine.state.appliedIndex) this.applyEntry(e.index, e.cmd);
        this.lastStatus = m.status;
        this.channel.send({ t: 'applied', index: this.machine.state.appliedIndex });
        return;
      }
      case 'result':
        // The primary sends a result only after this replica acknowledged the entry: state is current.
        this.pending.get(m.id)?.resolve(m.result);
        this.pending.delete(m.id);
        return;
      case 'rejected':
        this.pending.get(m.id)?.reject(new KmsError('KMSInternalException', m.message));
        this.pending.delete(m.id);
        return;
      case 'snapshot':
        return; // Only the first message of the channel; consumed before this log exists.
      default: {
        const unreachable: never = m;
        throw new Error(`unknown message ${JSON.stringify(unreachable)}`);
      }
    }
  }
}
