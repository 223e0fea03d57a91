import type { PeerStatus, ProgressState } from './types';

/**
 * The leader's view of one follower's log (Raft §5.3, nextIndex/matchIndex).
 * Invariant: 0 <= match < next.
 *
 * probe:     one append in flight at a time (until acked or a heartbeat answer arrives);
 *            used after election and after a rejection, while the match point is searched.
 * replicate: `next` advances optimistically on send; up to maxInflight appends in flight
 *            (pipelining, thesis §10.2.2 — safe because of the consistency check).
 * snapshot:  a snapshot up to `pendingSnapshot` was sent; no appends until an ack shows the
 *            follower has it, or the driver reports the send failed (reportSnapshot).
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
  /** snapshot state: index of the snapshot in flight; 0 in the other states. */
  pendingSnapshot = 0;

  constructor(
    next: number,
    private readonly maxInflight: number,
    /** A learner receives the log but counts in no quorum. */
    public learner = false,
  ) {
    this.next = next;
  }

  /** From snapshot state, probing resumes after the snapshot if it was delivered. */
  becomeProbe(): void {
    this.next = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.state = 'probe';
    this.probeSent = false;
    this.inflight = [];
    this.pendingSnapshot = 0;
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.probeSent = false;
    this.inflight = [];
    this.pendingSnapshot = 0;
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.probeSent = false;
    this.inflight = [];
    this.pendingSnapshot = index;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflight.length >= this.maxInflight;
      case 'snapshot':
        return true;
    }
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
      learner: this.learner,
      pendingSnapshot: this.pendingSnapshot,
    };
  }
}
