import type { Entry, HardState } from './types';

export type Unavailable = 'compacted' | 'unavailable';

/**
 * Synchronous read view of the durable log that the driver keeps in step with its disk.
 * The core only reads it; every write is done by the driver from a Ready.
 * Invariant: term(firstIndex() - 1) is answerable (the entry just before the log, or the
 * snapshot's last included entry), so the matching check works at the log's start.
 */
export interface LogView {
  initialState(): { hardState: HardState };
  firstIndex(): number;
  lastIndex(): number;
  term(index: number): number | Unavailable;
  /** Entries in [lo, hi); stops early once maxBytes of data is reached (always at least one). */
  entries(lo: number, hi: number, maxBytes?: number): Entry[] | Unavailable;
}
