import { KvStore, StoreOp } from '@trent/storage';
import { Command, CommandResult } from '../state/command';
import { KmsStateMachine } from '../state/kms-state-machine';
import { LogStatus, ReplicatedLog } from './replicated-log';

interface LogEntry {
  index: number;
  term: number;
  cmd: Command;
}

/**
 * Called after a group of entries is applied and written, before any of them is acknowledged: the
 * node's local replicas (HTTP workers) must have applied them too, so that no replica can answer a
 * read that misses an acknowledged write.
 */
export type AppliedListener = (entries: ReadonlyArray<{ index: number; cmd: Command }>) => Promise<void>;

const logKey = (index: number) => `log/${index.toString().padStart(16, '0')}`;
/** Most commands one group commit takes; bounds the size of one LevelDB batch. */
const MAX_GROUP = 256;

interface Pending {
  cmd: Command;
  resolve: (r: CommandResult) => void;
  reject: (e: Error) => void;
}

/**
 * A log of one node: it is its own quorum. An entry is committed once it is fsynced; it is then
 * applied, and the state ops, the applied index and the removal of the entry go in one batch.
 * Proposals arriving while a write is in flight are written together (group commit).
 * A storage error is fatal: the log refuses everything afterwards and reports it.
 */
export class SingleNodeLog implements ReplicatedLog {
  private readonly queue: Pending[] = [];
  private draining = false;
  private lastIndex: number;
  private failure?: Error;
  private appliedListener: AppliedListener = async () => {};

  private constructor(
    private readonly store: KvStore,
    private readonly machine: KmsStateMachine,
    private readonly nodeId: string,
    private readonly onFatal: (e: Error) => void,
  ) {
    this.lastIndex = machine.state.appliedIndex;
  }

  /** Opens the log and applies every committed entry the state has not applied yet (crash recovery). */
  static async open(store: KvStore, machine: KmsStateMachine, nodeId: string, onFatal: (e: Error) => void): Promise<SingleNodeLog> {
    const log = new SingleNodeLog(store, machine, nodeId, onFatal);
    const stale: StoreOp[] = [];
    for await (const [key, entry] of store.scan<LogEntry>('log/')) {
      if (entry.index <= machine.state.appliedIndex) {
        stale.push({ type: 'del', key });
        continue;
      }
      const { ops } = machine.apply(entry.index, entry.cmd);
      await store.batch([...ops, { type: 'del', key }], { sync: false });
      log.lastIndex = entry.index;
    }
    await store.batch(stale, { sync: false });
    return log;
  }

  /** Registers the hook that runs between apply and acknowledgement. */
  onApplied(listener: AppliedListener): void {
    this.appliedListener = listener;
  }

  propose(cmd: Command): Promise<CommandResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ cmd, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  readBarrier(): Promise<void> {
    // Alone, this node is always the leader and applies only committed entries.
    return this.failure ? Promise.reject(this.failure) : Promise.resolve();
  }

  isLeader(): boolean {
    return !this.failure;
  }

  status(): LogStatus {
    return { role: 'leader', term: 1, leader: this.nodeId, commitIndex: this.lastIndex, appliedIndex: this.machine.state.appliedIndex };
  }

  async close(): Promise<void> {
    while (this.draining) await new Promise((r) => setImmediate(r));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.failure) {
        const group = this.queue.splice(0, MAX_GROUP);
        const entries = group.map((p) => ({ index: ++this.lastIndex, term: 1, cmd: p.cmd }));
        try {
          // Commit point: the entries are durable before anything is applied or acknowledged.
          await this.store.batch(entries.map((e) => ({ type: 'put' as const, key: logKey(e.index), value: e })), { sync: true });
          const ops: StoreOp[] = [];
          const results = entries.map((e) => {
            const applied = this.machine.apply(e.index, e.cmd);
            ops.push(...applied.ops, { type: 'del', key: logKey(e.index) });
            return applied.result;
          });
          await this.store.batch(ops, { sync: false });
          await this.appliedListener(entries);
          group.forEach((p, i) => p.resolve(results[i]));
        } catch (e) {
          this.fail(e as Error, group);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private fail(error: Error, group: Pending[]): void {
    this.failure = error;
    for (const p of [...group, ...this.queue.splice(0)]) p.reject(error);
    this.onFatal(error);
  }
}
