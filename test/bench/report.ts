import type { LoadResult } from './http-load';
import type { MicroRow } from './crypto-micro';
import type { ProfileSummary } from './cpu-profile-summary';
import { MultiRegionReport, renderMultiRegionMarkdown } from './multi-region-report';
import { RaftReport, renderRaftMarkdown } from './raft-report';

/** The issue's target: Encrypt at no less than half the bare Fastify throughput. */
export const ENCRYPT_TARGET_RATIO = 0.5;

export interface HttpRow {
  case: string;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * Median over rounds of this case's req/s in the round divided by the mean of the baseline
   * slices just before and after it: robust to a machine whose speed drifts during the run.
   */
  ratioToFastify: number;
  ratioByRound: number[];
  /** Everything that is not a good reply: non-2xx, socket errors, timeouts, failed pre-flight checks. */
  errors: number;
  detail: { completed: number; non2xx: number; socketErrors: number; timeouts: number; statusCodes: Record<string, number>; preflightProblems: string[] };
  /** CPU the load generator used while measuring this case, in cores (it runs on one thread). */
  generatorCores: number;
}

/** The single-node cases (Encrypt, Decrypt, GenerateDataKey, gateway) beside bare Fastify, and the crypto micro-benchmark. */
export interface SingleNodeReport {
  load: { tool: string; connections: number; warmupS: number; durationS: number; rounds: number; sliceS: number; requestsPerPool: number };
  http: HttpRow[];
  /** req/s of each baseline slice, in order: how much the machine's speed moved during the run. */
  baselineSliceRates: number[];
  encryptTarget: { ratio: number; met: boolean } | undefined;
  micro: MicroRow[];
  cpuProfile?: ProfileSummary;
  valid: boolean;
}

/** One key spec and operation through the API, beside the same operation in-process on one core. */
export interface KeySpecRow {
  keySpec: string;
  operation: 'Sign' | 'Verify' | 'GenerateMac';
  algorithm: string;
  /** The API side: rate, latencies and errors over its slices, as for the single-node cases. */
  api: Omit<HttpRow, 'ratioToFastify' | 'ratioByRound'>;
  /** What the raw side runs, e.g. "node:crypto sign, RSA-PSS, salt 32". */
  raw: string;
  /** Mean of the raw slices' ops/s, one thread. */
  rawOpsPerS: number;
  rawSliceOpsPerS: number[];
  /** Median over rounds of the API slice's req/s over the mean of the raw slices before and after it. */
  ratio: number;
  ratioByRound: number[];
}

/** Sign, Verify and GenerateMac per key spec on one node, each beside its raw operation. */
export interface KeySpecsReport {
  load: { tool: string; connections: number; warmupS: number; durationS: number; rounds: number; sliceS: number; requestsPerPool: number; messageBytes: number };
  /** The node's HTTP workers (from its /_trent/status), and this machine's cores. */
  workers: number;
  cores: number;
  rows: KeySpecRow[];
  /** Problems found while setting up (e.g. a signature from Trent that the raw library rejects). */
  problems: string[];
  valid: boolean;
}

/** results.json: the single-node fields at the top level when those cases ran (as before the Raft sections), `raft` when they ran. */
export interface BenchReport extends Partial<Omit<SingleNodeReport, 'valid'>> {
  date: string;
  machine: { cpus: number; cpuModel: string; platform: string; node: string; loadAverageAtStart: number[] };
  command: { npm: string; node: string };
  keySpecs?: KeySpecsReport;
  raft?: RaftReport;
  multiRegion?: MultiRegionReport;
  valid: boolean;
}

export function httpRow(name: string, r: LoadResult, ratio: number, ratioByRound: number[], preflightProblems: string[]): HttpRow {
  return {
    case: name,
    requestsPerS: r.requestsPerS,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    ratioToFastify: ratio,
    ratioByRound,
    // autocannon counts a timeout in `errors` as well, so it is not added twice.
    errors: r.non2xx + r.errors + preflightProblems.length,
    detail: { completed: r.completed, non2xx: r.non2xx, socketErrors: r.errors - r.timeouts, timeouts: r.timeouts, statusCodes: r.statusCodes, preflightProblems },
    generatorCores: r.generatorCores,
  };
}

export function renderMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  const m = report.machine;
  lines.push('# Trent KMS benchmark', '');
  lines.push(`- date: ${report.date}`);
  lines.push(`- machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.platform}, Node ${m.node}, load average at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  lines.push(`- reproduce: \`${report.command.npm}\` (builds first), or after \`npm run build\`: \`${report.command.node}\``, '');
  const { load, http, baselineSliceRates, encryptTarget, micro, cpuProfile } = report;
  if (load && http && baselineSliceRates && micro) {
    renderSingleNode({ load, http, baselineSliceRates, encryptTarget, micro, cpuProfile, valid: http.every((r) => r.errors === 0) }, lines);
    lines.push('');
  }
  if (report.keySpecs) renderKeySpecs(report.keySpecs, lines);
  if (report.raft) lines.push(renderRaftMarkdown(report.raft));
  if (report.multiRegion) lines.push(renderMultiRegionMarkdown(report.multiRegion));
  return `${lines.join('\n')}\n`;
}

function renderSingleNode(report: SingleNodeReport & { valid: boolean }, lines: string[]): void {
  lines.push('## One node: Encrypt, Decrypt, GenerateDataKey beside bare Fastify', '');
  const l = report.load;
  lines.push(
    `- load: ${l.tool}, ${l.connections} keep-alive connections, pipelining 1; per case ${l.warmupS} s warm-up (not counted), then ${l.durationS} s measured ` +
      `as ${l.rounds} slice${l.rounds === 1 ? '' : 's'} of ${l.sliceS.toFixed(1)} s run in rounds (bare Fastify, then each Trent case; one more bare Fastify slice at the end)`,
  );
  lines.push(`- requests: each case replays a pool of ${l.requestsPerPool} requests signed beforehand by @aws-sdk/client-kms (1 KiB plaintexts; GenerateDataKey AES_256); the baseline gets the Encrypt pool`);
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
  lines.push('');
  lines.push('Ratio: the median over rounds of the case\'s req/s divided by the mean of the bare Fastify slices just before and after it.');
  for (const r of report.http.slice(1)) if (r.ratioByRound.length > 1) lines.push(`- ${r.case} ratio by round: ${r.ratioByRound.map((x) => fmt(x, 2)).join(' ')}`);
  const base = report.baselineSliceRates.filter(Number.isFinite);
  if (base.length > 1) {
    const spread = Math.max(...base) / Math.min(...base);
    const noisy = spread > 1.3 ? ' The machine was noisy: repeat the run before trusting the ratios.' : '';
    lines.push(`- bare Fastify by slice: ${base.map((x) => fmt(x, 0)).join(' ')} req/s (max/min ${fmt(spread, 2)}).${noisy}`);
  }
  const gen = report.http.map((r) => `${r.case} ${pct(r.generatorCores)}`).join(', ');
  const generatorBound = (report.http[0]?.generatorCores ?? 0) > 0.9
    ? ' The generator was close to a full core during the baseline, so the baseline may be capped by it and the ratios flattered.'
    : '';
  lines.push(`- load generator CPU, as a share of one core: ${gen}.${generatorBound}`);
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
}

function renderKeySpecs(report: KeySpecsReport, lines: string[]): void {
  lines.push('## Key specs: Sign, Verify, GenerateMac through the API beside the raw operation', '');
  const l = report.load;
  lines.push(
    `- load: ${l.tool}, ${l.connections} keep-alive connections, pipelining 1; per case ${l.warmupS} s warm-up (not counted), then ${l.durationS} s measured ` +
      `as ${l.rounds} API slice${l.rounds === 1 ? '' : 's'} of ${l.sliceS.toFixed(1)} s, each between two ${l.sliceS.toFixed(1)} s slices of the raw operation (raw, API, raw, …, raw)`,
  );
  lines.push(
    `- requests: each case replays ${l.requestsPerPool} requests signed beforehand by @aws-sdk/client-kms; ${l.messageBytes}-byte messages, MessageType RAW; ` +
      'Verify replays one signature made by Sign at set-up, and every Verify reply must say SignatureValid',
  );
  lines.push(
    `- raw: the same operation in this process on one thread, a tight loop with a key of the same type (node:crypto; @noble/post-quantum for ML-DSA), ` +
      'in the same run, alternating with the API slices so that drift hits both',
    '',
  );
  const valid = report.valid;
  if (!valid) lines.push('> **!!! THE KEY-SPECS SECTION HAD ERRORS: some replies were wrong or never came, or set-up failed. Its figures are NOT valid. !!!**', '');
  lines.push('| key spec | operation | Trent req/s | p50 ms | p99 ms | raw ops/s (1 core) | ratio (Trent ÷ raw) | errors |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of report.rows) {
    const a = r.api;
    const errors = a.errors === 0 ? '0' : `**${a.errors}** (${errorDetail(a)})`;
    lines.push(`| ${r.keySpec} | ${r.operation} ${r.algorithm} | ${fmt(a.requestsPerS, 0)} | ${fmt(a.p50Ms, 0)} | ${fmt(a.p99Ms, 0)} | ${fmt(r.rawOpsPerS, 0)} | ${fmt(r.ratio, 2)} | ${errors} |`);
  }
  lines.push('');
  lines.push(
    `The node serves HTTP on ${report.workers} worker process${report.workers === 1 ? '' : 'es'} (this machine has ${report.cores} cores) while the raw column is one thread, ` +
      'and every API request also pays for HTTP, SigV4 verification, JSON and the key lookup, and shares the cores with the load generator. ' +
      'So for cheap operations (HMAC, Ed25519, ECDSA, RSA verify) the ratio is mostly the request overhead; ' +
      `the more an operation costs (RSA sign, ML-DSA), the more it dominates and the nearer the ratio comes to the worker count (${report.workers}), less the generator's share. ` +
      'The ratio is the median over rounds of the API slice\'s req/s divided by the mean of the raw slices just before and after it. ' +
      'The workers accept connections themselves (node:cluster SCHED_NONE), so a slice\'s connections can land unevenly, at worst all on one worker; ' +
      'for an operation that keeps the workers busy (ML-DSA) that can halve a slice\'s rate, so read its ratio by round.',
    '',
  );
  for (const r of report.rows) {
    const byRound = r.ratioByRound.length > 1 ? `; ratio by round ${r.ratioByRound.map((x) => fmt(x, 2)).join(' ')}` : '';
    lines.push(`- ${r.keySpec} ${r.operation}: raw is ${r.raw}, ${r.rawSliceOpsPerS.map((x) => fmt(x, 0)).join(' ')} ops/s by slice${byRound}; generator CPU ${pct(r.api.generatorCores)}`);
  }
  for (const p of report.problems) lines.push(`- **problem:** ${p}`);
  for (const r of report.rows) for (const p of r.api.detail.preflightProblems.slice(0, 3)) lines.push(`- ${r.keySpec} ${r.operation}: ${p}`);
  lines.push('', 'Latencies are autocannon\'s, in whole milliseconds, over 2xx replies only.', '');
}

function errorDetail(r: Pick<HttpRow, 'detail'>): string {
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
