import type { Message } from '../../types';
import type { EventQueue } from './event-queue';
import type { Prng } from './prng';

export interface NetworkOptions {
  /** One-way delay, ms: min + exponential(mean) per packet, so packets reorder. */
  readonly minDelay: number;
  readonly meanDelay: number;
  readonly loss: number;
  /** Probability that a packet is delivered twice (each copy with its own delay). */
  readonly duplicate: number;
  /** Packets in flight per directed path; more are dropped (a full socket buffer). */
  readonly capacity: number;
}

/**
 * Packets between nodes (knobs after TigerBeetle's packet simulator, raft.md §3.2): delay,
 * reordering, loss, duplication, per-path capacity, clogged paths (packets held until the clog
 * ends) and directed partitions (a cut path drops at send and at delivery). Paths inside the
 * liveness core can be made reliable: no loss, duplication, capacity drops or clogs.
 */
export class SimNetwork {
  /** blocked[from][to]: the path from -> to drops everything. */
  private readonly blocked: boolean[][];
  private readonly clogUntil: number[][];
  private readonly inflight: number[][];
  private readonly reliable: boolean[][];
  readonly stats = { sent: 0, delivered: 0, lost: 0, cut: 0, overflow: 0, duplicated: 0 };

  constructor(
    private readonly n: number,
    private readonly queue: EventQueue,
    private readonly rng: Prng,
    private readonly opts: NetworkOptions,
    /** Hands a packet to its destination node (which may be down or paused). */
    private readonly deliver: (to: number, m: Message) => void,
    private readonly index: (id: string) => number,
  ) {
    const grid = <T>(v: T) => Array.from({ length: n }, () => new Array<T>(n).fill(v));
    this.blocked = grid(false);
    this.clogUntil = grid(0);
    this.inflight = grid(0);
    this.reliable = grid(false);
  }

  send(m: Message): void {
    const from = this.index(m.from);
    const to = this.index(m.to);
    this.stats.sent++;
    if (this.blocked[from][to]) {
      this.stats.cut++;
      return;
    }
    const reliable = this.reliable[from][to];
    if (!reliable && this.rng.chance(this.opts.loss)) {
      this.stats.lost++;
      return;
    }
    if (!reliable && this.inflight[from][to] >= this.opts.capacity) {
      this.stats.overflow++;
      return;
    }
    this.schedule(from, to, m);
    if (!reliable && this.rng.chance(this.opts.duplicate)) {
      this.stats.duplicated++;
      this.schedule(from, to, m);
    }
  }

  private schedule(from: number, to: number, m: Message): void {
    this.inflight[from][to]++;
    let at = this.queue.now + this.opts.minDelay + this.rng.exp(this.opts.meanDelay);
    // A clogged path holds its packets until the clog clears.
    if (this.clogUntil[from][to] > at) at = this.clogUntil[from][to] + this.rng.exp(this.opts.minDelay);
    this.queue.at(
      at,
      'deliver',
      to,
      () => {
        this.inflight[from][to]--;
        if (this.blocked[from][to]) {
          this.stats.cut++;
          return;
        }
        this.stats.delivered++;
        this.deliver(to, m);
      },
      () => describeMessage(m),
    );
  }

  // ------------------------------------------------------------------ faults

  isBlocked(from: number, to: number): boolean {
    return this.blocked[from][to];
  }

  setBlocked(from: number, to: number, cut: boolean): void {
    if (from !== to) this.blocked[from][to] = cut;
  }

  /** Cuts every path between the two sides; `oneWay` cuts only side -> other (asymmetric). */
  partition(side: readonly number[], oneWay: boolean): void {
    this.healPartitions();
    const inSide = new Array<boolean>(this.n).fill(false);
    for (const i of side) inSide[i] = true;
    for (let a = 0; a < this.n; a++) {
      for (let b = 0; b < this.n; b++) {
        if (inSide[a] === inSide[b]) continue;
        if (!oneWay || inSide[a]) this.blocked[a][b] = true;
      }
    }
  }

  healPartitions(): void {
    for (const row of this.blocked) row.fill(false);
  }

  clog(from: number, to: number, until: number): void {
    if (from === to || this.reliable[from][to]) return;
    this.clogUntil[from][to] = Math.max(this.clogUntil[from][to], until);
  }

  unclogAll(): void {
    for (const row of this.clogUntil) row.fill(0);
  }

  /** Liveness mode: the paths among `core` lose nothing and never clog or partition again. */
  makeReliable(core: readonly number[]): void {
    for (const a of core) {
      for (const b of core) {
        this.reliable[a][b] = true;
        this.blocked[a][b] = false;
        this.clogUntil[a][b] = 0;
      }
    }
  }

  isReliable(from: number, to: number): boolean {
    return this.reliable[from][to];
  }

  describePartitions(): string {
    const cuts: string[] = [];
    for (let a = 0; a < this.n; a++) for (let b = 0; b < this.n; b++) if (this.blocked[a][b]) cuts.push(`${a + 1}->${b + 1}`);
    return cuts.length === 0 ? 'none' : cuts.join(' ');
  }
}

/** One line per message for traces. */
export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case 'app':
      return `${head} prev=${m.index}/${m.logTerm} n=${m.entries.length} commit=${m.commit}`;
    case 'appResp':
      return `${head} index=${m.index}${m.reject ? ` REJECT hint=${m.rejectHint}/${m.logTerm}` : ''}`;
    case 'vote':
    case 'preVote':
      return `${head} last=${m.index}/${m.logTerm}${m.transfer ? ' transfer' : ''}`;
    case 'voteResp':
    case 'preVoteResp':
      return `${head} ${m.reject ? 'reject' : 'grant'}`;
    case 'heartbeat':
      return `${head} commit=${m.commit} round=${m.round}`;
    case 'heartbeatResp':
      return `${head} round=${m.round}`;
    case 'prop':
      return `${head} n=${m.data.length}`;
    case 'readIndexResp':
      return `${head} index=${m.index}`;
    default:
      return head;
  }
}
