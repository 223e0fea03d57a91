import type { Entry, HardState } from '../../types';
import type { DurableView, RecoveredState } from './ghost-observer';
import type { Prng } from './prng';

/**
 * One atomic write batch (a LevelDB `batch()`): entries overwrite the log from entries[0].index
 * on; the hard state and the applied point replace the stored ones.
 * Later: a `snapshot` field (install + truncate in the same batch).
 */
export interface DiskWrite {
  readonly hardState?: HardState;
  readonly entries?: readonly Entry[];
  readonly applied?: { readonly index: number; readonly hash: number };
}

export interface DiskLatency {
  /** Time for a write() to land in the page cache, ms: min + exponential(mean). */
  readonly writeMin: number;
  readonly writeMean: number;
  /** Extra time for an fsync, ms. */
  readonly syncMin: number;
  readonly syncMean: number;
  /** On a crash: probability that a random prefix of the unsynced writes survives. */
  readonly keepUnsyncedPrefix: number;
}

/**
 * A node's disk: a durable image plus a volatile buffer of writes not yet fsynced (the page
 * cache). A sync moves every buffered write, in order, to the durable image (fsync of an
 * append-only log). A crash drops the buffer, except possibly a random prefix of it (the OS
 * flushed some pages on its own); writes are atomic batches, so there are no torn batches.
 * The durable image is what the ghost observer checks acks against (DurableView).
 */
export class SimDisk implements DurableView {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  /** entries[i - 1] is the entry at index i. */
  private entries: Entry[] = [];
  private applied = 0;
  private appliedHash = 0;
  private buffer: DiskWrite[] = [];
  readonly stats = { writes: 0, syncs: 0, lostOnCrash: 0 };

  constructor(
    private readonly rng: Prng,
    private readonly latency: DiskLatency,
  ) {}

  /** Queues a write in the volatile buffer (visible to this process, lost on a crash). */
  write(w: DiskWrite): void {
    this.stats.writes++;
    this.buffer.push(w);
  }

  /** Simulated time the write (and its fsync) takes. */
  writeTime(sync: boolean): number {
    const l = this.latency;
    let t = l.writeMin + this.rng.exp(l.writeMean);
    if (sync) t += l.syncMin + this.rng.exp(l.syncMean);
    return t;
  }

  /** fsync: everything written so far becomes durable. */
  sync(): void {
    this.stats.syncs++;
    for (const w of this.buffer) this.makeDurable(w);
    this.buffer = [];
  }

  /** Power loss / kill -9: unsynced writes are lost, except maybe a random prefix. */
  crash(): void {
    let keep = 0;
    if (this.buffer.length > 0 && this.rng.chance(this.latency.keepUnsyncedPrefix)) keep = this.rng.int(0, this.buffer.length);
    for (let i = 0; i < keep; i++) this.makeDurable(this.buffer[i]);
    this.stats.lostOnCrash += this.buffer.length - keep;
    this.buffer = [];
  }

  /** What a restarting process reads back. */
  recover(): RecoveredState {
    return { hardState: { ...this.hardState }, entries: [...this.entries], applied: this.applied, appliedHash: this.appliedHash };
  }

  lastIndex(): number {
    return this.entries.length;
  }

  term(index: number): number | undefined {
    if (index === 0) return 0;
    return this.entries[index - 1]?.term;
  }

  private makeDurable(w: DiskWrite): void {
    if (w.entries !== undefined && w.entries.length > 0) {
      const from = w.entries[0].index;
      if (from > this.entries.length + 1) throw new Error(`disk: gap, last ${this.entries.length}, write at ${from}`);
      this.entries.length = from - 1;
      for (const e of w.entries) this.entries.push(e);
    }
    if (w.hardState !== undefined) this.hardState = w.hardState;
    if (w.applied !== undefined) {
      this.applied = w.applied.index;
      this.appliedHash = w.applied.hash;
    }
  }
}
