import type { LogView } from './log-view';
import { limitBySize } from './memory-storage';
import type { Entry, Snapshot } from './types';

/**
 * The core's view of its log: the durable part (read through the LogView) followed by an
 * unstable tail not yet handed to, or not yet confirmed by, the driver.
 *
 * Invariants:
 *   applied <= committed <= lastIndex()
 *   unstableOffset - 1 is the last index known durable and belonging to this log
 *   entries below unstableOffset are read from storage, the rest from `unstable`;
 *   with a pending snapshot, unstableOffset === snapshot.index + 1 and storage is not read
 *   (its log is about to be replaced).
 */
export class RaftLog {
  committed: number;
  applied: number;
  private unstableOffset: number;
  private unstable: Entry[] = [];
  /** A snapshot received from the leader and not yet confirmed durable by the driver. */
  private pendingSnapshot: Snapshot | undefined;

  constructor(
    private readonly storage: LogView,
    applied = 0,
  ) {
    const { hardState } = storage.initialState();
    this.unstableOffset = storage.lastIndex() + 1;
    // Everything up to the storage's snapshot is committed and applied by definition.
    const base = storage.firstIndex() - 1;
    this.committed = Math.max(hardState.commit, base);
    this.applied = Math.max(applied, base);
    if (this.committed > this.lastIndex() || this.applied > this.committed) {
      throw new Error(
        `inconsistent log state: applied ${this.applied}, commit ${this.committed}, last ${this.lastIndex()}`,
      );
    }
  }

  firstIndex(): number {
    return this.pendingSnapshot ? this.pendingSnapshot.meta.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.length > 0
      ? this.unstableOffset + this.unstable.length - 1
      : this.unstableOffset - 1;
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    if (t === undefined) throw new Error(`term of the last index ${this.lastIndex()} is unknown`);
    return t;
  }

  /** The last index durable on this node's disk (the leader's self-ack). */
  persistedIndex(): number {
    return this.pendingSnapshot ? 0 : this.unstableOffset - 1;
  }

  /** Term of the entry at `index`, or undefined when compacted or beyond the log. */
  term(index: number): number | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    if (index >= this.unstableOffset) return this.unstable[index - this.unstableOffset].term;
    if (this.pendingSnapshot) return this.pendingSnapshot.meta.term; // index === snapshot index
    const t = this.storage.term(index);
    return typeof t === 'number' ? t : undefined;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Entries in [lo, hi) capped at maxBytes (at least one); undefined if compacted. */
  slice(lo: number, hi: number, maxBytes?: number): Entry[] | undefined {
    if (lo >= hi) return [];
    if (lo < this.firstIndex() || hi > this.lastIndex() + 1) return undefined;
    let out: Entry[] = [];
    if (lo < this.unstableOffset) {
      const stored = this.storage.entries(lo, Math.min(hi, this.unstableOffset), maxBytes);
      if (typeof stored === 'string') return undefined;
      out = stored;
      if (out.length < Math.min(hi, this.unstableOffset) - lo) return out; // size limit hit
    }
    if (hi > this.unstableOffset) {
      const from = Math.max(lo, this.unstableOffset) - this.unstableOffset;
      out = out.concat(this.unstable.slice(from, hi - this.unstableOffset));
    }
    return limitBySize(out, maxBytes);
  }

  /** Raft §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up-to-date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Raft §5.3 follower side of AppendEntries. Returns the last index of the new entries when
   * (prevIndex, prevTerm) matches, undefined otherwise. Only the conflicting suffix is replaced;
   * it is never at or below `committed` (Log Matching + Leader Completeness).
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new Error(`entry ${conflict} conflicts with the committed prefix (commit ${this.committed})`);
      }
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    // Never beyond what the leader proved we share: the log may be longer than lastNew.
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** First index of `entries` that is new or conflicts with ours; 0 if all already present. */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Fast backtracking: the largest index <= `index` whose term is <= `term`, with that term.
   * Lets a probe skip a whole term of divergent entries per round trip.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = Math.min(index, this.lastIndex()); i >= this.firstIndex() - 1; i--) {
      const t = this.term(i);
      if (t === undefined) break;
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /** Appends (or overwrites from entries[0].index on) in the unstable tail. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const from = entries[0].index;
    if (from - 1 < this.committed) {
      throw new Error(`append at ${from} would overwrite committed entries (commit ${this.committed})`);
    }
    if (from > this.lastIndex() + 1) throw new Error(`gap in log: last ${this.lastIndex()}, append at ${from}`);
    if (from === this.unstableOffset + this.unstable.length) {
      this.unstable.push(...entries);
    } else if (from <= this.unstableOffset) {
      // The durable suffix from `from` is replaced: the driver overwrites it on persist.
      this.unstableOffset = from;
      this.unstable = [...entries];
    } else {
      this.unstable = this.unstable.slice(0, from - this.unstableOffset).concat(entries);
    }
  }

  unstableEntries(): Entry[] {
    return [...this.unstable];
  }

  unstableSnapshot(): Snapshot | undefined {
    return this.pendingSnapshot;
  }

  /** The snapshot to send a follower that needs compacted entries. */
  snapshot(): Snapshot | 'temporarily-unavailable' {
    return this.pendingSnapshot ?? this.storage.snapshot();
  }

  /**
   * InstallSnapshot on the follower: the whole log is replaced by the snapshot, which counts
   * as committed (it holds only committed entries). Applied moves once it is durable.
   */
  restore(snap: Snapshot): void {
    if (snap.meta.index <= this.committed) {
      throw new Error(`snapshot ${snap.meta.index} is not past the commit index ${this.committed}`);
    }
    this.pendingSnapshot = snap;
    this.unstableOffset = snap.meta.index + 1;
    this.unstable = [];
    this.committed = snap.meta.index;
  }

  /** Called once the driver has installed the snapshot at `index`. */
  stableSnapTo(index: number): void {
    if (this.pendingSnapshot?.meta.index !== index) return;
    this.pendingSnapshot = undefined;
    this.applied = Math.max(this.applied, index);
  }

  /** Called once the driver has persisted entries up to (index, term). */
  stableTo(index: number, term: number): void {
    // A later overwrite of that index makes the confirmation stale: keep the newer entries.
    if (index < this.unstableOffset || !this.matchTerm(index, term)) return;
    this.unstable = this.unstable.slice(index + 1 - this.unstableOffset);
    this.unstableOffset = index + 1;
  }

  /** Invariant: commit never decreases and never passes the last index. */
  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    if (index > this.lastIndex()) {
      throw new Error(`commit ${index} is beyond the last index ${this.lastIndex()}`);
    }
    this.committed = index;
    return true;
  }

  appliedTo(index: number): void {
    if (index < this.applied || index > this.committed) {
      throw new Error(`applied ${index} out of range [${this.applied}, ${this.committed}]`);
    }
    this.applied = index;
  }

  /** Nothing is applied over a snapshot that is not installed yet. */
  hasNextCommitted(): boolean {
    return this.committed > this.applied && this.pendingSnapshot === undefined;
  }

  nextCommitted(): Entry[] {
    if (!this.hasNextCommitted()) return [];
    const ents = this.slice(this.applied + 1, this.committed + 1);
    if (ents === undefined) throw new Error(`committed entries after ${this.applied} are compacted`);
    return ents;
  }
}
