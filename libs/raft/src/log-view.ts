import type { ConfState, Entry, HardState, Snapshot } from './types';

export type Unavailable = 'compacted' | 'unavailable';

/**
 * Synchronous read view of the durable log that the driver keeps in step with its disk.
 * The core only reads it; every write is done by the driver from a Ready.
 * Invariant: term(firstIndex() - 1) is answerable (the entry just before the log, or the
 * snapshot's last included entry), so the matching check works at the log's start.
 */
export interface LogView {
  /**
   * `confState` is the membership last persisted with the applied index (by the driver after
   * applyConfChange, or from an installed snapshot); empty on a fresh node, which then uses
   * RaftConfig.peers / learners.
   */
  initialState(): { hardState: HardState; confState: ConfState };
  firstIndex(): number;
  lastIndex(): number;
  term(index: number): number | Unavailable;
  /** Entries in [lo, hi); stops early once maxBytes of data is reached (always at least one). */
  entries(lo: number, hi: number, maxBytes?: number): Entry[] | Unavailable;
  /**
   * The newest snapshot the driver can send, called when a follower needs compacted entries.
   * Must cover the compacted prefix (meta.index >= firstIndex() - 1); 'temporarily-unavailable'
   * while one is being made (the core asks again later).
   */
  snapshot(): Snapshot | 'temporarily-unavailable';
}
