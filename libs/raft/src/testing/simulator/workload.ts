import type { EventQueue } from './event-queue';
import type { GhostObserver } from './ghost-observer';
import type { Prng } from './prng';
import type { WorkloadOptions } from './sim-options';
import type { SimNode } from './sim-node';

interface Client {
  readonly k: number;
  /** Bumped per operation and per attempt: stale timers and answers are ignored. */
  op: number;
  attempt: number;
  kind: 'write' | 'read';
  /** The write's value (the same on every retry) or the current read attempt's ctx. */
  key: string;
  done: boolean;
}

/**
 * Simulated clients. Each runs one operation at a time: a write of a value unique to the
 * operation, or a ReadIndex read; the request goes to a random node, and is retried (the write
 * with the same value, a read with a fresh ctx) when dropped, refused or unanswered in time.
 * A write is acknowledged once any node applies it; a read once its ReadState arrives (the
 * observer checks the read's index against what was applied when it was issued).
 */
export class Workload {
  private readonly clients: Client[] = [];
  private readonly writes = new Map<string, Client>();
  private readonly reads = new Map<string, Client>();
  /** Nodes clients may talk to (by default, every node whose process exists). */
  targets: readonly number[] | null = null;
  readonly stats = { writesAcked: 0, readsAcked: 0, attempts: 0 };

  constructor(
    private readonly queue: EventQueue,
    private readonly nodes: readonly SimNode[],
    private readonly observer: GhostObserver,
    private readonly rng: Prng,
    private readonly opts: WorkloadOptions,
  ) {}

  private reachable(): readonly number[] {
    return this.targets ?? this.nodes.filter((x) => x.bootstrap !== null && !x.retired).map((x) => x.n);
  }

  start(): void {
    for (let k = 0; k < this.opts.clients; k++) {
      const c: Client = { k, op: 0, attempt: 0, kind: 'write', key: '', done: true };
      this.clients.push(c);
      this.next(c);
    }
  }

  /** A node applied a normal entry carrying `value`. */
  applied(value: string): void {
    const c = this.writes.get(value);
    if (c === undefined) return;
    this.writes.delete(value);
    if (c.done || c.kind !== 'write' || c.key !== value) return;
    this.stats.writesAcked++;
    this.finish(c);
  }

  readAnswered(ctx: string): void {
    const c = this.reads.get(ctx);
    if (c === undefined) return;
    this.reads.delete(ctx);
    if (c.done || c.kind !== 'read' || c.key !== ctx) return;
    this.stats.readsAcked++;
    this.finish(c);
  }

  private finish(c: Client): void {
    c.done = true;
    this.next(c);
  }

  private next(c: Client): void {
    this.queue.after(
      this.rng.exp(this.opts.meanThink),
      'client',
      -1,
      () => {
        c.op++;
        c.attempt = 0;
        c.done = false;
        c.kind = this.rng.chance(this.opts.readRatio) ? 'read' : 'write';
        if (c.kind === 'write') {
          c.key = `c${c.k}.${c.op}`;
          this.writes.set(c.key, c);
        }
        this.attempt(c);
      },
      () => `client c${c.k} starts op ${c.op + 1}`,
    );
  }

  private attempt(c: Client): void {
    const attempt = ++c.attempt;
    const op = c.op;
    const n = this.rng.pick(this.reachable());
    const node = this.nodes[n];
    this.stats.attempts++;
    if (c.kind === 'read') {
      c.key = `r${c.k}.${op}.${attempt}`;
      this.reads.set(c.key, c);
    }
    const key = c.key;
    const live = () => !c.done && c.op === op && c.attempt === attempt;
    this.queue.after(
      0.1 + this.rng.exp(0.5),
      'client',
      n,
      () => {
        if (!live()) return;
        let r: string;
        if (c.kind === 'write') {
          r = node.propose(key);
        } else {
          if (node.up) this.observer.readIssued(key);
          r = node.readIndex(key);
        }
        // Refused: try another node soon. Accepted: wait for the answer, retry on timeout.
        const wait = r === 'ok' ? this.opts.timeout : 1 + this.rng.exp(10);
        this.queue.after(wait, 'client', -1, () => live() && this.attempt(c), () => `client c${c.k} retries ${key}`);
      },
      () => `client c${c.k} ${c.kind} ${key} at ${node.id}`,
    );
  }
}
