import type { NetworkOptions } from './sim-network';
import type { DiskLatency } from './sim-disk';
import type { CompactionOptions } from './sim-node';
import { Prng } from './prng';

export type SimMode = 'safety' | 'liveness';

/**
 * A deliberately broken driver, to prove the checkers catch what follows from it.
 * 'skip-fsync' never fsyncs (acks still leave after the write), like a store that acks before
 * its data is durable (raft.md §5 pitfall 7); the direct ack-vs-fsync check is then off.
 * 'apply-before-conf' applies a Ready's committed entries to the state machine before calling
 * applyConfChange for its conf entries, as driver/raft-node.ts `handle` does: a snapshot the
 * core asks for from inside applyConfChange then carries the wrong membership (seed 2367).
 */
export type DriverBug = 'skip-fsync' | 'apply-before-conf';

export interface FaultOptions {
  /** Mean time between nemesis actions, ms (Infinity: no faults). */
  readonly meanInterval: number;
  /** Relative weights of the nemesis actions. */
  readonly weights: Readonly<Record<FaultKind, number>>;
  readonly meanPartition: number;
  readonly meanClog: number;
  readonly meanDown: number;
  readonly meanPause: number;
}

export type FaultKind = 'partition' | 'clog' | 'swizzle' | 'crash' | 'pause' | 'heal';

export interface WorkloadOptions {
  readonly clients: number;
  /** Mean think time between a client's operations, ms. */
  readonly meanThink: number;
  readonly readRatio: number;
  /** A request with no answer after this long is retried, ms. */
  readonly timeout: number;
}

export interface MembershipOptions {
  /** Mean time between membership actions, ms (Infinity: the membership never changes). */
  readonly meanInterval: number;
  /** Ids beyond the founding nodes that may join (each at most once: ids are never reused). */
  readonly spares: number;
  /** Probability that a removal may take the voters below 3 (down to 1). */
  readonly shrink: number;
}

/** Everything that shapes one run; all of it is drawn from the seed (swarm testing). */
export interface SimOptions {
  readonly seed: number;
  readonly mode: SimMode;
  /** Events processed under faults (the liveness phase, if any, comes after). */
  readonly steps: number;
  readonly nodes: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly tickMs: number;
  /** Each node's tick interval is tickMs * (1 + d), d uniform in [-maxDrift, maxDrift]. */
  readonly maxDrift: number;
  readonly network: NetworkOptions;
  readonly disk: DiskLatency;
  readonly faults: FaultOptions;
  readonly workload: WorkloadOptions;
  readonly compaction: CompactionOptions;
  readonly membership: MembershipOptions;
  /** Events kept for the failure report. */
  readonly traceLength: number;
  /** Printed in a failure report: the command that replays this run. */
  readonly replay: string;
  /** A deliberately broken driver (see DriverBug). */
  readonly driverBug?: DriverBug;
}

/**
 * Draws a run's parameters from its seed: some runs are calm, some brutal (swarm testing,
 * raft.md §3.2: each seed picks which faults are on and how hard).
 */
export function drawOptions(seed: number, over: Partial<SimOptions> = {}): SimOptions {
  const rng = new Prng(seed).fork('swarm');
  // Knobs added later draw from their own stream, so existing seeds keep replaying the same run.
  const later = new Prng(seed).fork('swarm-2');
  const third = new Prng(seed).fork('swarm-3');
  const sometimes = (p: number, v: () => number) => (rng.chance(p) ? v() : 0);
  const nodes = rng.pick([1, 2, 3, 3, 3, 3, 4, 5, 5, 5, 5]);
  const intensity = rng.pick(['calm', 'mild', 'rough', 'brutal'] as const);
  const meanInterval = { calm: 2000, mild: 400, rough: 120, brutal: 40 }[intensity];
  const w = () => rng.pick([0, 1, 1, 2, 4]);
  return {
    seed,
    mode: rng.chance(0.5) ? 'liveness' : 'safety',
    steps: 10000,
    nodes,
    electionTicks: rng.pick([5, 8, 10]),
    heartbeatTicks: rng.pick([1, 1, 2]),
    tickMs: 10,
    maxDrift: sometimes(0.5, () => rng.between(0, 0.1)),
    network: {
      minDelay: rng.between(0.2, 3),
      meanDelay: rng.between(0, 8),
      loss: sometimes(0.6, () => rng.between(0, 0.25)),
      duplicate: sometimes(0.4, () => rng.between(0, 0.1)),
      capacity: rng.pick([4, 16, 64, 1024]),
    },
    disk: {
      writeMin: 0.05,
      writeMean: rng.between(0, 0.5),
      syncMin: rng.between(0.1, 1),
      syncMean: rng.between(0, 6),
      keepUnsyncedPrefix: rng.between(0, 1),
    },
    faults: {
      meanInterval,
      weights: { partition: w(), clog: w(), swizzle: later.pick([0, 0, 1]), crash: w(), pause: w(), heal: 1 },
      meanPartition: rng.between(50, 800),
      meanClog: rng.between(10, 300),
      meanDown: rng.between(10, 600),
      meanPause: rng.between(10, 400),
    },
    workload: {
      clients: rng.int(1, 4),
      meanThink: rng.between(1, 60),
      readRatio: rng.between(0, 0.5),
      timeout: 300,
    },
    compaction: {
      chance: third.pick([0, 0.05, 0.2, 0.5]),
      maxTrailing: third.pick([0, 2, 10, 50]),
      snapshotUnavailable: third.pick([0, 0, 0.2]),
    },
    membership: {
      meanInterval: third.pick([Infinity, 60, 150, 400]),
      spares: third.pick([0, 1, 2, 3, 4]),
      shrink: third.pick([0, 0.05, 0.2]),
    },
    traceLength: 30,
    replay: `SIM_SEED=${seed} npx jest libs/raft/src/raft-core.simulation`,
    ...over,
  };
}

export function describeOptions(o: SimOptions): string {
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
  const n = o.network;
  const fl = o.faults;
  const weights = Object.entries(fl.weights)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
  return (
    `mode=${o.mode} steps=${o.steps} nodes=${o.nodes} election=${o.electionTicks}t heartbeat=${o.heartbeatTicks}t ` +
    `tick=${o.tickMs}ms drift=${f(o.maxDrift)} | net delay=${f(n.minDelay)}+exp(${f(n.meanDelay)}) loss=${f(n.loss)} ` +
    `dup=${f(n.duplicate)} cap=${n.capacity} | disk sync=${f(o.disk.syncMin)}+exp(${f(o.disk.syncMean)}) ` +
    `keepPrefix=${f(o.disk.keepUnsyncedPrefix)} | faults every ~${f(fl.meanInterval)}ms [${weights}] | ` +
    `clients=${o.workload.clients} reads=${f(o.workload.readRatio)} | compact=${f(o.compaction.chance)} ` +
    `trailing<=${o.compaction.maxTrailing} snapUnavailable=${f(o.compaction.snapshotUnavailable)} | ` +
    `membership every ~${f(o.membership.meanInterval)}ms spares=${o.membership.spares} shrink=${f(o.membership.shrink)}`
  );
}
