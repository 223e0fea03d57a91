import { RaftCore } from './raft-core';
import { ClusterSimulator, type SimResult } from './testing/simulator/cluster-simulator';
import { drawOptions, type SimMode, type SimOptions } from './testing/simulator/sim-options';

/**
 * Deterministic whole-cluster simulation (raft.md §3.2–3.4): every seed draws its own cluster
 * size, timings and fault mix, runs under faults with the ghost observer checking safety after
 * every event, and in liveness mode must then recover within 10 election timeouts.
 *
 *   npx jest libs/raft/src/raft-core.simulation                       # CI size
 *   SIM_SEEDS=20000 SIM_STEPS=20000 npx jest libs/raft/src/raft-core.simulation
 *   SIM_SEED=1234 npx jest libs/raft/src/raft-core.simulation          # replay one seed
 *
 * Other knobs: SIM_FIRST_SEED (start of the range), SIM_MODE=safety|liveness (force a mode).
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

const seeds = single !== undefined ? [single] : Array.from({ length: count }, (_, i) => first + i);

function optionsFor(seed: number): SimOptions {
  const replay = [`SIM_SEED=${seed}`, steps !== undefined ? `SIM_STEPS=${steps}` : '', mode ? `SIM_MODE=${mode}` : '']
    .filter(Boolean)
    .join(' ');
  return drawOptions(seed, {
    ...(steps !== undefined ? { steps } : {}),
    ...(mode !== undefined ? { mode } : {}),
    replay: `${replay} npx jest libs/raft/src/raft-core.simulation`,
  });
}

describe(`${RaftCore.name} simulation`, () => {
  const results: { seed: number; mode: SimMode; result: SimResult }[] = [];
  const long = single !== undefined || (steps ?? 0) > 5000;
  if (long) jest.setTimeout(10 * 60_000);

  it.each(seeds)('seed %i', (seed) => {
    const opts = optionsFor(seed);
    const result = new ClusterSimulator(opts).run();
    results.push({ seed, mode: opts.mode, result });
  });

  it('exercised elections, writes, reads, crashes and recoveries', () => {
    if (results.length < 100) return; // a replay of one seed proves nothing in aggregate
    const sum = (f: (r: SimResult) => number) => results.reduce((s, r) => s + f(r.result), 0);
    const liveness = results.filter((r) => r.mode === 'liveness');
    expect(sum((r) => r.leaders)).toBeGreaterThan(results.length);
    expect(sum((r) => r.writesAcked)).toBeGreaterThan(results.length);
    expect(sum((r) => r.readsAcked)).toBeGreaterThan(0);
    expect(sum((r) => r.restarts)).toBeGreaterThan(0);
    expect(liveness.length).toBeGreaterThan(0);
    for (const r of liveness) expect(r.result.recoveredIn).toBeDefined();
  });
});
