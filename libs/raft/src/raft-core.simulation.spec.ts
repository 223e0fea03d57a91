import { MemoryStorage } from './memory-storage';
import { RaftCore } from './raft-core';
import { entry } from './testing/raft-network';
import { ClusterSimulator, type SimResult } from './testing/simulator/cluster-simulator';
import { drawOptions, type DriverBug, type SimMode, type SimOptions } from './testing/simulator/sim-options';
import type { Message } from './types';

/**
 * Deterministic whole-cluster simulation (raft.md §3.2–3.4): every seed draws its own cluster
 * size, timings and fault mix, runs under faults with the ghost observer checking safety after
 * every event, and in liveness mode must then recover within 10 election timeouts.
 *
 *   npx jest libs/raft/src/raft-core.simulation                       # CI: 1,000 seeds x 10,000 events
 *   SIM_SEEDS=20000 SIM_STEPS=20000 npx jest libs/raft/src/raft-core.simulation
 *   SIM_SEED=1234 npx jest libs/raft/src/raft-core.simulation          # replay one seed
 *
 * Other knobs: SIM_FIRST_SEED (start of the range), SIM_MODE=safety|liveness (force a mode),
 * SIM_DRIVER_BUG=apply-before-conf (drive the core in driver/raft-node.ts's apply order, see
 * 'driver bugs found by the simulator' below).
 *
 * Every seed also draws whether and how often nodes compact their logs (so leaders send
 * snapshots, some lost or refused as temporarily unavailable) and whether an operator changes
 * the membership (learners join from spare ids, are promoted, voters and learners are removed,
 * the leader included, removed nodes are shut down).
 */
const env = process.env;
const num = (name: string): number | undefined => {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const x = Number(v);
  if (!Number.isSafeInteger(x) || x < 0) throw new Error(`${name} must be a non-negative integer, got ${v}`);
  return x;
};
const single = num('SIM_SEED');
const count = num('SIM_SEEDS') ?? 1000;
const first = num('SIM_FIRST_SEED') ?? 1;
const steps = num('SIM_STEPS');
const mode = env.SIM_MODE as SimMode | undefined;
if (mode !== undefined && mode !== 'safety' && mode !== 'liveness') throw new Error(`SIM_MODE must be safety or liveness`);
const driverBug = env.SIM_DRIVER_BUG ? (env.SIM_DRIVER_BUG as DriverBug) : undefined;
if (driverBug !== undefined && driverBug !== 'apply-before-conf' && driverBug !== 'skip-fsync') {
  throw new Error('SIM_DRIVER_BUG must be apply-before-conf or skip-fsync');
}

const seeds = single !== undefined ? [single] : Array.from({ length: count }, (_, i) => first + i);

/**
 * KNOWN CORE BUG — seeds of the CI range that currently fail because of the stale-term ack bug
 * (see 'core bugs found by the simulator' below). Skipped only at the default step count;
 * `SIM_SEED=982 npx jest libs/raft/src/raft-core.simulation` still runs (and fails). Empty this
 * list when raft-core.ts is fixed.
 */
const KNOWN_CORE_BUG_SEEDS: ReadonlySet<number> = new Set<number>([]);

/**
 * Seeds of a known core liveness bug, skipped in long runs so that they report new failures only.
 * Empty: the removed-leader deadlock (seeds 4644, 10653) is fixed by the commit hint; see
 * 'core bugs found by the simulator' below.
 */
const KNOWN_REMOVED_LEADER_DEADLOCK_SEEDS: ReadonlySet<number> = new Set<number>([]);
const skipped = (s: number) => single === undefined && (KNOWN_CORE_BUG_SEEDS.has(s) || KNOWN_REMOVED_LEADER_DEADLOCK_SEEDS.has(s));

function optionsFor(seed: number): SimOptions {
  const replay = [
    `SIM_SEED=${seed}`,
    steps !== undefined ? `SIM_STEPS=${steps}` : '',
    mode ? `SIM_MODE=${mode}` : '',
    driverBug ? `SIM_DRIVER_BUG=${driverBug}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return drawOptions(seed, {
    ...(steps !== undefined ? { steps } : {}),
    ...(mode !== undefined ? { mode } : {}),
    ...(driverBug !== undefined ? { driverBug } : {}),
    replay: `${replay} npx jest libs/raft/src/raft-core.simulation`,
  });
}

describe(`${RaftCore.name} simulation`, () => {
  const results: { seed: number; mode: SimMode; result: SimResult }[] = [];
  const long = single !== undefined || (steps ?? 0) > 5000;
  if (long) jest.setTimeout(10 * 60_000);

  const known = seeds.filter((s) => KNOWN_CORE_BUG_SEEDS.has(s));
  if (known.length > 0) it.skip.each(known)('seed %i (KNOWN CORE BUG: stale-term positive ack)', () => undefined);

  const deadlocks = seeds.filter((s) => single === undefined && KNOWN_REMOVED_LEADER_DEADLOCK_SEEDS.has(s));
  if (deadlocks.length > 0) it.skip.each(deadlocks)('seed %i (KNOWN CORE BUG: removed-leader deadlock)', () => undefined);

  it.each(seeds.filter((s) => !skipped(s)))('seed %i', (seed) => {
    const opts = optionsFor(seed);
    const result = new ClusterSimulator(opts).run();
    results.push({ seed, mode: opts.mode, result });
  });

  it('exercised elections, writes, reads, crashes, recoveries, snapshots and membership changes', () => {
    if (results.length < 100) return; // a replay of one seed proves nothing in aggregate
    const sum = (f: (r: SimResult) => number) => results.reduce((s, r) => s + f(r.result), 0);
    const liveness = results.filter((r) => r.mode === 'liveness');
    expect(sum((r) => r.leaders)).toBeGreaterThan(results.length);
    expect(sum((r) => r.writesAcked)).toBeGreaterThan(results.length);
    expect(sum((r) => r.readsAcked)).toBeGreaterThan(0);
    expect(sum((r) => r.restarts)).toBeGreaterThan(0);
    expect(liveness.length).toBeGreaterThan(0);
    expect(sum((r) => r.compactions)).toBeGreaterThan(results.length);
    expect(sum((r) => r.snapshotsInstalled)).toBeGreaterThan(results.length / 2);
    expect(sum((r) => r.confChanges)).toBeGreaterThan(results.length);
    expect(sum((r) => r.joined)).toBeGreaterThan(results.length / 2);
    expect(sum((r) => r.retired)).toBeGreaterThan(0);
    for (const r of liveness) expect(r.result.recoveredIn).toBeDefined();
  });
});

/**
 * The simulator must be able to fail: a driver that never fsyncs (acks still leave after the
 * write) loses votes and entries on crashes, and the Raft-level properties must catch it even
 * with the direct ack-vs-fsync check switched off.
 */
describe('simulation self-test', () => {
  it('replays a seed exactly', () => {
    const run = () => new ClusterSimulator(drawOptions(7, { steps: 3000, mode: 'liveness' })).run();
    expect(run()).toEqual(run());
  });

  it('catches a driver that acks writes it never fsynced', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 60 && failures.length < 3; seed++) {
      const base = drawOptions(seed, { steps: 3000, replay: `SIM_SEED=${seed} (self-test)` });
      const opts: SimOptions = {
        ...base,
        mode: 'safety',
        driverBug: 'skip-fsync',
        faults: { ...base.faults, meanInterval: 60, weights: { ...base.faults.weights, crash: 4 } },
      };
      try {
        new ClusterSimulator(opts).run();
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    expect(failures.length).toBeGreaterThan(0);
    const first = failures[0];
    expect(first).toMatch(/InvariantViolation: (two leaders|leader completeness|log matching|state machine safety|false ack)/);
    expect(first).toContain('Replay: SIM_SEED=');
    expect(first).toMatch(/Last \d+ events:/);
  });
});

/**
 * DRIVER BUG FOUND BY THE SIMULATOR — in driver/raft-node.ts (which this branch must not edit),
 * reproduced here by driving the core in that driver's order.
 *
 * Replay: SIM_SEED=2367 SIM_DRIVER_BUG=apply-before-conf npx jest libs/raft/src/raft-core.simulation
 *
 * `RaftNode.handle` applies all of a Ready's committed entries to the state machine (in memory)
 * and only then calls `applyConfChange` for its conf entries, storing each result in the log
 * view (`confOps`). A leader's `applyConfChange` probes members at once (`sendAppend`); a member
 * behind the compacted prefix gets a snapshot, which `DurableLogView.snapshot()` makes on demand
 * from the state machine — already at the conf entry's index or later — with the view's
 * membership, still the one from before that entry. The snapshot says "index i, membership of
 * i - 1": here node 4 applies `removeNode 3` at 6 and ships node 5 a snapshot at 6 that still
 * lists 3 as a voter. Node 5 then counts 3 towards its quorums until some later change happens
 * to fix it, and passes the snapshot on (`remember`). Each such snapshot can leave a replica
 * with a phantom voter; two of them break the quorum overlap of one-at-a-time changes.
 * Fix (driver): for each committed entry in order, call applyConfChange (and update the view)
 * before the state machine applies that entry, as sim-node.ts does by default.
 */
describe('driver bugs found by the simulator', () => {
  it('a snapshot made inside applyConfChange carries the membership of its own index (seed 2367, driver order)', () => {
    const opts = drawOptions(2367, { driverBug: 'apply-before-conf', replay: 'SIM_SEED=2367 SIM_DRIVER_BUG=apply-before-conf (driver order)' });
    expect(() => new ClusterSimulator(opts).run()).toThrow(/membership: 4 sent a snapshot at 6 with membership voters \[1,2,3,4,5\]/);
    // The contract's order (sim-node.ts default) runs the same seed cleanly.
    expect(() => new ClusterSimulator(drawOptions(2367)).run()).not.toThrow();
  });
});

/**
 * CORE BUGS FOUND BY THE SIMULATOR, now fixed in raft-core.ts: their regression tests.
 */
describe('core bugs found by the simulator', () => {
  const mk = (id: string, storage: MemoryStorage) =>
    new RaftCore({ id, peers: ['1', '2', '3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: false }, storage);
  const drain = (core: RaftCore, storage: MemoryStorage): Message[] => {
    const out: Message[] = [];
    while (core.hasReady()) {
      const rd = core.ready();
      storage.append(rd.entries);
      if (rd.hardState) storage.setHardState(rd.hardState);
      out.push(...rd.sendNow, ...rd.sendAfterPersist);
      core.advance(rd);
    }
    return out;
  };

  /**
   * Replays: SIM_SEED=106020 SIM_STEPS=3000, SIM_SEED=982 (default size), SIM_SEED=205569 and
   * SIM_SEED=207763 with SIM_STEPS=6000 (the last one shows the effect: a follower commits a
   * divergent entry, "state machine safety"); each `... npx jest libs/raft/src/raft-core.simulation`.
   * A node answers
   * an append from an older term with a *positive* appResp carrying its own term and
   * index = its last index (RaftCore.step, `m.term < this.term` branch). When the stale
   * sender has meanwhile become leader of that newer term, it takes the answer as "my log
   * matches yours up to lastIndex": a false match, so heartbeats tell the follower to commit
   * its own divergent entry, and a false match can count towards a quorum. etcd answers with
   * an empty MsgAppResp (index 0), which carries the term and claims nothing.
   */
  /**
   * Replay: SIM_SEED=4644 npx jest libs/raft/src/raft-core.simulation (liveness mode fails).
   * Voters {1, 2}; leader 2 removes itself. The removal (at 264/265) commits with 1's ack; 2 has
   * already appended a client write after it (266, its term). 2 applies the removal and steps
   * down (StepDownOnRemoval) and never campaigns again; the append that carried the new commit
   * index to 1 was lost. 1 never learns that the removal committed, so it keeps membership {1, 2}
   * and needs 2's vote; 2 refuses it, since 1's log (last 265) is behind its own (266). Neither
   * can ever lead: the one-voter membership {1} is stuck for good, with a quorum of it healthy.
   * Fixed: a node that applied its own removal answers a (pre)vote request with a commitHint
   * naming its commit index and that entry's term; the voter, holding the same entry, commits up
   * to it, applies the removal and can lead alone. (The node's admin route also hands leadership
   * over before a leader is removed, as etcd does.)
   */
  it('a leader that removes itself from two voters leaves the other able to lead (seed 4644)', () => {
    expect(() => new ClusterSimulator(drawOptions(4644)).run()).not.toThrow();
  });

  it('should commit up to a commit hint only when holding the same entry', () => {
    const s = MemoryStorage.from([entry(1, 1), entry(2, 1), entry(3, 2)], { term: 2 });
    const core = mk('1', s);
    core.step({ type: 'commitHint', from: '2', to: '1', term: 0, index: 3, logTerm: 1 });
    expect(core.status().commit).toBe(0);
    core.step({ type: 'commitHint', from: '2', to: '1', term: 0, index: 3, logTerm: 2 });
    expect(core.status().commit).toBe(3);
    core.step({ type: 'commitHint', from: '2', to: '1', term: 0, index: 9, logTerm: 2 });
    expect(core.status().commit).toBe(3);
  });

  it('a stale-term append is not answered with a positive ack of our last index (seed 106020)', () => {
    // Node 1 led term 2 (writing (2, t2)) and now leads term 3.
    const s1 = MemoryStorage.from([entry(1, 1), entry(2, 2, 'new')], { term: 2 });
    const leader = mk('1', s1);
    leader.campaign();
    drain(leader, s1);
    leader.step({ type: 'voteResp', from: '2', to: '1', term: 3, reject: false });
    drain(leader, s1);
    expect(leader.status()).toMatchObject({ role: 'leader', term: 3 });
    // Node 3 is in term 3 with a divergent (2, t1); node 1's term-2 append reaches it late.
    const s3 = MemoryStorage.from([entry(1, 1), entry(2, 1, 'old')], { term: 3 });
    const follower = mk('3', s3);
    follower.step({ type: 'app', from: '1', to: '3', term: 2, index: 1, logTerm: 1, entries: [entry(2, 2, 'new')], commit: 1 });
    for (const m of drain(follower, s3)) leader.step(m);
    // Node 3's entry 2 differs from the leader's: the leader must not believe it matches there.
    expect(leader.status().progress?.['3'].match).toBeLessThan(2);
  });
});
