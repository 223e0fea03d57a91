import type { ProfileSummary } from './cpu-profile-summary';
import type { FailoverResult } from './failover';
import { CheckedWriteCase, WriteOutcome, writeOutcome } from './checked-write-case';
import type { LoadResult } from './http-load';

/** The issue's targets: writes at no less than half etcd's rate at 64 clients; failover p99 under etcd's median. */
export const WRITE_TARGET_RATIO = 0.5;
export const WRITE_TARGET_CLIENTS = 64;

/** One side (Trent or etcd) of a write row. */
export interface WriteSide extends WriteOutcome {
  /** CPU of the store's processes per acknowledged write, in ms, by group (leader primary, follower workers, …). */
  cpuMsPerWriteByGroup: Record<string, number>;
}

export interface RaftWriteRow {
  operation: 'TagResource' | 'CreateKey';
  clients: number;
  target: 'leader' | 'all nodes';
  trent: WriteSide;
  /** etcd's put case at the same client count and target (shared by both operations' rows). */
  etcd: WriteSide;
  /**
   * Median over rounds of Trent's req/s in the round over the mean of the etcd slices just before
   * and after it (same client count and target).
   */
  ratio: number;
  ratioByRound: number[];
  /** Raft entries committed per acknowledged write over the measured slices: at least 1 when every write is its own entry. */
  entriesPerWrite: number;
  /** Slices whose commit index moved less than the writes acknowledged (answered from the session table?). */
  shortSlices: string[];
}

export interface NamedProfile {
  process: string;
  summary: ProfileSummary;
}

export interface RaftWritesReport {
  trent: { nodes: number; workersPerNode: number; tickMs: number; electionTicks: number; heartbeatTicks: number };
  etcd: { version: string; members: number };
  load: { tool: string; warmupS: number; durationS: number; rounds: number; sliceS: number; clients: number[]; tagKeys: number; etcdValueBytes: number };
  rows: RaftWriteRow[];
  /** req/s of each etcd slice, by client count and target, in order: how much the machine's speed moved. */
  etcdSliceRates: Record<string, number[]>;
  cpuProfiles?: NamedProfile[];
}

export interface RaftFailoverReport {
  kills: number;
  order: string;
  trent: FailoverResult;
  etcd: FailoverResult;
}

export interface RaftReport {
  writes?: RaftWritesReport;
  failover?: RaftFailoverReport;
  writeTarget?: { operation: string; clients: number; ratio: number; met: boolean }[];
  failoverTarget?: { trentP99Ms: number; etcdP50Ms: number; met: boolean };
  valid: boolean;
}

export function writeSide(c: CheckedWriteCase, r: LoadResult, cpuSByGroup: Record<string, number>): WriteSide {
  const good = r.completed - r.non2xx - c.badReplies;
  return {
    ...writeOutcome(c, r),
    cpuMsPerWriteByGroup: Object.fromEntries(Object.entries(cpuSByGroup).map(([g, s]) => [g, good > 0 ? (s * 1000) / good : NaN])),
  };
}

const total = (byGroup: Record<string, number>): number => Object.values(byGroup).reduce((s, x) => s + x, 0);

export function renderRaftMarkdown(report: RaftReport): string {
  const lines: string[] = [];
  const w = report.writes;
  if (!report.valid) lines.push('> **!!! THE RAFT SECTIONS HAD ERRORS: some writes failed or some failovers never ended. Their figures are NOT valid. !!!**', '');
  if (w) {
    const l = w.load;
    lines.push('## Raft writes: a 3-node Region beside a 3-member etcd cluster', '');
    lines.push(
      `- Trent: ${w.trent.nodes} node processes on 127.0.0.1, ${w.trent.workersPerNode} HTTP worker each, Raft tick ${w.trent.tickMs} ms, election timeout ${w.trent.electionTicks} ticks, heartbeat every ${w.trent.heartbeatTicks} tick; ` +
        `etcd ${w.etcd.version}: ${w.etcd.members} members, its default settings; both on this machine, both running throughout`,
    );
    lines.push(
      `- Trent writes: TagResource (one tag, overwritten, on one of ${l.tagKeys} keys in turn) and CreateKey, recorded from @aws-sdk/client-kms and signed again for every send with a new ` +
        'amz-sdk-invocation-id (the node applies a request id once, so a replayed request would not be a write); etcd: a put of a new key with a ' +
        `${l.etcdValueBytes}-byte value through its JSON gateway`,
    );
    lines.push(
      `- ${l.tool}, keep-alive, pipelining 1; per case ${l.warmupS} s warm-up, then ${l.durationS} s measured as ${l.rounds} slice${l.rounds === 1 ? '' : 's'} of ${l.sliceS.toFixed(1)} s, ` +
        'in rounds (etcd, TagResource, CreateKey at each client count; one more etcd slice per client count at the end)',
    );
    lines.push('- every reply is checked (200 and the right body; CreateKey ids must all differ); one write per target is read back before measuring; around every Trent slice the commit index must move by at least the writes acknowledged', '');
    lines.push('| case | clients | Trent req/s | etcd req/s | ratio | Trent p50 / p99 ms | etcd p50 / p99 ms | server CPU ms/write Trent / etcd | errors Trent / etcd |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of w.rows) {
      const errs = `${errCell(r.trent)} / ${errCell(r.etcd)}`;
      lines.push(
        `| ${r.operation}${r.target === 'leader' ? '' : ' → all nodes'} | ${r.clients} | ${fmt(r.trent.requestsPerS, 0)} | ${fmt(r.etcd.requestsPerS, 0)} | ${fmt(r.ratio, 2)} | ` +
          `${fmt(r.trent.p50Ms, 0)} / ${fmt(r.trent.p99Ms, 0)} | ${fmt(r.etcd.p50Ms, 0)} / ${fmt(r.etcd.p99Ms, 0)} | ${fmt(total(r.trent.cpuMsPerWriteByGroup), 2)} / ${fmt(total(r.etcd.cpuMsPerWriteByGroup), 2)} | ${errs} |`,
      );
    }
    lines.push('');
    for (const t of report.writeTarget ?? []) {
      lines.push(`Write target (${t.operation} ≥ ${WRITE_TARGET_RATIO} of etcd at ${t.clients} clients): **${t.met ? 'met' : 'NOT met'}** at ${fmt(t.ratio, 2)}${report.valid ? '' : ' (but the run had errors)'}.`);
    }
    if ((report.writeTarget ?? []).length === 0) lines.push(`Write target (≥ ${WRITE_TARGET_RATIO} of etcd at ${WRITE_TARGET_CLIENTS} clients): not measured in this run (see --raft-clients).`);
    lines.push('', 'Ratio: the median over rounds of Trent\'s req/s divided by the mean of the etcd slices just before and after it. Latencies are autocannon\'s, in whole ms, over 2xx replies.');
    for (const r of w.rows) if (r.ratioByRound.length > 1) lines.push(`- ${r.trent.case} ratio by round: ${r.ratioByRound.map((x) => fmt(x, 2)).join(' ')}; Raft entries per write ${fmt(r.entriesPerWrite, 3)}`);
    for (const [name, rates] of Object.entries(w.etcdSliceRates)) {
      const ok = rates.filter(Number.isFinite);
      if (ok.length > 1) lines.push(`- ${name} by slice: ${ok.map((x) => fmt(x, 0)).join(' ')} req/s (max/min ${fmt(Math.max(...ok) / Math.min(...ok), 2)})`);
    }
    lines.push('', 'Server CPU per acknowledged write, ms, by process group (from /proc; all cores, so 2 cores give at most 2000 ms per second):', '');
    lines.push('| case | clients | groups |', '|---|---:|---|');
    const seen = new Set<string>();
    for (const r of w.rows) {
      for (const side of [r.trent, r.etcd]) {
        if (seen.has(side.case)) continue;
        seen.add(side.case);
        lines.push(`| ${side.case} | ${r.clients} | ${Object.entries(side.cpuMsPerWriteByGroup).map(([g, ms]) => `${g} ${fmt(ms, 2)}`).join(', ')}; generator ${pct(side.generatorCores)} of a core |`);
      }
    }
    for (const r of w.rows) {
      for (const side of [r.trent, r.etcd]) if (side.detail.examples.length > 0) lines.push(`- ${side.case}, first wrong replies: ${side.detail.examples.map((e) => `\`${e.slice(0, 200)}\``).join('; ')}`);
      for (const s of r.shortSlices) lines.push(`- ${r.trent.case}: ${s}`);
    }
    for (const p of w.cpuProfiles ?? []) {
      lines.push('', `### Where ${p.process} spent its CPU (V8 sampling profiler, self time, Raft write cases only)`, '');
      lines.push(`Profile ${p.summary.file}: ${fmt(p.summary.wallMs / 1000, 1)} s wall, ${fmt(p.summary.busyMs / 1000, 1)} s busy on the main thread.`, '');
      lines.push('| area | ms | share of busy |', '|---|---:|---:|');
      for (const a of p.summary.areas) lines.push(`| ${a.name} | ${fmt(a.ms, 0)} | ${pct(a.share)} |`);
      lines.push('', '| function | ms | share of busy |', '|---|---:|---:|');
      for (const f of p.summary.functions) lines.push(`| \`${f.name}\` | ${fmt(f.ms, 0)} | ${pct(f.share)} |`);
    }
    lines.push('');
  }

  const f = report.failover;
  if (f) {
    lines.push('## Failover: leader kill -9 → first acknowledged write', '');
    lines.push(
      `The leader is found (status of every node or member, a majority agreeing), then killed with SIGKILL; the clock starts when the signal is sent. From then on a write goes to a surviving ` +
        `node every ${f.trent.retryEveryMs} ms, to each in turn (attempts overlap; each is abandoned after ${f.trent.attemptTimeoutMs} ms): for Trent a TagResource through @aws-sdk/client-kms ` +
        '(maxAttempts 1, a new connection per call), for etcd a put through its JSON gateway. The victim is then restarted on its data and caught up before the next kill. ' +
        `${f.order}; a fresh Region and a fresh etcd cluster, each with its default timing.`,
      '',
    );
    lines.push('| store | kills | p50 ms | p99 ms | min ms | mean ms | max ms | failed |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, r] of [['Trent', f.trent], ['etcd', f.etcd]] as const) {
      lines.push(`| ${name} | ${r.samplesMs.length + r.failures.length} | ${fmt(r.p50Ms, 0)} | ${fmt(r.p99Ms, 0)} | ${fmt(r.minMs, 0)} | ${fmt(r.meanMs, 0)} | ${fmt(r.maxMs, 0)} | ${r.failures.length === 0 ? '0' : `**${r.failures.length}**`} |`);
    }
    lines.push('');
    const t = report.failoverTarget;
    if (t) lines.push(`Failover target (Trent p99 < etcd p50): **${t.met ? 'met' : 'NOT met'}**: ${fmt(t.trentP99Ms, 0)} ms vs ${fmt(t.etcdP50Ms, 0)} ms${report.valid ? '' : ' (but the run had errors)'}.`, '');
    const n = f.trent.samplesMs.length;
    lines.push(`Percentiles are nearest-rank${n < 100 ? `; with ${n} samples p99 is the largest` : ''}.`);
    lines.push(`- Trent samples in kill order: ${f.trent.samplesMs.map((x) => x.toFixed(0)).join(' ')} ms`);
    lines.push(`- etcd samples in kill order: ${f.etcd.samplesMs.map((x) => x.toFixed(0)).join(' ')} ms`);
    for (const failure of f.trent.failures) lines.push(`- Trent ${failure}`);
    for (const failure of f.etcd.failures) lines.push(`- etcd ${failure}`);
    lines.push('');
  }
  return lines.join('\n');
}

function errCell(s: WriteSide): string {
  if (s.errors === 0) return '0';
  const d = s.detail;
  const parts: string[] = [];
  const codes = Object.entries(d.statusCodes).filter(([code]) => !code.startsWith('2'));
  if (d.non2xx > 0) parts.push(`non-2xx ${codes.map(([code, n]) => `${n}×${code}`).join(', ') || d.non2xx}`);
  if (d.badBodies > 0) parts.push(`wrong body ${d.badBodies}`);
  if (d.socketErrors > 0) parts.push(`socket ${d.socketErrors}`);
  if (d.timeouts > 0) parts.push(`timeouts ${d.timeouts}`);
  if (d.preflightProblems.length > 0) parts.push(`pre-flight ${d.preflightProblems.length}`);
  return `**${s.errors}** (${parts.join('; ')})`;
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
