import { KmsError } from '@trent/protocol';
import type { Entry, NodeBrief, NodeStatus, ProposeResult, Snapshot, StateMachinePort } from '@trent/raft';
import { StoreOp } from '@trent/storage';
import { Command, CommandResult } from '../state/command';
import { KmsStateMachine } from '../state/kms-state-machine';
import type { StateImage } from '../state/kms-state';
import { LogStatus, ReplicatedLog } from './replicated-log';

/** What this log needs of a Raft node (the driver in @trent/raft implements it). */
export interface ConsensusNode {
  propose(data: Uint8Array): ProposeResult;
  readIndex(): Promise<number>;
  isLeader(): boolean;
  status(): NodeStatus;
  brief(): NodeBrief;
  readonly failed: Error | null;
  close(): Promise<void>;
}

/** An applied entry as the node's local replicas (HTTP workers) receive it; no command for a no-op. */
export interface AppliedEntry {
  index: number;
  cmd?: Command;
}

/**
 * Called after a group of entries is applied and written, before any of them is acknowledged: the
 * node's local replicas must have applied them too, so that none can answer a read that misses an
 * acknowledged write.
 */
export type AppliedListener = (entries: readonly AppliedEntry[]) => Promise<void>;

export interface RaftKmsLogOptions {
  /** How long a request waits for the log before DependencyTimeoutException. */
  readonly requestTimeoutMs: number;
  /** With no leader for this long, requests fail at once with KMSInternalException. */
  readonly leaderlessFailFastMs: number;
  /** A proposal not applied after this long is proposed again (the session table applies it once). */
  readonly reproposeMs: number;
}

export const DEFAULT_RAFT_KMS_LOG_OPTIONS: RaftKmsLogOptions = {
  requestTimeoutMs: 5_000,
  leaderlessFailFastMs: 2_000,
  reproposeMs: 2_000,
};

const RETRY_MS = 20;

// Commands and state images are plain JSON (no byte arrays): no replacer or reviver needed.
const toBytes = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8');
const fromBytes = <T>(b: Uint8Array): T => JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')) as T;

interface Waiter {
  resolve: (r: CommandResult) => void;
  /** Its entry is applied and durable: only the local replicas are awaited now (they have their own bound). */
  applied?: boolean;
}

const noQuorum = () => new KmsError('KMSInternalException', 'The Region has no Raft leader: a majority of its nodes is not reachable. Retry when the Region has recovered.');
const timedOut = () =>
  new KmsError('DependencyTimeoutException', 'The Region did not commit the request in time. It may still take effect; retry it with the same request ID.');

/**
 * The KMS log on Raft. Commands are proposed through the node (a follower forwards them to the
 * leader) and resolve when this node applies the entry carrying their request ID; the state
 * machine's session table makes a re-proposal harmless. Reads pass a read-index barrier.
 * A Region without quorum fails requests quickly rather than leaving them hanging.
 */
export class RaftKmsLog implements ReplicatedLog, StateMachinePort {
  private node: ConsensusNode | null = null;
  private readonly waiters = new Map<string, Waiter[]>();
  /** Results of entries applied but not yet durable and fanned out, by index. */
  private readonly results = new Map<number, { cmd: Command; result: CommandResult }>();
  /** Highest index applied, written and fanned out to the local replicas. */
  private published: number;
  private readonly readWaiters: Array<{ index: number; resolve: () => void }> = [];
  private listener: AppliedListener = async () => {};
  private restoredListener: () => void = () => {};
  /** Reads collected during this event-loop turn share one read index. */
  private batch: Array<{ resolve: () => void; reject: (e: Error) => void }> | null = null;

  constructor(
    private readonly machine: KmsStateMachine,
    private readonly opts: RaftKmsLogOptions,
  ) {
    this.published = machine.state.appliedIndex;
  }

  bind(node: ConsensusNode): void {
    this.node = node;
  }

  onApplied(listener: AppliedListener): void {
    this.listener = listener;
  }

  /** Called once a snapshot from the leader replaced the state (the local replicas must follow). */
  onRestored(listener: () => void): void {
    this.restoredListener = listener;
  }

  /** Highest index applied, durable, and applied by every local replica. */
  get publishedIndex(): number {
    return this.published;
  }

  // ------------------------------------------------------------ StateMachinePort

  apply(entries: readonly Entry[]): StoreOp[] {
    const ops: StoreOp[] = [];
    for (const e of entries) {
      if (e.type !== 'normal') {
        ops.push(...this.machine.applyNoop(e.index));
        continue;
      }
      const cmd = fromBytes<Command>(e.data);
      const applied = this.machine.apply(e.index, cmd);
      ops.push(...applied.ops);
      this.results.set(e.index, { cmd, result: applied.result });
    }
    return ops;
  }

  applied(entries: readonly Entry[]): void {
    const fanned: AppliedEntry[] = [];
    const done: Array<{ cmd: Command; result: CommandResult }> = [];
    for (const e of entries) {
      const r = this.results.get(e.index);
      this.results.delete(e.index);
      fanned.push(r ? { index: e.index, cmd: r.cmd } : { index: e.index });
      if (r) done.push(r);
    }
    const last = entries[entries.length - 1].index;
    for (const { cmd } of done) for (const w of this.waiters.get(cmd.requestId) ?? []) w.applied = true;
    void this.listener(fanned).then(() => {
      for (const { cmd, result } of done) {
        const ws = this.waiters.get(cmd.requestId);
        this.waiters.delete(cmd.requestId);
        for (const w of ws ?? []) w.resolve(result);
      }
      if (last > this.published) this.published = last;
      this.releaseReads();
    });
  }

  snapshot(): { index: number; data: Uint8Array } {
    const image = this.machine.state.snapshot();
    return { index: image.appliedIndex, data: toBytes(image) };
  }

  restore(snapshot: Snapshot): StoreOp[] {
    const image = fromBytes<StateImage>(snapshot.data);
    if (image.appliedIndex !== snapshot.meta.index) throw new Error(`snapshot at ${snapshot.meta.index} holds state applied to ${image.appliedIndex}`);
    // Writes whose entries the snapshot covers are answered when re-proposed, from the session table.
    this.results.clear();
    return this.machine.state.restore(image);
  }

  restored(snapshot: Snapshot): void {
    this.restoredListener();
    if (snapshot.meta.index > this.published) this.published = snapshot.meta.index;
    this.releaseReads();
  }

  // ------------------------------------------------------------ ReplicatedLog

  propose(cmd: Command): Promise<CommandResult> {
    const node = this.requireNode();
    if (node.failed) return Promise.reject(node.failed);
    if (this.leaderlessTooLong(node)) return Promise.reject(noQuorum());
    const data = toBytes(cmd);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve: (r) => finish(() => resolve(r)) };
      const list = this.waiters.get(cmd.requestId) ?? [];
      list.push(waiter);
      this.waiters.set(cmd.requestId, list);
      const started = Date.now();
      let proposedAt = 0;
      let proposedTerm = -1;
      let timer: NodeJS.Timeout | undefined;
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        const ws = this.waiters.get(cmd.requestId);
        if (ws) {
          const rest = ws.filter((w) => w !== waiter);
          if (rest.length > 0) this.waiters.set(cmd.requestId, rest);
          else this.waiters.delete(cmd.requestId);
        }
        settle();
      };
      const attempt = () => {
        // Committed and applied: no timeout and no re-proposal; the answer follows the replicas' fan-out.
        if (waiter.applied) return;
        if (node.failed) return finish(() => reject(node.failed));
        const now = Date.now();
        if (now - started > this.opts.requestTimeoutMs) return finish(() => reject(timedOut()));
        if (this.leaderlessTooLong(node)) return finish(() => reject(noQuorum()));
        const st = node.brief();
        // Propose again when the last try was refused, the term moved on (it may have been lost
        // with the old leader), or it has not been applied for a long while.
        if (proposedAt === 0 || st.term !== proposedTerm || now - proposedAt > this.opts.reproposeMs) {
          if (node.propose(data) === 'ok') {
            proposedAt = now;
            proposedTerm = st.term;
          } else proposedAt = 0;
        }
        timer = setTimeout(attempt, RETRY_MS);
      };
      attempt();
    });
  }

  readBarrier(): Promise<void> {
    const node = this.requireNode();
    if (node.failed) return Promise.reject(node.failed);
    return new Promise((resolve, reject) => {
      if (!this.batch) {
        this.batch = [];
        setImmediate(() => this.issueRead());
      }
      this.batch.push({ resolve, reject });
    });
  }

  isLeader(): boolean {
    return this.node?.isLeader() ?? false;
  }

  status(): LogStatus {
    const st = this.requireNode().brief();
    // Read from the membership as it is now: a Region that grows past one voter needs read indexes from then on.
    return { role: st.role, term: st.term, leader: st.leader, commitIndex: st.commit, appliedIndex: this.machine.state.appliedIndex, quorumReads: st.voters > 1 };
  }

  async close(): Promise<void> {
    await this.node?.close();
  }

  // ------------------------------------------------------------ internals

  private requireNode(): ConsensusNode {
    if (!this.node) throw new Error('RaftKmsLog used before bind()');
    return this.node;
  }

  private leaderlessTooLong(node: ConsensusNode): boolean {
    const st = node.brief();
    return st.leader === null && Date.now() - st.leaderSinceMs > this.opts.leaderlessFailFastMs;
  }

  private issueRead(): void {
    const group = this.batch ?? [];
    this.batch = null;
    const node = this.requireNode();
    const started = Date.now();
    const tryOnce = () => {
      if (node.failed) return group.forEach((r) => r.reject(node.failed!));
      node.readIndex().then(
        (index) => this.whenPublished(index, () => group.forEach((r) => r.resolve())),
        () => {
          if (node.failed) return group.forEach((r) => r.reject(node.failed!));
          if (this.leaderlessTooLong(node)) return group.forEach((r) => r.reject(noQuorum()));
          if (Date.now() - started > this.opts.requestTimeoutMs) return group.forEach((r) => r.reject(timedOut()));
          setTimeout(tryOnce, RETRY_MS);
        },
      );
    };
    tryOnce();
  }

  private whenPublished(index: number, resolve: () => void): void {
    if (this.published >= index) resolve();
    else this.readWaiters.push({ index, resolve });
  }

  private releaseReads(): void {
    for (let i = this.readWaiters.length - 1; i >= 0; i--) {
      if (this.readWaiters[i].index <= this.published) {
        const [w] = this.readWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}
