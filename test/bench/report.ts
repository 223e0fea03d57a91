import type { LoadResult } from './http-load';
import type { MicroRow } from './crypto-micro';
import type { ProfileSummary } from './cpu-profile-summary';

/** The issue's target: Encrypt at no less than half the bare Fastify throughput. */
export const ENCRYPT_TARGET_RATIO = 0.5;

export interface HttpRow {
  case: string;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** requests/s over the baseline's requests/s (the baseline measured first). */
  ratioToFastify: number;
  /** Everything that is not a good reply: non-2xx, socket errors, timeouts, failed pre-flight checks. */
  errors: number;
  detail: { completed: number; non2xx: number; socketErrors: number; timeouts: number; statusCodes: Record<string, number>; preflightProblems: string[] };
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; cpuModel: string; platform: string; node: string; loadAverageAtStart: number[] };
  command: { npm: string; node: string };
  load: { tool: string; connections: number; warmupS: number; durationS: number; requestsPerPool: number };
  http: HttpRow[];
  baselineRemeasured?: { requestsPerS: number; drift: number };
  encryptTarget: { ratio: number; met: boolean } | undefined;
  micro: MicroRow[];
  cpuProfile?: ProfileSummary;
  valid: boolean;
}

export function httpRow(name: string, r: LoadResult, baselineRps: number, preflightProblems: string[] = []): HttpRow {
  return {
    case: name,
    requestsPerS: r.requestsPerS,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    ratioToFastify: r.requestsPerS / baselineRps,
    // autocannon counts a timeout in `errors` as well, so it is not added twice.
    errors: r.non2xx + r.errors + preflightProblems.length,
    detail: { completed: r.completed, non2xx: r.non2xx, socketErrors: r.errors - r.timeouts, timeouts: r.timeouts, statusCodes: r.statusCodes, preflightProblems },
  };
}

export function renderMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  const m = report.machine;
  lines.push('# Trent KMS benchmark', '');
  lines.push(`- date: ${report.date}`);
  lines.push(`- machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.platform}, Node ${m.node}, load average at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  lines.push(`- reproduce: \`${report.command.npm}\` (builds first), or after \`npm run build\`: \`${report.command.node}\``);
  const l = report.load;
  lines.push(
    `- load: ${l.tool}, ${l.connections} keep-alive connections, pipelining 1, ${l.warmupS} s warm-up (not counted) + ${l.durationS} s per case; ` +
      `each case replays a pool of ${l.requestsPerPool} requests signed beforehand by @aws-sdk/client-kms (1 KiB plaintexts; GenerateDataKey AES_256)`,
  );
  lines.push('- both servers are child processes on this machine; the load generator is the bench process itself', '');

  if (!report.valid) {
    lines.push('> **!!! THIS RUN HAD ERRORS: some replies were not 2xx, failed their checks, or never came. The figures below are NOT valid. !!!**', '');
  }

  lines.push('| case | req/s | p50 ms | p99 ms | ratio to Fastify | errors |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const r of report.http) {
    lines.push(`| ${r.case} | ${fmt(r.requestsPerS, 0)} | ${fmt(r.p50Ms, 0)} | ${fmt(r.p99Ms, 0)} | ${fmt(r.ratioToFastify, 2)} | ${r.errors === 0 ? '0' : `**${r.errors}** (${errorDetail(r)})`} |`);
  }
  lines.push('');

  const t = report.encryptTarget;
  if (t === undefined) lines.push(`Encrypt target (≥ ${ENCRYPT_TARGET_RATIO} of bare Fastify): not measured in this run (see --only).`);
  else lines.push(`Encrypt target (≥ ${ENCRYPT_TARGET_RATIO} of bare Fastify): **${t.met ? 'met' : 'NOT met'}** at ${fmt(t.ratio, 2)}${report.valid ? '' : ' (but the run had errors, so this says nothing)'}.`);
  const b = report.baselineRemeasured;
  if (b) {
    const pct = `${b.drift >= 0 ? '+' : ''}${(b.drift * 100).toFixed(0)}%`;
    const noisy = Math.abs(b.drift) > 0.15 ? ' The machine was noisy during the run: repeat it before trusting the ratios.' : '';
    lines.push(`Bare Fastify measured again after the Trent cases: ${fmt(b.requestsPerS, 0)} req/s (${pct} from the first); ratios use the first.${noisy}`);
  }
  lines.push('', 'Latencies are autocannon\'s, in whole milliseconds, over 2xx replies only.', '');

  lines.push('## In-process crypto (no HTTP)', '');
  lines.push('| operation | ops/s | µs/op | ratio to node:crypto |');
  lines.push('|---|---:|---:|---:|');
  for (const r of report.micro) lines.push(`| ${r.name} | ${fmt(r.opsPerS, 0)} | ${fmt(r.usPerOp, 1)} | ${r.ratio === undefined ? '–' : fmt(r.ratio, 2)} |`);
  lines.push('', 'Trent seals with a per-call HKDF-SHA-256 key (two HMACs) and 28 random bytes before the GCM pass; the raw row draws a 12-byte IV and runs GCM alone.');

  const p = report.cpuProfile;
  if (p) {
    lines.push('', '## Where the Trent node spent its CPU (V8 sampling profiler, self time, Trent cases only)', '');
    lines.push(`Profile ${p.file}: ${fmt(p.wallMs / 1000, 1)} s wall, ${fmt(p.busyMs / 1000, 1)} s busy on the main thread. Figures from a profiled run are slower than unprofiled ones.`, '');
    lines.push('| area | ms | share of busy |', '|---|---:|---:|');
    for (const a of p.areas) lines.push(`| ${a.name} | ${fmt(a.ms, 0)} | ${pct(a.share)} |`);
    lines.push('', '| function | ms | share of busy |', '|---|---:|---:|');
    for (const f of p.functions) lines.push(`| \`${f.name}\` | ${fmt(f.ms, 0)} | ${pct(f.share)} |`);
  }
  return `${lines.join('\n')}\n`;
}

function errorDetail(r: HttpRow): string {
  const d = r.detail;
  const parts: string[] = [];
  const codes = Object.entries(d.statusCodes).filter(([code]) => !code.startsWith('2'));
  if (d.non2xx > 0) parts.push(`non-2xx: ${codes.map(([code, n]) => `${n}×${code}`).join(', ') || d.non2xx}`);
  if (d.socketErrors > 0) parts.push(`socket errors: ${d.socketErrors}`);
  if (d.timeouts > 0) parts.push(`timeouts: ${d.timeouts}`);
  if (d.preflightProblems.length > 0) parts.push(`failed pre-flight checks: ${d.preflightProblems.length}`);
  return parts.join('; ');
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
