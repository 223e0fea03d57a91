import type { ConfState, Entry, HardState } from '../../types';
import type { DurableView, RecoveredState } from './ghost-observer';
import type { Prng } from './prng';
import { EMPTY_IMAGE, type SmImage } from './sim-state-machine';

/** Index and term of the last entry compacted away (or covered by an installed snapshot). */
export interface LogBase {
  readonly index: number;
  readonly term: number;
}

/**
 * One atomic write batch (a LevelDB `batch()`), applied in this order, as the real driver builds
 * it (driver/raft-node.ts `handle`): an installed `snapshot` replaces the log (nothing kept
 * after it), the base, the membership and the state machine; `entries` overwrite the log from
 * entries[0].index on; `hardState` replaces the stored one; `sm` is the state machine's image
 * after the applied entries and `conf` the membership returned by applyConfChange, both as of
 * that applied index; `compact` drops the log up to an applied index.
 */
export interface DiskWrite {
  readonly snapshot?: { readonly base: LogBase; readonly conf: ConfState; readonly sm: SmImage };
  readonly hardState?: HardState;
  readonly entries?: readonly Entry[];
  readonly sm?: SmImage;
  readonly conf?: ConfState;
  readonly compact?: LogBase;
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
 * append-only store). A crash drops the buffer, except possibly a random prefix of it (the OS
 * flushed some pages on its own); writes are atomic batches, so there are no torn batches.
 * The durable image holds the hard state, the log after its base, the membership and the state
 * machine's image at its applied index. It is what the ghost observer checks acks against.
 */
export class SimDisk implements DurableView {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  private base: LogBase = { index: 0, term: 0 };
  /** entries[i - base.index - 1] is the entry at index i. */
  private entries: Entry[] = [];
  /** null until a membership was applied or installed (the node's bootstrap one is used). */
  private conf: ConfState | null = null;
  private sm: SmImage = EMPTY_IMAGE;
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
    return { hardState: { ...this.hardState }, base: this.base, entries: [...this.entries], conf: this.conf, sm: this.sm };
  }

  /** The state machine's applied index that survives a crash right now. */
  get durableApplied(): number {
    return this.sm.applied;
  }

  firstIndex(): number {
    return this.base.index + 1;
  }

  lastIndex(): number {
    return this.base.index + this.entries.length;
  }

  /** undefined below the base (compacted) and beyond the log. */
  term(index: number): number | undefined {
    if (index === this.base.index) return this.base.term;
    if (index < this.base.index) return undefined;
    return this.entries[index - this.base.index - 1]?.term;
  }

  private makeDurable(w: DiskWrite): void {
    if (w.snapshot !== undefined) {
      this.base = w.snapshot.base;
      this.entries = [];
      this.conf = w.snapshot.conf;
      this.sm = w.snapshot.sm;
    }
    if (w.entries !== undefined && w.entries.length > 0) {
      // Entries at or below the base are already covered by it.
      const fresh = w.entries.filter((e) => e.index > this.base.index);
      if (fresh.length > 0) {
        const from = fresh[0].index;
        if (from > this.lastIndex() + 1) throw new Error(`disk: gap, last ${this.lastIndex()}, write at ${from}`);
        this.entries.length = from - this.base.index - 1;
        for (const e of fresh) this.entries.push(e);
      }
    }
    if (w.hardState !== undefined) this.hardState = w.hardState;
    if (w.sm !== undefined) this.sm = w.sm;
    if (w.conf !== undefined) this.conf = w.conf;
    if (w.compact !== undefined && w.compact.index > this.base.index) {
      const c = w.compact;
      if (c.index > this.sm.applied) throw new Error(`disk: compaction to ${c.index} beyond the applied index ${this.sm.applied}`);
      if (this.term(c.index) !== c.term) throw new Error(`disk: compaction to (${c.index}, term ${c.term}) that the log does not hold`);
      this.entries = this.entries.slice(c.index - this.base.index);
      this.base = c;
    }
  }
}
