import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/trent-node';
import { RaftStatus, TrentRegion } from '../support/trent-region';
import { ClientWorker, HistoryRecorder, historyToJsonLines, hrtimeClock, Op } from './history';
import { DEFAULT_WORKLOAD, KmsWorkload, NodeClients, WorkloadOptions } from './kms-workload';
import { CutMode } from './fault-proxy';
import { formatEvent, grudge, NemesisEvent, nemesisSchedule, NodeId, Partition } from './nemesis';
import { ProxyMesh } from './proxy-mesh';
import { SeededRandom } from './seeded-random';

/**
 * The Jepsen-style test on real processes (reference/raft.md §3.5): a 3-node Region whose Raft
 * links all run through a ProxyMesh, concurrent KMS clients recording a history, a seeded nemesis
 * killing, pausing and partitioning nodes, then a heal, a final read/decrypt pass and the data for
 * the checks (kms-jepsen-check.ts). Everything is bounded in time; no process outlives the run.
 */

export interface JepsenOptions {
  seed: number;
  /** How long the workload (and the nemesis) run. */
  workloadMs: number;
  workload?: Partial<WorkloadOptions>;
  /** Progress lines (nemesis events, phases); silent unless given. */
  log?: (line: string) => void;
}

export type FaultName = 'isolate' | 'halves' | 'bridge' | 'one-way' | 'kill' | 'pause';

/** One nemesis action as it was carried out. */
export interface FaultRecord {
  /** Nanoseconds on the history's clock, so faults line up with ops. */
  at: number;
  /** 'heal', 'restart' and 'resume' are recoveries. */
  action: string;
  fault?: FaultName;
  /** The schedule's node was swapped for the node leading at that moment. */
  atLeader?: boolean;
  mode?: CutMode;
}

export interface JepsenRun {
  seed: number;
  options: JepsenOptions;
  workload: WorkloadOptions;
  history: Op[];
  /** History index where the final phase (after the heal) begins. */
  finalFrom: number;
  keys: string[];
  faults: FaultRecord[];
  nodeIds: string[];
  /** Raft status of every node after the final pass, once they agreed (or at the deadline). */
  finalStatus: Record<string, RaftStatus | null>;
  /** Liveness trouble after the heal (no leader, nodes never converging, keys that never answered). */
  liveness: string[];
  dataRoot: string;
  nodeLogs: string[];
  wallMs: number;
  workloadMs: number;
  finalMs: number;
}

const NODE_IDS = ['1', '2', '3'];
/** Election timeout is 0.5–1 s; a fault or a recovery lasts longer than that. */
const MIN_GAP_MS = 1_600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the whole test and returns its history; the nodes are stopped, their data and logs kept. */
export async function runKmsJepsen(options: JepsenOptions): Promise<JepsenRun> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const workloadOpts: WorkloadOptions = { ...DEFAULT_WORKLOAD, ...options.workload };
  const clock = hrtimeClock();
  const recorder = new HistoryRecorder(clock);

  // Ports before nodes: each node dials its peers through the proxy of that directed link.
  const raftPorts = await Promise.all(NODE_IDS.map(() => freePort()));
  const mesh = await ProxyMesh.start(new Map(NODE_IDS.map((id, i) => [id, raftPorts[i]])));
  let region: TrentRegion | undefined;
  const killAll = () => region?.nodes.forEach((n) => n.kill());
  process.on('exit', killAll);
  let clients: NodeClients | undefined;
  try {
    region = await TrentRegion.start({
      nodes: NODE_IDS.length,
      raftPorts,
      peers: (self, ports) => NODE_IDS.map((id, i) => `${id}=127.0.0.1:${id === self ? ports[i] : mesh.portFor(self, id)}`).join(','),
    });
    log(`Region up in ${Date.now() - started} ms, data and logs in ${region.dataRoot}`);
    clients = new NodeClients(new Map(region.nodes.map((n, i) => [NODE_IDS[i], n.endpoint])), region.region, workloadOpts.requestTimeoutMs);
    const workload = new KmsWorkload(recorder, clients, options.seed, workloadOpts);

    const runState = { region, mesh, clock, log, faults: [] as FaultRecord[], down: new Set<string>(), paused: new Set<string>() };
    const workStart = Date.now();
    const until = workStart + options.workloadMs;
    const nemesisError: unknown[] = [];
    await Promise.all([
      workload.run(until),
      runNemesis(runState, new SeededRandom(options.seed), until).catch((e) => nemesisError.push(e)),
    ]);
    const workloadMs = Date.now() - workStart;
    log(`workload done: ${recorder.history().length} ops in ${workloadMs} ms`);

    const finalStart = Date.now();
    const finalFrom = recorder.history().length;
    const liveness: string[] = nemesisError.map((e) => `nemesis: ${String(e)}`);
    await recover(runState);
    liveness.push(...(await finalPhase(recorder, workload, region, log)));
    const finalStatus = await converged(region, 10_000);
    if (!finalStatus.agreed) liveness.push(`nodes did not converge within 10 s: ${JSON.stringify(finalStatus.status)}`);
    const finalMs = Date.now() - finalStart;

    return {
      seed: options.seed,
      options,
      workload: workloadOpts,
      history: recorder.history(),
      finalFrom,
      keys: workload.keys.map((k) => k.id),
      faults: runState.faults,
      nodeIds: NODE_IDS,
      finalStatus: finalStatus.status,
      liveness,
      dataRoot: region.dataRoot,
      nodeLogs: region.nodes.map((n) => n.logFile),
      wallMs: Date.now() - started,
      workloadMs,
      finalMs,
    };
  } catch (e) {
    // Keep what is needed to debug a run that could not finish.
    if (region) {
      const file = join(region.dataRoot, 'history.jsonl');
      writeFileSync(file, historyToJsonLines(recorder.history()));
      (e as Error).message += `\nseed ${options.seed}; history ${file}; node logs ${region.nodes.map((n) => n.logFile).join(' ')}`;
    }
    throw e;
  } finally {
    clients?.destroy();
    await region?.dispose(true);
    process.off('exit', killAll);
    await mesh.close();
  }
}

// ---- nemesis ----------------------------------------------------------------------------

interface RunState {
  region: TrentRegion;
  mesh: ProxyMesh;
  clock: () => number;
  log: (line: string) => void;
  faults: FaultRecord[];
  down: Set<string>;
  paused: Set<string>;
}

/**
 * Plays a seeded schedule of fault/recovery pairs until `until`. Half of the faults are aimed at
 * the leader of the moment (the schedule's node swapped for it), so "isolate the leader", "leader
 * in the minority" and "kill -9 the leader" all occur. Partitions either reset connections or
 * black-hole them.
 */
async function runNemesis(s: RunState, rng: SeededRandom, until: number): Promise<void> {
  const events = nemesisSchedule(NODE_IDS, rng, 1_000);
  await sleep(1_000 + rng.int(1_000)); // keys get created first
  for (let i = 0; i < events.length; i += 2) {
    const hold = MIN_GAP_MS + rng.int(2_400);
    const quiet = MIN_GAP_MS + rng.int(1_400);
    const atLeader = rng.next() < 0.5;
    const mode: CutMode = rng.next() < 0.5 ? 'reset' : 'blackhole';
    if (Date.now() + hold + 500 > until) break;
    let [fault, recovery] = [events[i], events[i + 1]];
    const leader = atLeader ? await currentLeader(s.region) : null;
    if (leader !== null) [fault, recovery] = [relabel(fault, focusOf(fault), leader), relabel(recovery, focusOf(fault), leader)];
    await act(s, fault, { atLeader: leader !== null, mode });
    await sleep(hold);
    await act(s, recovery, {});
    await sleep(Math.min(quiet, Math.max(0, until - Date.now())));
  }
}

async function act(s: RunState, e: NemesisEvent, how: { atLeader?: boolean; mode?: CutMode }): Promise<void> {
  const record: FaultRecord = { at: s.clock(), action: formatEvent(e) };
  switch (e.kind) {
    case 'partition':
      s.mesh.apply(e.partition, how.mode);
      Object.assign(record, { fault: partitionKind(e.partition), atLeader: how.atLeader, mode: how.mode });
      record.action += ` (${how.mode})`;
      break;
    case 'heal':
      s.mesh.healAll();
      break;
    case 'kill':
      s.region.node(e.node).kill();
      await s.region.node(e.node).stop('SIGKILL');
      s.down.add(e.node);
      Object.assign(record, { fault: 'kill', atLeader: how.atLeader });
      break;
    case 'restart':
      await s.region.node(e.node).restart();
      s.down.delete(e.node);
      break;
    case 'pause':
      s.region.node(e.node).pause(true);
      s.paused.add(e.node);
      Object.assign(record, { fault: 'pause', atLeader: how.atLeader });
      break;
    case 'resume':
      s.region.node(e.node).pause(false);
      s.paused.delete(e.node);
      break;
  }
  s.faults.push(record);
  s.log(`nemesis +${(record.at / 1e9).toFixed(1)} s: ${record.action}${record.atLeader ? ' [leader]' : ''}`);
}

/** Heal every link, resume paused nodes, restart killed ones. */
async function recover(s: RunState): Promise<void> {
  s.mesh.healAll();
  for (const id of s.paused) s.region.node(id).pause(false);
  s.paused.clear();
  for (const id of s.down) await s.region.node(id).restart();
  s.down.clear();
  s.faults.push({ at: s.clock(), action: 'final heal' });
}

function partitionKind(p: Partition): FaultName {
  return p.name.split(' ')[0] as FaultName;
}

/** The node a fault is about: the one killed or paused, or the one losing the most outgoing links. */
function focusOf(e: NemesisEvent): NodeId {
  if (e.kind !== 'partition') return (e as { node: NodeId }).node;
  const g = grudge(e.partition);
  let best = e.partition.cut[0][0];
  for (const [from, to] of g) if (to.size > (g.get(best)?.size ?? 0)) best = from;
  return best;
}

/** The same event with nodes `a` and `b` swapped. */
function relabel(e: NemesisEvent, a: NodeId, b: NodeId): NemesisEvent {
  const swap = (n: NodeId) => (n === a ? b : n === b ? a : n);
  if (e.kind === 'heal') return e;
  if (e.kind === 'partition') {
    const name = e.partition.name.replace(/\b\d+\b/g, swap);
    return { kind: 'partition', partition: { name, cut: e.partition.cut.map(([f, t]) => [swap(f), swap(t)] as const) } };
  }
  return { ...e, node: swap(e.node) };
}

async function currentLeader(region: TrentRegion): Promise<string | null> {
  const all = await Promise.all(NODE_IDS.map((id) => region.status(id)));
  const leader = all.find((st) => st?.role === 'leader');
  return leader ? NODE_IDS[all.indexOf(leader)] : null;
}

// ---- after the heal -----------------------------------------------------------------------

/**
 * Liveness, then the final reads: every key answers a DescribeKey; every key is enabled (so the
 * Decrypt pass can run); every ok Encrypt's ciphertext is decrypted; every key is described at
 * every node. Returns liveness problems (things that never succeeded in time).
 */
async function finalPhase(recorder: HistoryRecorder, workload: KmsWorkload, region: TrentRegion, log: (line: string) => void): Promise<string[]> {
  const problems: string[] = [];
  const t0 = Date.now();
  try {
    const leader = await region.leader(20_000);
    log(`after the heal: leader ${leader} in ${Date.now() - t0} ms`);
  } catch (e) {
    problems.push(`no leader within 20 s of the heal: ${String(e)}`);
    return problems;
  }
  const keys = workload.keys;
  const ciphertexts = keys.flatMap((k) => k.encrypted.map((c) => ({ key: k, ...c })));
  // 30 s, plus time for the Decrypt pass of a long run (a few hundred Decrypts a second).
  const deadline = Date.now() + 30_000 + 10 * ciphertexts.length;
  const rng = new SeededRandom(0xf1a1);
  const untilOk = async (w: ClientWorker, what: string, attempt: (node: string) => Promise<Op>): Promise<Op | undefined> => {
    while (Date.now() < deadline) {
      const op = await attempt(rng.pick(NODE_IDS));
      if (op.outcome === 'ok' && !('error' in (op.output as object))) return op;
      await sleep(100);
    }
    problems.push(`${what}: no success within the final phase`);
    return undefined;
  };
  await pool(keys, 6, recorder, async (w, k) => {
    await untilOk(w, `DescribeKey ${k.id}`, (n) => workload.op(w, 'DescribeKey', k, n));
    await untilOk(w, `EnableKey ${k.id}`, (n) => workload.op(w, 'EnableKey', k, n));
  });
  await pool(ciphertexts, 6, recorder, async (w, c) => {
    // A Decrypt answering DisabledException is legal if a workload DisableKey whose fate was
    // unknown lands late; enabling again and retrying is then the right response.
    await untilOk(w, `Decrypt of a ciphertext under ${c.key.id}`, async (n) => {
      const d = await workload.op(w, 'Decrypt', c.key, n, { ciphertext: c.ciphertext });
      if (d.outcome === 'ok' && 'error' in (d.output as object)) await workload.op(w, 'EnableKey', c.key, n);
      return d;
    });
  });
  await pool(
    keys.flatMap((k) => NODE_IDS.map((node) => ({ k, node }))),
    6,
    recorder,
    async (w, { k, node }) => {
      for (let i = 0; i < 20 && Date.now() < deadline; i++) {
        const op = await workload.op(w, 'DescribeKey', k, node);
        if (op.outcome === 'ok') return; // found or not: the checks judge the answer
        await sleep(100);
      }
      problems.push(`DescribeKey ${k.id} at node ${node}: no answer within the final phase`);
    },
  );
  log(`final phase: ${keys.length} keys, ${ciphertexts.length} ciphertexts in ${Date.now() - t0} ms`);
  return problems;
}

/** Runs `fn` over `items` with `n` recorded workers. */
async function pool<T>(items: readonly T[], n: number, recorder: HistoryRecorder, fn: (w: ClientWorker, item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      const w = recorder.worker();
      while (next < items.length) await fn(w, items[next++]);
    }),
  );
}

/** Waits until every node reports the same leader, commit and applied index. */
async function converged(region: TrentRegion, timeoutMs: number): Promise<{ agreed: boolean; status: Record<string, RaftStatus | null> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await Promise.all(NODE_IDS.map((id) => region.status(id)));
    const status = Object.fromEntries(NODE_IDS.map((id, i) => [id, all[i]]));
    const first = all[0];
    const agreed =
      first !== null && first.leader !== null && all.every((st) => st !== null && st.leader === first.leader && st.commit === first.commit && st.applied === first.applied && st.applied === st.commit);
    if (agreed || Date.now() > deadline) return { agreed, status };
    await sleep(100);
  }
}
