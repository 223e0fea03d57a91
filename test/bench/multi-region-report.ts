import { nearestRank } from './failover';

/** What a row measures: one of the cases, a step inside one, or a same-run baseline. */
export type RowKind = 'case' | 'step' | 'baseline';

export interface LatencyRow {
  name: string;
  kind: RowKind;
  /** Milliseconds, in the order measured. */
  samplesMs: number[];
  /** One line per sample that never completed (an error, or the deadline). */
  failures: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface MultiRegionReport {
  regions: string[];
  nodesPerRegion: number;
  workersPerNode: number;
  keys: number;
  kills: number;
  pollMs: number;
  maxPollsInFlight: number;
  natsSamplesPerKey: number;
  natsPayloadBytes: number;
  /** Table order: the cases with their steps, then the baselines. */
  rows: LatencyRow[];
  /** The rows the ratios divide by. */
  baselines: { write: string; nats: string };
  valid: boolean;
}

/** Collects samples for a row; `row()` gives its percentiles (nearest rank: with 50 samples p99 is the largest). */
export class Samples {
  readonly samplesMs: number[] = [];
  readonly failures: string[] = [];

  constructor(
    readonly name: string,
    readonly kind: RowKind,
  ) {}

  add(ms: number): number {
    this.samplesMs.push(ms);
    return ms;
  }

  fail(why: string): void {
    this.failures.push(why);
  }

  row(): LatencyRow {
    const sorted = [...this.samplesMs].sort((a, b) => a - b);
    return {
      name: this.name,
      kind: this.kind,
      samplesMs: this.samplesMs,
      failures: this.failures,
      p50Ms: nearestRank(sorted, 0.5),
      p99Ms: nearestRank(sorted, 0.99),
      maxMs: sorted[sorted.length - 1] ?? NaN,
    };
  }
}

export function renderMultiRegionMarkdown(report: MultiRegionReport): string {
  const lines: string[] = [];
  lines.push(`## Multi-Region keys: ${report.regions.length} Regions × ${report.nodesPerRegion} nodes`, '');
  if (!report.valid) lines.push('> **!!! THE MULTI-REGION SECTION HAD ERRORS: some samples never completed. Its figures are NOT valid. !!!**', '');
  const byName = new Map(report.rows.map((r) => [r.name, r]));
  const write = byName.get(report.baselines.write);
  const nats = byName.get(report.baselines.nats);
  lines.push('| case | samples | p50 ms | p99 ms | max ms | vs baseline (p50 / p50) |');
  lines.push('|---|---:|---:|---:|---:|---|');
  for (const r of report.rows) {
    const name = r.kind === 'case' ? `**${r.name}**` : r.kind === 'step' ? `↳ ${r.name}` : r.name;
    const vs =
      r.kind === 'baseline'
        ? 'baseline'
        : `${ratio(r.p50Ms, write?.p50Ms)}× local write · ${ratio(r.p50Ms, nats?.p50Ms)}× NATS round trip`;
    const failed = r.failures.length > 0 ? ` (+**${r.failures.length} failed**)` : '';
    lines.push(`| ${name} | ${r.samplesMs.length}${failed} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.maxMs)} | ${vs} |`);
  }
  lines.push('');
  lines.push(`Ratios divide a row's p50 by the p50 of a baseline measured in the same run, interleaved key by key: "local write" is the row "${report.baselines.write}", "NATS round trip" the row "${report.baselines.nats}".`);
  lines.push(
    `Percentiles are nearest-rank over every sample (${report.keys} keys; ${report.kills} Region kills), so with fewer than 100 samples p99 is the largest. ` +
      `Polls are DescribeKey sent straight to the Region's Raft leader, one every ${report.pollMs} ms (overlapping, at most ${report.maxPollsInFlight} out at once); ` +
      'a "visible" time is when the first answer showing it arrived, so it includes one DescribeKey round trip (its own row).',
  );
  const [primary, ...replicas] = report.regions;
  lines.push(
    '',
    `- ReplicateKey → Enabled: for each key, ReplicateKey to ${replicas.join(' and ')} sent at once to ${primary}'s leader; each clock runs from its send to the first ` +
      'answer in the destination showing Enabled. A replica turns Enabled on the primary\'s second message, sent once the primary has committed the replica\'s answer to the first.',
    `- Rotation: RotateKeyOnDemand at ${primary}'s leader; the new material's id comes from ListKeyRotations there; the clock stops at the first answer in the later of the ` +
      'replicas whose CurrentKeyMaterialId is it. New material becomes current only once every replica holds it: a first round carries it, the primary commits every ' +
      'answer and activates it, a second round carries the activation. So this is two rounds of distribution plus the activation.',
    `- Region kill: a fresh key replicated to ${replicas.join(' and ')} (not timed); the clock starts when SIGKILL for ${primary}'s nats-server and nodes is asked for; the forced ` +
      `promotion (POST /_trent/mrk/failover) goes to ${replicas[0]} once the kill has answered; then EnableKeyRotation to ${replicas[0]}'s nodes in turn, a new attempt every 10 ms ` +
      `(overlapping) until one succeeds. ${primary} is restarted between rounds (not timed, except how long its old primary takes to become a replica).`,
    `- Before each measured operation: ${report.natsSamplesPerKey} NATS round trips to each other Region and one CreateKey; after each key, the primary's replication backlog must be empty.`,
  );
  for (const r of report.rows) for (const f of r.failures.slice(0, 5)) lines.push(`- ${r.name}: ${f}`);
  const kills = report.rows.find((r) => r.kind === 'case' && /first write/.test(r.name));
  if (kills && kills.samplesMs.length > 0) lines.push(`- ${kills.name}, by round: ${kills.samplesMs.map((x) => x.toFixed(0)).join(' ')} ms`);
  lines.push('');
  return lines.join('\n');
}

function ratio(x: number, base: number | undefined): string {
  return base !== undefined && Number.isFinite(x) && Number.isFinite(base) && base > 0 ? (x / base).toFixed(1) : '–';
}

function fmt(x: number): string {
  return Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : x.toFixed(0)) : '–';
}
