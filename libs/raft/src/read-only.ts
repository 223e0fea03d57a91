import type { NodeId } from './types';

export interface ReadRequest {
  readonly index: number;
  readonly ctx: Uint8Array;
  readonly from: NodeId;
}

/**
 * Leader-side ReadIndex bookkeeping (thesis §6.4, steps b–c). Requests are batched: every request
 * queued before the next heartbeat round shares that round; a quorum of acks for round r confirms
 * every request of rounds <= r (a later round is sent later, so it proves leadership for earlier
 * requests too).
 * Invariant: queued requests are in round order; unsent requests come last.
 */
export class ReadOnlyQueue {
  private queue: { req: ReadRequest; round: number }[] = [];
  private acks = new Map<number, Set<NodeId>>();
  private lastRound = 0;

  add(req: ReadRequest): void {
    this.queue.push({ req, round: 0 });
  }

  /** True when some request is waiting for a heartbeat round to be started. */
  hasUnsent(): boolean {
    return this.queue.length > 0 && this.queue[this.queue.length - 1].round === 0;
  }

  /** Starts a round for every unsent request; returns its number (to put in heartbeats). */
  startRound(self: NodeId): number {
    const round = ++this.lastRound;
    for (const q of this.queue) if (q.round === 0) q.round = round;
    this.acks.set(round, new Set([self]));
    return round;
  }

  /** Records an ack; returns the requests confirmed by a quorum (possibly none). */
  recvAck(round: number, from: NodeId, quorum: number): ReadRequest[] {
    const acks = this.acks.get(round);
    if (acks === undefined) return [];
    acks.add(from);
    if (acks.size < quorum) return [];
    const done = this.queue.filter((q) => q.round !== 0 && q.round <= round).map((q) => q.req);
    this.queue = this.queue.filter((q) => q.round === 0 || q.round > round);
    for (const r of [...this.acks.keys()]) if (r <= round) this.acks.delete(r);
    return done;
  }

  /** The newest started round still waiting for a quorum (0 if none): heartbeats retry it. */
  lastPendingRound(): number {
    let round = 0;
    for (const q of this.queue) if (q.round > round) round = q.round;
    return round;
  }

  pending(): number {
    return this.queue.length;
  }
}
