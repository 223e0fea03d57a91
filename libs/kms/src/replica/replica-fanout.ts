import { LogStatus } from '../log/replicated-log';
import type { AppliedEntry } from '../log/raft-kms-log';
import { ReplicaChannel, StateSnapshot, ToPrimary, ToReplica } from './replica-messages';

interface Replica {
  channel: ReplicaChannel<ToPrimary, ToReplica>;
  acked: number;
}

interface Wait {
  target: number;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

/**
 * The primary's side of the node's local replicas (its HTTP workers). Every applied entry goes to
 * every replica, and a write is acknowledged only once every live replica has applied it.
 * Invariant (linearizable reads): when a write's response leaves any replica, all replicas have applied it.
 * A replica that does not acknowledge within the bound is reported stuck; the caller must stop it
 * and `remove` it once it is known to be gone (it then serves nothing), and the wait goes on without it.
 */
export class ReplicaFanout {
  private readonly replicas = new Map<number, Replica>();
  private waits: Wait[] = [];

  constructor(
    private readonly ackTimeoutMs: number,
    private readonly onStuck: (replicaId: number) => void,
  ) {}

  get size(): number {
    return this.replicas.size;
  }

  /** Starts a replica from the state as it is now; entries applied after this reach it in order. */
  add(id: number, channel: ReplicaChannel<ToPrimary, ToReplica>, snapshot: StateSnapshot, status: LogStatus): void {
    this.replicas.set(id, { channel, acked: snapshot.appliedIndex });
    channel.send({ t: 'snapshot', snapshot, status });
  }

  /** The state was replaced by a Raft snapshot: every replica starts again from it. */
  reset(snapshot: StateSnapshot, status: LogStatus): void {
    for (const r of this.replicas.values()) r.channel.send({ t: 'snapshot', snapshot, status });
  }

  remove(id: number): void {
    this.replicas.delete(id);
    this.settle();
  }

  acknowledge(id: number, index: number): void {
    const replica = this.replicas.get(id);
    if (replica && index > replica.acked) replica.acked = index;
    this.settle();
  }

  /**
   * Sends entries to every replica; resolves when each live replica has applied the last of them.
   * A replica whose snapshot already holds some of them (it joined while they were being written)
   * gets only the rest.
   */
  applied(entries: readonly AppliedEntry[], status: LogStatus): Promise<void> {
    if (entries.length === 0 || this.replicas.size === 0) return Promise.resolve();
    for (const r of this.replicas.values()) {
      const missing = entries.filter((e) => e.index > r.acked);
      if (missing.length > 0) r.channel.send({ t: 'entries', entries: missing, status });
    }
    const target = entries[entries.length - 1].index;
    return new Promise((resolve) => {
      const wait: Wait = { target, resolve, timer: setTimeout(() => this.expire(wait), this.ackTimeoutMs) };
      this.waits.push(wait);
      this.settle();
    });
  }

  private expire(wait: Wait): void {
    for (const [id, r] of this.replicas) if (r.acked < wait.target) this.onStuck(id);
  }

  private settle(): void {
    const floor = Math.min(...[...this.replicas.values()].map((r) => r.acked));
    this.waits = this.waits.filter((w) => {
      if (this.replicas.size > 0 && floor < w.target) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
  }
}
