import type { LogView, Unavailable } from './log-view';
import type { ConfState, Entry, HardState, Snapshot } from './types';

const EMPTY = new Uint8Array(0);

export function limitBySize(entries: Entry[], maxBytes: number | undefined): Entry[] {
  if (maxBytes === undefined || entries.length === 0) return entries;
  let size = entries[0].data.byteLength;
  let n = 1;
  while (n < entries.length && size + entries[n].data.byteLength <= maxBytes) {
    size += entries[n].data.byteLength;
    n++;
  }
  return entries.slice(0, n);
}

const NO_CONF: ConfState = { voters: [], learners: [] };

/**
 * In-memory log: the durable image a test driver (or the LevelDB driver's cache) keeps.
 * Invariants: ents[0] is a dummy carrying the index and term of the last compacted entry
 * (0/0 for a fresh log), so term(firstIndex() - 1) is always known.
 * A snapshot is sendable only if it covers the compacted prefix: record one with
 * createSnapshot() before compact()ing up to its index (the core treats an older one as
 * temporarily unavailable).
 */
export class MemoryStorage implements LogView {
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private confState: ConfState = NO_CONF;
  private ents: Entry[] = [{ index: 0, term: 0, type: 'noop', data: EMPTY }];
  private snap: Snapshot = { meta: { index: 0, term: 0, conf: NO_CONF }, data: EMPTY };

  static from(entries: readonly Entry[], hardState?: Partial<HardState>): MemoryStorage {
    const s = new MemoryStorage();
    s.append(entries);
    s.setHardState({ term: 0, vote: null, commit: 0, ...hardState });
    return s;
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: this.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  /** The membership returned by applyConfChange, kept with the applied index. */
  setConfState(conf: ConfState): void {
    this.confState = { voters: [...conf.voters], learners: [...conf.learners] };
  }

  snapshot(): Snapshot | 'temporarily-unavailable' {
    return this.snap;
  }

  /**
   * Follower install (Ready.snapshot): the log becomes empty after the snapshot's index, with
   * term(index) known. A snapshot not newer than the one held is ignored; returns whether
   * it was installed.
   */
  applySnapshot(snap: Snapshot): boolean {
    if (snap.meta.index <= this.snap.meta.index) return false;
    this.snap = snap;
    this.ents = [{ index: snap.meta.index, term: snap.meta.term, type: 'noop', data: EMPTY }];
    this.setConfState(snap.meta.conf);
    return true;
  }

  /**
   * Records the state machine's image at applied index `index` (<= lastIndex), with the
   * membership applied at that point; compact(index) may follow. An older one is ignored.
   */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.meta.index) return this.snap;
    if (index > this.lastIndex()) throw new Error(`snapshot ${index} is beyond the last index ${this.lastIndex()}`);
    const term = this.term(index);
    if (typeof term !== 'number') throw new Error(`snapshot ${index} is below the compacted prefix`);
    this.snap = { meta: { index, term, conf: { voters: [...conf.voters], learners: [...conf.learners] } }, data };
    return this.snap;
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  term(index: number): number | Unavailable {
    const offset = this.ents[0].index;
    if (index < offset) return 'compacted';
    if (index > this.lastIndex()) return 'unavailable';
    return this.ents[index - offset].term;
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] | Unavailable {
    const offset = this.ents[0].index;
    if (lo <= offset) return 'compacted';
    if (hi > this.lastIndex() + 1) return 'unavailable';
    return limitBySize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  /** Writes entries from entries[0].index on, dropping any existing suffix they replace. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const offset = this.ents[0].index;
    const first = entries[0].index;
    if (first > this.lastIndex() + 1) {
      throw new Error(`missing log entries [last: ${this.lastIndex()}, append at: ${first}]`);
    }
    // Entries at or below the compaction point are already part of the snapshot.
    const fresh = entries.filter((e) => e.index > offset);
    if (fresh.length === 0) return;
    this.ents = this.ents.slice(0, fresh[0].index - offset).concat(fresh);
  }

  /** Discards entries up to and including `index` (which must be applied by the caller). */
  compact(index: number): void {
    const offset = this.ents[0].index;
    if (index <= offset) return;
    if (index > this.lastIndex()) {
      throw new Error(`compact ${index} is beyond the last index ${this.lastIndex()}`);
    }
    const kept = this.ents.slice(index - offset);
    this.ents = [{ index, term: kept[0].term, type: 'noop', data: EMPTY }, ...kept.slice(1)];
  }

  /** Index and term of the last compacted entry. */
  snapshotMeta(): { index: number; term: number } {
    return { index: this.ents[0].index, term: this.ents[0].term };
  }
}
