import type { LogView, Unavailable } from './log-view';
import type { Entry, HardState } from './types';

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

/**
 * In-memory log: the durable image a test driver (or the LevelDB driver's cache) keeps.
 * Invariant: ents[0] is a dummy carrying the index and term of the last compacted entry
 * (0/0 for a fresh log), so term(firstIndex() - 1) is always known.
 */
export class MemoryStorage implements LogView {
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private ents: Entry[] = [{ index: 0, term: 0, type: 'noop', data: EMPTY }];

  static from(entries: readonly Entry[], hardState?: Partial<HardState>): MemoryStorage {
    const s = new MemoryStorage();
    s.append(entries);
    s.setHardState({ term: 0, vote: null, commit: 0, ...hardState });
    return s;
  }

  initialState(): { hardState: HardState } {
    return { hardState: { ...this.hardState } };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
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
