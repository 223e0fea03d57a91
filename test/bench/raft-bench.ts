/**
 * The Raft sections of `npm run bench`: a 3-node Trent Region beside a 3-member etcd cluster, both
 * real processes on this machine, started fresh for each section.
 *
 * - raft-writes: TagResource and CreateKey against puts through etcd's JSON gateway, at the same
 *   client counts, in interleaved slices; Trent is reported as a ratio to etcd.
 * - failover: leader kill -9 → first acknowledged write, one Trent kill and one etcd kill in turn.
 */
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ListResourceTagsCommand, TagResourceCommand } from '@aws-sdk/client-kms';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrentRegion } from '../support/trent-region';
import type { RaftOptions } from './bench-options';
import { PRELOAD_PATH, PROFILE_DIR_VARIABLE, START_SIGNAL } from './cpu-profiler-handshake';
import { summariseCpuProfile } from './cpu-profile-summary';
import { EtcdCluster } from './etcd-cluster';
import { etcdFailoverTarget } from './etcd-failover';
import { EtcdPutCase, VALUE_BYTES } from './etcd-load';
import { FailoverOptions, FailoverResult, measureFailover, mergeFailoverResults } from './failover';
import { LoadResult, LoadSlice, mergeSlices, sliceRate } from './http-load';
import { childPidsOf } from '../support/proc';
import { CpuMeter, ProcessGroups } from './process-cpu';
import { NamedProfile, RaftFailoverReport, RaftReport, RaftWriteRow, RaftWritesReport, WRITE_TARGET_CLIENTS, WRITE_TARGET_RATIO, writeSide } from './raft-report';
import { RequestResigner } from './request-resigner';
import { SignedRequestRecorder } from './signed-request-recorder';
import { TrentWriteCase, WriteKind } from './trent-write-load';
import { trentFailoverTarget } from './trent-failover';

const NODES = 3;
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
/** TagResource goes to these keys in turn, so no one key record takes every write. */
const TAG_KEYS = 4;
const TAG = { TagKey: 'bench', TagValue: 'raft' };
const CREATE_DESCRIPTION = 'raft bench';

export interface RaftHooks {
  progress(line: string): void;
  /** A process the bench must kill however it ends (the nodes; etcd has its own exit hook). */
  own(process: { readonly pid: number; readonly alive: boolean }): void;
  /** A directory the bench must remove however it ends. */
  ownDir(dir: string): void;
}

/** Seconds the sections may take at most, for the bench's deadline. */
export function raftBudgetS(o: RaftOptions): number {
  let s = 0;
  if (o.sections.includes('raft-writes')) {
    const { rounds } = raftSlices(o);
    const cases = o.clients.length * (o.spread ? 2 : 1) * 3;
    // Start-up, key creation and pre-flight; the load; 1 s per slice for connecting, probes and checks.
    s += 60 + cases * (o.warmupS + o.durationS) + (o.durationS / rounds) * o.clients.length * (o.spread ? 2 : 1) + cases * (rounds + 1);
  }
  // A failover takes 1 to 2 s, a restart and catch-up a few more.
  if (o.sections.includes('failover')) s += 60 + 2 * 15 * o.kills;
  return s;
}

export function raftSlices(o: RaftOptions): { rounds: number; sliceS: number } {
  const rounds = Math.min(o.rounds, o.durationS);
  return { rounds, sliceS: o.durationS / rounds };
}

/** `profile`: where the nodes write CPU profiles (--cpu-prof), and the repository root their paths are shown from. */
export async function runRaftSections(o: RaftOptions, hooks: RaftHooks, profile: { dir: string; repoRoot: string } | undefined): Promise<RaftReport> {
  const report: RaftReport = { valid: true };
  const version = etcdVersion(o.etcd);
  if (o.sections.includes('raft-writes')) {
    const writes = await runWrites(o, hooks, version, profile);
    report.writes = writes;
    report.writeTarget = (['TagResource', 'CreateKey'] as const).flatMap((operation) => {
      const row = writes.rows.find((r) => r.operation === operation && r.target === 'leader' && r.clients === WRITE_TARGET_CLIENTS);
      return row ? [{ operation, clients: row.clients, ratio: row.ratio, met: row.ratio >= WRITE_TARGET_RATIO }] : [];
    });
    if (writes.rows.some((r) => r.trent.errors > 0 || r.etcd.errors > 0 || r.shortSlices.length > 0)) report.valid = false;
  }
  if (o.sections.includes('failover') && o.kills > 0) {
    const failover = await runFailover(o, hooks, version);
    report.failover = failover;
    report.failoverTarget = { trentP99Ms: failover.trent.p99Ms, etcdP50Ms: failover.etcd.p50Ms, met: failover.trent.p99Ms < failover.etcd.p50Ms };
    if (failover.trent.failures.length > 0 || failover.etcd.failures.length > 0) report.valid = false;
  }
  return report;
}

// ---- the clusters ----

interface Clusters {
  region: TrentRegion;
  etcd: EtcdCluster;
  dispose(): Promise<void>;
}

async function startClusters(o: RaftOptions, hooks: RaftHooks, version: string, env: Record<string, string> = {}): Promise<Clusters> {
  hooks.progress(`starting ${NODES} members of etcd ${version}…`);
  const etcd = await EtcdCluster.start({ dir: mkdtempSync(join(tmpdir(), 'trent-bench-etcd-')), members: NODES, binary: o.etcd });
  let region: TrentRegion;
  try {
    hooks.progress(`starting a ${NODES}-node Trent Region…`);
    const dataRoot = mkdtempSync(join(tmpdir(), 'trent-bench-region-'));
    hooks.ownDir(dataRoot);
    region = await TrentRegion.start({ nodes: NODES, dataRoot, env });
    for (const n of region.nodes) hooks.own(n);
  } catch (e) {
    await etcd.dispose();
    throw e;
  }
  hooks.progress(`Trent leader ${await region.leader()}, etcd leader m${await etcd.leader()}`);
  return { region, etcd, dispose: async () => void (await Promise.all([region.dispose(), etcd.dispose()])) };
}

// ---- raft-writes ----

interface Group {
  name: string;
  clients: number;
  target: RaftWriteRow['target'];
  etcd: Measured<EtcdPutCase>;
  trent: Array<Measured<TrentWriteCase>>;
}

/** A case with the CPU its store's processes used during its measured slices, by group. */
interface Measured<C> {
  c: C;
  cpuS: Record<string, number>;
  processes: () => Promise<ProcessGroups>;
}

async function measureWithCpu<C extends { measure(s: number): Promise<LoadSlice | undefined> }>(m: Measured<C>, seconds: number): Promise<LoadSlice | undefined> {
  const meter = new CpuMeter(await m.processes());
  const slice = await m.c.measure(seconds);
  for (const [g, s] of Object.entries(meter.stop())) m.cpuS[g] = (m.cpuS[g] ?? 0) + s;
  return slice;
}

async function runWrites(o: RaftOptions, hooks: RaftHooks, version: string, profile: { dir: string; repoRoot: string } | undefined): Promise<RaftWritesReport> {
  const { rounds, sliceS } = raftSlices(o);
  const env: Record<string, string> = {};
  if (profile) {
    mkdirSync(profile.dir, { recursive: true });
    env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${PRELOAD_PATH}`.trim();
    env[PROFILE_DIR_VARIABLE] = profile.dir;
  }
  const { region, etcd, dispose } = await startClusters(o, hooks, version, env);
  const clients = new Map<string, KMSClient>();
  const clientFor = (url: string): KMSClient => {
    if (!clients.has(url)) clients.set(url, new KMSClient({ region: region.region, endpoint: url, credentials: CREDENTIALS, maxAttempts: 3 }));
    return clients.get(url)!;
  };
  const leaderUrl = async (): Promise<string> => region.node(await region.leader()).endpoint;
  const recorder = new SignedRequestRecorder(await leaderUrl(), region.region, CREDENTIALS);
  try {
    const keyIds: string[] = [];
    for (let i = 0; i < TAG_KEYS; i++) keyIds.push((await clientFor(await leaderUrl()).send(new CreateKeyCommand({ Description: 'raft bench: TagResource target' }))).KeyMetadata!.KeyId!);
    const signer = async (call: (kms: KMSClient) => Promise<unknown>): Promise<RequestResigner> => {
      const r = new RequestResigner(await recorder.record(call), CREDENTIALS.secretAccessKey);
      const problem = r.check();
      if (problem) throw new Error(problem);
      return r;
    };
    // One at a time: the recorder keeps one request in hand.
    const tagSigners: RequestResigner[] = [];
    for (const KeyId of keyIds) tagSigners.push(await signer((kms) => kms.send(new TagResourceCommand({ KeyId, Tags: [TAG] }))));
    const createSigner = await signer((kms) => kms.send(new CreateKeyCommand({ Description: CREATE_DESCRIPTION })));

    const tagResource: WriteKind = {
      operation: 'TagResource',
      resigners: tagSigners,
      check: (status, body) => (status === 200 && body === '{}' ? undefined : `HTTP ${status}: ${body.slice(0, 200)}`),
      readBack: async (url) => {
        const { Tags } = await clientFor(url).send(new ListResourceTagsCommand({ KeyId: keyIds[0] }));
        return Tags?.some((t) => t.TagKey === TAG.TagKey && t.TagValue === TAG.TagValue) ? undefined : `ListResourceTags: ${JSON.stringify(Tags)}`;
      },
    };
    // A CreateKey answered from the session table would repeat an earlier KeyId.
    const created = new Set<string>();
    const createKey: WriteKind = {
      operation: 'CreateKey',
      resigners: [createSigner],
      check: (status, body) => {
        if (status !== 200) return `HTTP ${status}: ${body.slice(0, 200)}`;
        let m: { KeyId?: unknown; KeyState?: unknown; Description?: unknown } | undefined;
        try {
          m = (JSON.parse(body) as { KeyMetadata?: typeof m }).KeyMetadata;
        } catch {
          return `not JSON: ${body.slice(0, 200)}`;
        }
        if (typeof m?.KeyId !== 'string' || m.KeyState !== 'Enabled' || m.Description !== CREATE_DESCRIPTION) return `not a new key's metadata: ${body.slice(0, 200)}`;
        if (created.has(m.KeyId)) return `KeyId ${m.KeyId} answered twice (a replay, not a write)`;
        created.add(m.KeyId);
        return undefined;
      },
      readBack: async (url, body) => {
        const keyId = (JSON.parse(body) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId;
        const { KeyMetadata } = await clientFor(url).send(new DescribeKeyCommand({ KeyId: keyId }));
        return KeyMetadata?.Description === CREATE_DESCRIPTION ? undefined : `DescribeKey: ${JSON.stringify(KeyMetadata)}`;
      },
    };

    const trentTargets: Record<RaftWriteRow['target'], () => Promise<string[]>> = {
      leader: async () => [await leaderUrl()],
      'all nodes': async () => region.nodes.map((n) => n.endpoint),
    };
    const etcdTargets: Record<RaftWriteRow['target'], () => Promise<string[]>> = {
      leader: async () => [etcd.endpoints[await etcd.leader()]!],
      'all nodes': async () => [...etcd.endpoints],
    };
    const commitIndex = async (): Promise<number> => {
      const st = await region.status(await region.leader());
      if (!st) throw new Error('the leader did not answer its status');
      return st.commit;
    };
    const trentProcesses = async (): Promise<ProcessGroups> => {
      const leader = await region.leader();
      const ids = region.nodes.map((_, i) => String(i + 1));
      const followers = ids.filter((id) => id !== leader).map((id) => region.node(id).pid);
      const lead = region.node(leader).pid;
      return { 'leader primary': [lead], 'leader worker': childPidsOf(lead), 'follower primaries': followers, 'follower workers': followers.flatMap(childPidsOf) };
    };
    const etcdProcesses = async (): Promise<ProcessGroups> => {
      const leader = await etcd.leader();
      const pids = etcd.endpoints.map((_, i) => etcd.pid(i));
      return { leader: [pids[leader]!], followers: pids.filter((p, i): p is number => i !== leader && p !== undefined) };
    };

    const spots: Array<RaftWriteRow['target']> = o.spread ? ['leader', 'all nodes'] : ['leader'];
    const groups: Group[] = spots.flatMap((target) =>
      o.clients.map((n) => {
        const suffix = `${target === 'leader' ? '' : ' → all'}, ${n} client${n === 1 ? '' : 's'}`;
        const trentCase = (kind: WriteKind): Measured<TrentWriteCase> => ({
          c: new TrentWriteCase(`Trent ${kind.operation}${suffix}`, kind.operation, n, kind, trentTargets[target], commitIndex, hooks.progress),
          cpuS: {},
          processes: trentProcesses,
        });
        return {
          name: `etcd put${suffix}`,
          clients: n,
          target,
          etcd: { c: new EtcdPutCase(`etcd put${suffix}`, n, etcdTargets[target], hooks.progress), cpuS: {}, processes: etcdProcesses },
          trent: [trentCase(tagResource), trentCase(createKey)],
        };
      }),
    );

    for (const g of groups) {
      for (const m of [g.etcd, ...g.trent]) {
        hooks.progress(`${m.c.name}: pre-flight write and read-back, then ${o.warmupS} s warm-up…`);
        await m.c.warmUp(o.warmupS);
      }
    }
    const profiled = profile ? await startProfiling(region) : undefined;

    // rates.get(case)[r]: req/s in round r; etcd cases have rounds + 1 entries.
    const rates = new Map<unknown, number[]>();
    const record = (key: unknown, slice: LoadSlice | undefined): number => {
      const rate = slice ? sliceRate(slice) : NaN;
      rates.set(key, [...(rates.get(key) ?? []), rate]);
      return rate;
    };
    for (let r = 0; r < rounds; r++) {
      const line: string[] = [];
      for (const g of groups) {
        const etcdRate = record(g.etcd, await measureWithCpu(g.etcd, sliceS));
        const trentRates: string[] = [];
        for (const t of g.trent) trentRates.push(`${t.c.operation} ${record(t, await measureWithCpu(t, sliceS)).toFixed(0)}`);
        line.push(`${g.clients}${g.target === 'leader' ? '' : ' → all'}: etcd ${etcdRate.toFixed(0)}, ${trentRates.join(', ')}`);
      }
      hooks.progress(`round ${r + 1}/${rounds}: ${line.join('; ')} req/s`);
    }
    for (const g of groups) record(g.etcd, await measureWithCpu(g.etcd, sliceS));

    const cpuProfiles = profiled && profile ? await stopProfiling(region, profiled, profile, hooks) : undefined;
    const rows: RaftWriteRow[] = [];
    for (const g of groups) {
      const etcdRates = rates.get(g.etcd)!;
      const e = g.etcd.c;
      const etcdSide = writeSide(e, resultOf(e.slices), g.etcd.cpuS);
      for (const t of g.trent) {
        // Invariant: slice r of a Trent case ran between etcd slices r and r + 1 of its group.
        const ratios = rates.get(t)!.map((rate, r) => rate / ((etcdRates[r]! + etcdRates[r + 1]!) / 2));
        const c = t.c;
        rows.push({
          operation: c.operation as RaftWriteRow['operation'],
          clients: g.clients,
          target: g.target,
          trent: writeSide(c, resultOf(c.slices), t.cpuS),
          etcd: etcdSide,
          ratio: median(ratios),
          ratioByRound: ratios,
          entriesPerWrite: c.acknowledged > 0 ? c.entriesCommitted / c.acknowledged : NaN,
          shortSlices: c.shortSlices,
        });
      }
    }
    return {
      trent: {
        nodes: NODES,
        workersPerNode: 1,
        tickMs: Number(process.env.TRENT_RAFT_TICK_MS ?? 50),
        electionTicks: Number(process.env.TRENT_RAFT_ELECTION_TICKS ?? 10),
        heartbeatTicks: 1,
      },
      etcd: { version, members: NODES },
      load: { tool: 'autocannon 8', warmupS: o.warmupS, durationS: o.durationS, rounds, sliceS, clients: [...o.clients], tagKeys: TAG_KEYS, etcdValueBytes: VALUE_BYTES },
      rows,
      etcdSliceRates: Object.fromEntries(groups.map((g) => [g.name, rates.get(g.etcd)!])),
      cpuProfiles,
    };
  } finally {
    recorder.destroy();
    for (const c of clients.values()) c.destroy();
    await dispose();
  }
}

interface Profiled {
  pids: Array<{ pid: number; label: string }>;
}

/** The leader's primary and worker and one follower's primary start sampling (see cpu-profiler.preload). */
async function startProfiling(region: TrentRegion): Promise<Profiled> {
  const leader = await region.leader();
  const follower = region.nodes.map((_, i) => String(i + 1)).find((id) => id !== leader)!;
  const lead = region.node(leader).pid;
  const pids = [
    { pid: lead, label: `the leader's primary (node ${leader})` },
    ...childPidsOf(lead).map((pid) => ({ pid, label: `the leader's HTTP worker (node ${leader})` })),
    { pid: region.node(follower).pid, label: `a follower's primary (node ${follower})` },
  ];
  for (const { pid } of pids) process.kill(pid, START_SIGNAL);
  return { pids };
}

/** Profiles are written when a process exits on its own, so the nodes get SIGTERM. */
async function stopProfiling(region: TrentRegion, profiled: Profiled, { dir, repoRoot }: { dir: string; repoRoot: string }, hooks: RaftHooks): Promise<NamedProfile[]> {
  await Promise.all(region.nodes.map((n) => n.stop('SIGTERM')));
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  const out: NamedProfile[] = [];
  for (const { pid, label } of profiled.pids) {
    const file = files.find((f) => f === `trent-node-${pid}.cpuprofile`);
    if (file) out.push({ process: label, summary: summariseCpuProfile(join(dir, file), repoRoot) });
    else hooks.progress(`no CPU profile from ${label} (pid ${pid}) in ${dir}`);
  }
  return out;
}

// ---- failover ----

async function runFailover(o: RaftOptions, hooks: RaftHooks, version: string): Promise<RaftFailoverReport> {
  const { region, etcd, dispose } = await startClusters(o, hooks, version);
  const leaderClient = region.client(await region.leader(), 3);
  const keyId = (await leaderClient.send(new CreateKeyCommand({ Description: 'raft bench: failover writes' }))).KeyMetadata!.KeyId!;
  leaderClient.destroy();
  const trent = trentFailoverTarget(region, keyId, CREDENTIALS);
  const etcdTarget = etcdFailoverTarget(etcd);
  const results: Record<'Trent' | 'etcd', FailoverResult[]> = { Trent: [], etcd: [] };
  try {
    hooks.progress(`failover: ${o.kills} leader kills each, Trent and etcd in turn…`);
    for (let k = 1; k <= o.kills; k++) {
      results.Trent.push(await killOnce('Trent', trent, k, o.kills, hooks));
      results.etcd.push(await killOnce('etcd', etcdTarget, k, o.kills, hooks));
    }
    return {
      kills: o.kills,
      order: 'One Trent kill, then one etcd kill, in turn',
      trent: mergeFailoverResults(results.Trent),
      etcd: mergeFailoverResults(results.etcd),
    };
  } finally {
    trent.dispose();
    await dispose();
  }
}

/** Kill number k of `kills`, as its own measureFailover run (so the two stores can take turns). */
async function killOnce<V>(name: string, target: Pick<FailoverOptions<V>, 'killLeader' | 'restart' | 'write'>, k: number, kills: number, hooks: RaftHooks): Promise<FailoverResult> {
  const one = await measureFailover({ kills: 1, ...target, progress: (line) => hooks.progress(`failover ${name} ${k}/${kills}: ${line.replace(/^kill 1\/1: /, '')}`) });
  return { ...one, failures: one.failures.map((f) => f.replace(/^kill 1:/, `kill ${k}:`)) };
}

// ---- helpers ----

function resultOf(slices: readonly LoadSlice[]): LoadResult {
  if (slices.length > 0) return mergeSlices(slices);
  return { requestsPerS: NaN, p50Ms: NaN, p99Ms: NaN, completed: 0, non2xx: 0, errors: 0, timeouts: 0, statusCodes: {}, elapsedS: 0, generatorCores: NaN };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** "3.4.23", or why not; a missing etcd is reported by EtcdCluster.start with the install line. */
function etcdVersion(binary: string): string {
  try {
    return /etcd Version: (\S+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'of unknown version';
  } catch {
    return 'of unknown version';
  }
}
