import { CheckedWriteCase, WriteOutcome, writeOutcome } from './checked-write-case';
import type { LoadResult } from './http-load';
import type { FailoverResult } from './failover';

export interface PutRow extends WriteOutcome {
  connections: number;
  target: 'leader' | 'all members';
}

export interface EtcdBenchReport {
  date: string;
  machine: { cpus: number; cpuModel: string; platform: string; node: string; loadAverageAtStart: number[] };
  command: { node: string };
  etcd: { version: string; members: number; timing: string };
  load: { tool: string; warmupS: number; durationS: number; rounds: number; sliceS: number; valueBytes: number };
  puts: PutRow[];
  failover?: FailoverResult;
  valid: boolean;
}

export function putRow(c: CheckedWriteCase, target: PutRow['target'], r: LoadResult): PutRow {
  return { ...writeOutcome(c, r), connections: c.connections, target };
}

export function renderEtcdMarkdown(report: EtcdBenchReport): string {
  const lines: string[] = [];
  const m = report.machine;
  const l = report.load;
  lines.push('# etcd baseline', '');
  lines.push(`- date: ${report.date}`);
  lines.push(`- machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.platform}, Node ${m.node}, load average at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  lines.push(`- reproduce: after \`npm run build\`: \`${report.command.node}\``);
  lines.push(`- etcd ${report.etcd.version}: ${report.etcd.members} member processes on 127.0.0.1, data on the local disk (fsync as etcd does by default), ${report.etcd.timing}`);
  lines.push(
    `- puts: POST /v3/kv/put on the JSON gateway, a new key and a ${l.valueBytes}-byte value each; ${l.tool}, keep-alive, pipelining 1; ` +
      `per case ${l.warmupS} s warm-up, then ${l.durationS} s measured as ${l.rounds} slice${l.rounds === 1 ? '' : 's'} of ${l.sliceS.toFixed(1)} s interleaved with the other cases`,
  );
  lines.push('- every reply is checked (200 and a JSON put response with a header); one put per target is read back before measuring', '');

  if (!report.valid) lines.push('> **!!! THIS RUN HAD ERRORS: some puts failed or failovers never ended. The figures below are NOT valid. !!!**', '');

  lines.push('| case | clients | req/s | p50 ms | p99 ms | errors |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const r of report.puts) lines.push(`| ${r.case} | ${r.connections} | ${fmt(r.requestsPerS, 0)} | ${fmt(r.p50Ms, 0)} | ${fmt(r.p99Ms, 0)} | ${r.errors === 0 ? '0' : `**${r.errors}** (${errorDetail(r)})`} |`);
  lines.push('', `Latencies are autocannon's, in whole milliseconds, over 2xx replies only. Load generator CPU, as a share of one core: ${report.puts.map((r) => `${r.case} ${(r.generatorCores * 100).toFixed(1)}%`).join(', ')}.`);
  for (const r of report.puts) if (r.detail.examples.length > 0) lines.push(`- ${r.case}, first wrong replies: ${r.detail.examples.map((e) => `\`${e}\``).join('; ')}`);
  lines.push('');

  const f = report.failover;
  if (f) {
    const n = f.samplesMs.length;
    lines.push('## Failover', '');
    lines.push(
      `The leader is killed with SIGKILL; from then on a put goes to a surviving member every ${f.retryEveryMs} ms (attempts overlap; each is abandoned after ${f.attemptTimeoutMs} ms). ` +
        'A sample is the time from the kill to the first acknowledged put. The killed member is then restarted on its data and caught up before the next kill.',
      '',
    );
    lines.push('| kills | p50 ms | p99 ms | min ms | mean ms | max ms | failed |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|');
    lines.push(`| ${n + f.failures.length} | ${fmt(f.p50Ms, 0)} | ${fmt(f.p99Ms, 0)} | ${fmt(f.minMs, 0)} | ${fmt(f.meanMs, 0)} | ${fmt(f.maxMs, 0)} | ${f.failures.length === 0 ? '0' : `**${f.failures.length}**`} |`);
    lines.push('', `Percentiles are nearest-rank${n < 100 ? `; with ${n} samples p99 is the largest` : ''}. Samples in kill order: ${f.samplesMs.map((x) => x.toFixed(0)).join(' ')} ms.`);
    for (const failure of f.failures) lines.push(`- ${failure}`);
  }
  return `${lines.join('\n')}\n`;
}

function errorDetail(r: PutRow): string {
  const d = r.detail;
  const parts: string[] = [];
  const codes = Object.entries(d.statusCodes).filter(([code]) => !code.startsWith('2'));
  if (d.non2xx > 0) parts.push(`non-2xx: ${codes.map(([code, n]) => `${n}×${code}`).join(', ') || d.non2xx}`);
  if (d.badBodies > 0) parts.push(`200 without a put response: ${d.badBodies}`);
  if (d.socketErrors > 0) parts.push(`socket errors: ${d.socketErrors}`);
  if (d.timeouts > 0) parts.push(`timeouts: ${d.timeouts}`);
  if (d.preflightProblems.length > 0) parts.push(`failed pre-flight: ${d.preflightProblems.join('; ')}`);
  return parts.join('; ');
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}
