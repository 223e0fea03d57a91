import type { Logger } from 'pino';

/** Wall-clock milliseconds; an adapter so tests can move time. */
export interface WallClock {
  now(): number;
}

export const systemClock: WallClock = { now: () => Date.now() };

/** What is known about a refused message; never its body or key material. */
export interface Rejection {
  from?: string;
  to?: string;
  kind?: string;
  reason: string;
}

/** Counts, remembers and logs (warn) every message this Region refused, whichever layer refused it. */
export class Rejections {
  private total = 0;
  private latest?: { at: string; from?: string; reason: string };

  constructor(
    private readonly log: Logger,
    private readonly clock: WallClock = systemClock,
  ) {}

  get count(): number {
    return this.total;
  }

  get last(): { at: string; from?: string; reason: string } | undefined {
    return this.latest;
  }

  record(r: Rejection): void {
    this.total++;
    this.latest = { at: new Date(this.clock.now()).toISOString(), ...(r.from !== undefined && { from: r.from }), reason: r.reason };
    this.log.warn({ from: r.from, to: r.to, kind: r.kind, reason: r.reason }, 'replication message rejected');
  }
}
