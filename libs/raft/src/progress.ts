import type { PeerStatus, ProgressState } from './types';

/**
 * The leader's view of one follower's log (Raft §5.3, nextIndex/matchIndex).
 * Invariant: 0 <= match < next.
 *
 * probe:     one append in flight at a time (until acked or a heartbeat answer arrives);
 *            used after election and after a rejection, while the match point is searched.
 * replicate: `next` advances optimistically on send; up to maxInflight appends in flight
 *            (pipelining, thesis §10.2.2 — safe because of the consistency check).
 */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** probe state: an append was sent and is not yet answered. */
  probeSent = false;
  /** Last index of each append in flight, ascending (replicate state). */
  private inflight: number[] = [];
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;

  constructor(
    next: number,
    private readonly maxInflight: number,
  ) {
    this.next = next;
  }

  becomeProbe(): void {
    this.state = 'probe';
    this.probeSent = false;
    this.inflight = [];
    this.next = this.match + 1;
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.probeSent = false;
    this.inflight = [];
    this.next = this.match + 1;
  }

  isPaused(): boolean {
    return this.state === 'probe' ? this.probeSent : this.inflight.length >= this.maxInflight;
  }

  /** Records an append of `count` entries ending at `lastIndex`. */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflight.push(lastIndex);
      }
    } else if (count > 0) {
      this.probeSent = true;
    }
  }

  /** An accepted append up to `index`. Returns false if it told us nothing new. */
  maybeUpdate(index: number): boolean {
    this.probeSent = false;
    if (index <= this.match) return false;
    this.match = index;
    this.next = Math.max(this.next, index + 1);
    this.inflight = this.inflight.filter((i) => i > index);
    return true;
  }

  /**
   * A rejection of the append probing `rejected` (its prev index). `hint` is the highest index
   * that may still match. Returns false for a stale rejection (reordered or duplicated).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  status(): PeerStatus {
    return {
      match: this.match,
      next: this.next,
      state: this.state,
      inflight: this.inflight.length,
      recentActive: this.recentActive,
    };
  }
}
