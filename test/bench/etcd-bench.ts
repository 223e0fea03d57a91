/**
 * `node dist/test/bench/etcd-bench.js`: the etcd side of the Trent-versus-etcd comparison. Starts a
 * three-member etcd cluster with etcd's default Raft timing, measures puts through its JSON gateway
 * at several client counts, then the failover time over a number of leader kills. Prints a
 * Markdown report and writes it as JSON to dist/bench/etcd-results.json.
 *
 * The parts (EtcdCluster, EtcdPutCase, measureFailover with etcdFailoverTarget) are meant to be run
 * beside the Trent cases from run.ts too; this entry runs them alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EtcdBenchOptions, EtcdBenchOptionsError, ETCD_USAGE, parseEtcdBenchOptions } from './etcd-bench-options';
import { EtcdCluster } from './etcd-cluster';
import { etcdFailoverTarget } from './etcd-failover';
import { EtcdPutCase, VALUE_BYTES } from './etcd-load';
import { EtcdBenchReport, PutRow, putRow, renderEtcdMarkdown } from './etcd-report';
import { FailoverResult, measureFailover } from './failover';
import { mergeSlices, stopLoad } from './http-load';

const MEMBERS = 3;
const REPO_ROOT = nearestPackageRoot(__dirname);
const RESULTS_FILE = join(REPO_ROOT, 'dist/bench/etcd-results.json');

const progress = (line: string): void => void process.stderr.write(`etcd-bench: ${line}\n`);

// EtcdCluster kills its members in an exit hook; these make Ctrl-C and kill(1) go through it.
function abort(why: string, code: number): void {
  progress(why);
  stopLoad();
  process.exit(code);
}
process.once('SIGINT', () => abort('interrupted; stopping etcd', 130));
process.once('SIGTERM', () => abort('terminated; stopping etcd', 143));

async function main(): Promise<number> {
  let options: EtcdBenchOptions;
  try {
    const parsed = parseEtcdBenchOptions(process.argv.slice(2));
    if (parsed === 'help') {
      process.stdout.write(`${ETCD_USAGE}\n`);
      return 0;
    }
    options = parsed;
  } catch (e) {
    if (e instanceof EtcdBenchOptionsError) {
      process.stderr.write(`etcd-bench: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  const date = new Date().toISOString();
  const loadAtStart = loadavg();
  const rounds = Math.min(options.rounds, options.durationS);
  const sliceS = options.durationS / rounds;
  const caseCount = options.clients.length * (options.spread ? 2 : 1);
  // Hard bound: 60 s for start-up and checks, the load with 1 s per slice for connecting, and 15 s per
  // kill (a failover takes 1 to 2 s with etcd's defaults, a restart and catch-up a few more).
  const loadS = caseCount * (options.warmupS + options.durationS + rounds + 1);
  const budgetMs = (60 + loadS + 15 * options.kills) * 1000;
  setTimeout(() => abort(`time budget of ${Math.round(budgetMs / 1000)} s exceeded; stopping`, 124), budgetMs).unref();

  const version = etcdVersion(options.etcd);
  progress(`starting ${MEMBERS} members of etcd ${version}…`);
  const cluster = await EtcdCluster.start({ dir: mkdtempSync(join(tmpdir(), 'trent-bench-etcd-')), members: MEMBERS, binary: options.etcd });
  try {
    progress(`etcd at ${cluster.endpoints.join(' ')}; leader m${await cluster.leader()}`);

    const targets: Record<PutRow['target'], () => Promise<string[]>> = {
      leader: async () => [cluster.endpoints[await cluster.leader()]!],
      'all members': async () => [...cluster.endpoints],
    };
    const spots: Array<PutRow['target']> = options.spread ? ['leader', 'all members'] : ['leader'];
    const cases = spots.flatMap((target) =>
      options.clients.map((n) => ({ c: new EtcdPutCase(`etcd put → ${target}, ${n} client${n === 1 ? '' : 's'}`, n, targets[target], progress), target })),
    );

    for (const { c } of cases) {
      progress(`${c.name}: pre-flight put and read-back, then ${options.warmupS} s warm-up…`);
      await c.warmUp(options.warmupS);
    }
    for (let r = 0; r < rounds; r++) {
      const rates: string[] = [];
      for (const { c } of cases) {
        const slice = await c.measure(sliceS);
        rates.push(`${c.name} ${slice ? (slice.raw.totalCompletedRequests / slice.raw.duration).toFixed(0) : '–'}`);
      }
      progress(`round ${r + 1}/${rounds}: ${rates.join(', ')} req/s`);
    }
    const puts: PutRow[] = cases.map(({ c, target }) =>
      putRow(c, target, c.slices.length > 0 ? mergeSlices(c.slices) : notMeasured()),
    );

    let failover: FailoverResult | undefined;
    if (options.kills > 0) {
      progress(`failover: killing the leader ${options.kills} times…`);
      failover = await measureFailover({ kills: options.kills, ...etcdFailoverTarget(cluster), progress });
    }

    const valid = puts.every((r) => r.errors === 0) && (failover?.failures.length ?? 0) === 0;
    const report: EtcdBenchReport = {
      date,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', platform: `${platform()} ${arch()}`, node: process.version, loadAverageAtStart: loadAtStart },
      command: { node: ['node dist/test/bench/etcd-bench.js', ...process.argv.slice(2)].join(' ') },
      etcd: { version, members: MEMBERS, timing: "etcd's default Raft timing (heartbeat 100 ms, election timeout 1000 ms)" },
      load: { tool: 'autocannon 8', warmupS: options.warmupS, durationS: options.durationS, rounds, sliceS, valueBytes: VALUE_BYTES },
      puts,
      failover,
      valid,
    };
    process.stdout.write(`\n${renderEtcdMarkdown(report)}`);
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    progress(`wrote ${RESULTS_FILE}`);
    if (!valid) progress('!!! the run had errors: its figures are not valid');
    return valid ? 0 : 1;
  } finally {
    await cluster.dispose();
  }
}

function notMeasured(): ReturnType<typeof mergeSlices> {
  return { requestsPerS: NaN, p50Ms: NaN, p99Ms: NaN, completed: 0, non2xx: 0, errors: 0, timeouts: 0, statusCodes: {}, elapsedS: 0, generatorCores: NaN };
}

/** "3.4.23", or why not; a missing etcd is reported by EtcdCluster.start with the install line. */
function etcdVersion(binary: string): string {
  try {
    return /etcd Version: (\S+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'of unknown version';
  } catch {
    return 'of unknown version';
  }
}

function nearestPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`etcd-bench: failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
