/**
 * `npm run bench`: Trent's Encrypt, Decrypt and GenerateDataKey over HTTP, beside a bare Fastify
 * JSON endpoint measured in the same run on the same machine, plus an in-process crypto
 * micro-benchmark. Prints a Markdown report and writes it as JSON to dist/bench/results.json.
 *
 * Both servers run as child processes and the load generator (autocannon) runs here. Every
 * request is signed by @aws-sdk/client-kms before it is needed and replayed as is, so no CPU goes
 * to signing while a case is measured: on a 2-core machine the generator and the server already
 * share the cores. Absolute figures on a shared machine mean little, so Trent is reported as a
 * ratio to the baseline, and the cases are measured in interleaved slices so that a neighbour's
 * burst of work slows the baseline and Trent alike.
 *
 * Then the key-specs section (key-specs-bench.ts): Sign and Verify per key spec and GenerateMac on a
 * fresh node, each beside the raw operation in this process. Then the Raft sections (raft-bench.ts): writes on a 3-node Region beside a 3-member etcd cluster,
 * and failover time beside etcd's; and the multi-Region section (multi-region-bench.ts): replication,
 * rotation and forced promotion across 3 Regions × 3 nodes. `--only` picks among all of these.
 */
import { CreateKeyCommand, DecryptCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CIPHERTEXT_OVERHEAD } from '@trent/crypto';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT as SUPPORT_REPO_ROOT, TrentNode } from '../support/trent-node';
import { childPidsOf } from '../support/proc';
import { ServerProcess } from './server-process';
import { PRELOAD_PATH, PROFILE_DIR_VARIABLE, START_SIGNAL } from './cpu-profiler-handshake';
import { BenchOptions, BenchOptionsError, parseBenchOptions, sliceSchedule, TrentCase, USAGE } from './bench-options';
import { summariseCpuProfile, ProfileSummary } from './cpu-profile-summary';
import { median, runCryptoMicro } from './crypto-micro';
import { LoadSlice, Reply, sliceRate, stopLoad } from './http-load';
import { KEY_SPECS_CASES, keySpecsBudgetS, runKeySpecs } from './key-specs-bench';
import { blobLength, expectFields, interleavedRatios, LoadCase, ReplyCheck, SignedPool } from './load-case';
import { multiRegionBudgetS, runMultiRegion } from './multi-region-bench';
import { raftBudgetS, raftSlices, runRaftSections } from './raft-bench';
import { BenchReport, ENCRYPT_TARGET_RATIO, HttpRow, httpRow, KeySpecsReport, renderMarkdown, SingleNodeReport } from './report';
import { SignedRequest, SignedRequestRecorder } from './signed-request-recorder';

const POOL_SIZE = 256;
const PLAINTEXT_BYTES = 1024;
const DATA_KEY_BYTES = 32; // AES_256
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
// This file runs from dist/test/bench, so the repository is the nearest ancestor with a package.json.
const REPO_ROOT = nearestPackageRoot(__dirname);
const RESULTS_FILE = join(REPO_ROOT, 'dist/bench/results.json');

// ---- processes this bench owns; killed on every way out (normal end, error, Ctrl-C, deadline) ----

interface OwnedProcess {
  readonly pid: number;
  readonly alive: boolean;
}
const owned = new Set<OwnedProcess>();
const ownedDirs = new Set<string>();

process.on('exit', () => {
  const pids = new Set([...owned].filter((c) => c.alive).map((c) => c.pid));
  // A child still starting up is not in `owned` yet; on Linux its parent pid gives it away.
  for (const pid of childPidsOf(process.pid)) pids.add(pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
});


function abort(why: string, code: number): void {
  progress(why);
  stopLoad();
  process.exit(code);
}
process.once('SIGINT', () => abort('interrupted; stopping the servers', 130));
process.once('SIGTERM', () => abort('terminated; stopping the servers', 143));

const progress = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

// ---- the run ----

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    const parsed = parseBenchOptions(process.argv.slice(2));
    if (parsed === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    options = parsed;
  } catch (e) {
    if (e instanceof BenchOptionsError) {
      process.stderr.write(`bench: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  const date = new Date().toISOString();
  const loadAtStart = loadavg();
  const singleNode = options.only.length > 0;
  const raft = options.raft;
  const { rounds, sliceS } = sliceSchedule(options);
  const caseCount = options.only.length + 1; // and the baseline
  // The baseline gets one extra slice after the last round, so every Trent slice has a baseline slice on each side.
  const loadS = singleNode ? caseCount * (options.warmupS + options.durationS) + sliceS : 0;
  // Hard bound on the whole run: 40 s for start-up, set-up and the micro-benchmark, the load itself,
  // and 1 s per slice for connecting and checking replies (the default single-node part takes about
  // 65 s); then the Raft sections' own bound.
  const singleNodeBudgetS = singleNode ? 40 + loadS + (rounds + 1) * caseCount : 0;
  const raftS = raftBudgetS(raft);
  const multiRegionS = multiRegionBudgetS(options.multiRegion);
  const keySpecsS = keySpecsBudgetS(options.keySpecs);
  const budgetMs = (singleNodeBudgetS + keySpecsS + raftS + multiRegionS) * 1000;
  setTimeout(() => abort(`time budget of ${Math.round(budgetMs / 1000)} s exceeded; stopping`, 124), budgetMs).unref();
  if (singleNode) {
    progress(
      `${caseCount} cases × (${options.warmupS} s warm-up + ${rounds} slices of ${sliceS.toFixed(1)} s), ${options.connections} connections; ` +
        `about ${Math.round(loadS + 10)} s`,
    );
  }
  if (options.keySpecs.run) {
    const k = options.keySpecs;
    const s = sliceSchedule(k);
    progress(`key-specs: ${KEY_SPECS_CASES} cases × (${k.warmupS} s warm-up + ${s.rounds} API slices of ${s.sliceS.toFixed(1)} s between ${s.rounds + 1} raw ones); at most ${Math.round(keySpecsS)} s`);
  }
  if (raft.sections.length > 0) {
    const r = raftSlices(raft);
    const parts = [
      ...(raft.sections.includes('raft-writes')
        ? [`Raft writes at ${raft.clients.join(', ')} clients: ${raft.clients.length * (raft.spread ? 2 : 1) * 3} cases × (${raft.warmupS} s warm-up + ${r.rounds} slices of ${r.sliceS.toFixed(1)} s)`]
        : []),
      ...(raft.sections.includes('failover') && raft.kills > 0 ? [`failover: ${raft.kills} leader kills each of Trent and etcd`] : []),
    ];
    progress(`${parts.join('; ')}; at most ${Math.round(raftS)} s`);
  }
  if (options.multiRegion.run) {
    const m = options.multiRegion;
    progress(`multi-region: ${m.keys} keys replicated and rotated, ${m.kills} Region kills; at most ${Math.round(multiRegionS)} s`);
  }

  const profileRoot = options.cpuProf ? join(REPO_ROOT, 'dist/bench', `cpu-prof-${date.replace(/[:.]/g, '-')}`) : undefined;
  const single = singleNode ? await runSingleNode(options, profileRoot) : undefined;
  const keySpecs = options.keySpecs.run ? await runKeySpecsSection(options) : undefined;
  const hooks = { progress, own: (p: OwnedProcess) => void owned.add(p), ownDir: (d: string) => void ownedDirs.add(d) };
  const raftReport =
    raft.sections.length > 0
      ? await runRaftSections(
          raft,
          hooks,
          profileRoot ? { dir: join(profileRoot, 'raft'), repoRoot: REPO_ROOT } : undefined,
        )
      : undefined;

  const multiRegion = options.multiRegion.run ? await runMultiRegion(options.multiRegion, hooks) : undefined;

  const valid = (single?.valid ?? true) && (keySpecs?.valid ?? true) && (raftReport?.valid ?? true) && (multiRegion?.valid ?? true);
  const report: BenchReport = {
    date,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', platform: `${platform()} ${arch()}`, node: process.version, loadAverageAtStart: loadAtStart },
    command: reproduceCommands(),
    ...single, // its own `valid` is overridden below
    keySpecs,
    raft: raftReport,
    multiRegion,
    valid,
  };
  process.stdout.write(`\n${renderMarkdown(report)}`);
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
  progress(`wrote ${RESULTS_FILE}`);
  if (!valid) progress('!!! the run had errors: its figures are not valid');
  return valid ? 0 : 1;
}

/** Encrypt, Decrypt, GenerateDataKey (and through the gateway) on one node, beside bare Fastify; and the crypto micro-benchmark. */
async function runSingleNode(options: BenchOptions, profileRoot: string | undefined): Promise<SingleNodeReport> {
  const { rounds, sliceS } = sliceSchedule(options);
  progress('in-process crypto micro-benchmark (before any server starts)…');
  const micro = runCryptoMicro(await sampleEncryptRequest());

  const profileDir = profileRoot ? join(profileRoot, 'single-node') : undefined;
  progress('starting a Trent node…');
  const node = await startNode(profileDir);
  progress('starting the bare Fastify baseline…');
  const fastify = await ServerProcess.start('bare Fastify', 'bare-fastify.server.js');
  owned.add(fastify);
  const gateway = options.only.includes('gateway') ? await ServerProcess.start('gateway', 'gateway.server.js', [String(node.port)]) : undefined;
  if (gateway) owned.add(gateway);

  const client = node.client();
  const recorder = new SignedRequestRecorder(node.endpoint, node.region, CREDENTIALS);
  try {
    const created = await client.send(new CreateKeyCommand({ Description: 'trent bench' }));
    const keyId = created.KeyMetadata!.KeyId!;
    const arn = created.KeyMetadata!.Arn!;
    const plaintexts = Array.from({ length: POOL_SIZE }, () => randomBytes(PLAINTEXT_BYTES));
    const ciphertexts = options.only.includes('decrypt') ? await encryptAll(client, keyId, plaintexts) : [];

    const encryptPool = new SignedPool(() => recorder.recordMany(POOL_SIZE, (kms, i) => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintexts[i] }))));
    const pools: Record<TrentCase, SignedPool> = {
      encrypt: encryptPool,
      decrypt: new SignedPool(() => recorder.recordMany(POOL_SIZE, (kms, i) => kms.send(new DecryptCommand({ CiphertextBlob: ciphertexts[i] })))),
      gdk: new SignedPool(() => recorder.recordMany(POOL_SIZE, (kms) => kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' })))),
      // The same signed bytes: the gateway forwards the Host header untouched, so the signature holds.
      gateway: encryptPool,
    };
    const keyIdIs = (b: Record<string, unknown>): true | string => b.KeyId === arn || `KeyId ${String(b.KeyId)}`;
    const checks: Record<TrentCase, ReplyCheck> = {
      encrypt: (reply) => expectFields(reply, (b) => [blobLength(b.CiphertextBlob, PLAINTEXT_BYTES + CIPHERTEXT_OVERHEAD), keyIdIs(b)]),
      decrypt: (reply, _, i) => expectFields(reply, (b) => [b.Plaintext === plaintexts[i]!.toString('base64') || 'Plaintext is not what was encrypted', keyIdIs(b)]),
      gdk: (reply) => expectFields(reply, (b) => [blobLength(b.Plaintext, DATA_KEY_BYTES), blobLength(b.CiphertextBlob, DATA_KEY_BYTES + CIPHERTEXT_OVERHEAD), keyIdIs(b)]),
      gateway: (reply) => expectFields(reply, (b) => [blobLength(b.CiphertextBlob, PLAINTEXT_BYTES + CIPHERTEXT_OVERHEAD), keyIdIs(b)]),
    };
    const names: Record<TrentCase, string> = { encrypt: 'Trent Encrypt', decrypt: 'Trent Decrypt', gdk: 'Trent GenerateDataKey', gateway: 'Trent Encrypt via gateway' };
    const endpoints: Record<TrentCase, string> = { encrypt: node.endpoint, decrypt: node.endpoint, gdk: node.endpoint, gateway: gateway?.endpoint ?? node.endpoint };

    // The baseline gets the Encrypt pool's very bytes, and answers with the KeyId it parsed.
    const baseline = new LoadCase('bare Fastify', fastify.endpoint, encryptPool, baselineCheck, options.connections, progress);
    const trent = options.only.map((c) => new LoadCase(names[c], endpoints[c], pools[c], checks[c], options.connections, progress));
    const all = [baseline, ...trent];

    for (const c of all) {
      progress(`${c.name}: checking every reply, then ${options.warmupS} s warm-up…`);
      await c.warmUp(options.warmupS);
    }
    if (profileDir) process.kill(node.pid, START_SIGNAL); // profile the measured slices only

    // rates[c][r]: req/s of case c in round r; the baseline has rounds + 1 entries.
    const rates = new Map<LoadCase, number[]>(all.map((c) => [c, []]));
    for (let r = 0; r < rounds; r++) {
      for (const c of all) rates.get(c)!.push(rateOf(await c.measure(sliceS)));
      progress(`round ${r + 1}/${rounds}: ${all.map((c) => `${c.name} ${rates.get(c)![r]!.toFixed(0)}`).join(', ')} req/s`);
    }
    rates.get(baseline)!.push(rateOf(await baseline.measure(sliceS)));

    const baselineRates = rates.get(baseline)!;
    // Invariant: slice r of a Trent case ran between baseline slices r and r + 1.
    const roundRatios = (c: LoadCase): number[] => interleavedRatios(rates.get(c)!, baselineRates);
    const rows: HttpRow[] = [httpRow(baseline.name, baseline.result(), 1, [], baseline.problems)];
    for (const c of trent) {
      const ratios = roundRatios(c);
      rows.push(httpRow(c.name, c.result(), median(ratios), ratios, c.problems));
    }
    if (baseline.failed) for (const row of rows) row.ratioToFastify = NaN;

    const cpuProfile = profileDir ? await stopAndSummarise(node, profileDir) : undefined;
    const encryptRow = rows.find((r) => r.case === names.encrypt);
    return {
      load: { tool: 'autocannon 8', connections: options.connections, warmupS: options.warmupS, durationS: options.durationS, rounds, sliceS, requestsPerPool: POOL_SIZE },
      http: rows,
      baselineSliceRates: baselineRates,
      encryptTarget: encryptRow && Number.isFinite(encryptRow.ratioToFastify) ? { ratio: encryptRow.ratioToFastify, met: encryptRow.ratioToFastify >= ENCRYPT_TARGET_RATIO } : undefined,
      micro,
      cpuProfile,
      valid: rows.every((r) => r.errors === 0),
    };
  } finally {
    recorder.destroy();
    client.destroy();
    await fastify.dispose();
    await gateway?.dispose();
    await disposeNode(node);
  }
}

/** Sign, Verify and GenerateMac per key spec on a node of their own, started as the single-node cases' is. */
async function runKeySpecsSection(options: BenchOptions): Promise<KeySpecsReport> {
  progress('key-specs: starting a Trent node…');
  const node = await startNode(undefined);
  try {
    return await runKeySpecs(node, options.keySpecs, CREDENTIALS, progress);
  } finally {
    await disposeNode(node);
  }
}

const rateOf = (slice: LoadSlice | undefined): number => (slice ? sliceRate(slice) : NaN);

async function startNode(profileDir: string | undefined): Promise<TrentNode> {
  if (SUPPORT_REPO_ROOT !== REPO_ROOT) {
    // TrentNode looks for dist/apps/node under its REPO_ROOT; compiled to dist/test/support, '../..' is dist/ itself.
    throw new Error(`test/support/trent-node.ts takes ${SUPPORT_REPO_ROOT} for the repository root when run from dist/ (it is ${REPO_ROOT}), so it cannot find the node; its REPO_ROOT must hold when compiled too`);
  }
  // TrentNode hands the node this process's environment, so the profiler goes in through NODE_OPTIONS.
  const saved = { options: process.env.NODE_OPTIONS, dir: process.env[PROFILE_DIR_VARIABLE] };
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    process.env.NODE_OPTIONS = `${saved.options ?? ''} --require ${PRELOAD_PATH}`.trim();
    process.env[PROFILE_DIR_VARIABLE] = profileDir;
  }
  // The bench makes the data directory itself so that it is removed however the run ends, even mid-start.
  const dataRoot = mkdtempSync(join(tmpdir(), 'trent-bench-'));
  ownedDirs.add(dataRoot);
  try {
    const node = await TrentNode.start({ dataRoot });
    owned.add(node);
    return node;
  } finally {
    restoreEnv('NODE_OPTIONS', saved.options);
    restoreEnv(PROFILE_DIR_VARIABLE, saved.dir);
  }
}

async function disposeNode(node: TrentNode): Promise<void> {
  await node.dispose();
  rmSync(node.dataRoot, { recursive: true, force: true });
  ownedDirs.delete(node.dataRoot);
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** The profile is written when the node exits on its own, so it gets SIGTERM, not SIGKILL. */
async function stopAndSummarise(node: TrentNode, profileDir: string): Promise<ProfileSummary | undefined> {
  await node.stop('SIGTERM');
  const file = existsSync(profileDir) ? readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  if (!file) {
    progress(`no .cpuprofile in ${profileDir}; the node did not write one`);
    return undefined;
  }
  return summariseCpuProfile(join(profileDir, file), REPO_ROOT);
}

/** Ciphertexts for the Decrypt pool, from the node itself through the SDK, 16 calls at a time. */
async function encryptAll(client: KMSClient, keyId: string, plaintexts: Buffer[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(plaintexts.length);
  for (let i = 0; i < plaintexts.length; i += 16) {
    await Promise.all(
      plaintexts.slice(i, i + 16).map(async (p, j) => {
        out[i + j] = (await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: p }))).CiphertextBlob!;
      }),
    );
  }
  return out;
}

/** One signed Encrypt request for the in-process SigV4 figure; nothing is sent. */
async function sampleEncryptRequest(): Promise<SignedRequest> {
  const recorder = new SignedRequestRecorder('http://127.0.0.1:4566', 'us-east-1', CREDENTIALS);
  try {
    return await recorder.record((kms) => kms.send(new EncryptCommand({ KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', Plaintext: randomBytes(PLAINTEXT_BYTES) })));
  } finally {
    recorder.destroy();
  }
}

// ---- reply checks ----

/** The baseline echoes the KeyId it parsed inside an ARN. */
function baselineCheck(reply: Reply, request: SignedRequest): string | undefined {
  const sent = (JSON.parse(request.body.toString('utf8')) as { KeyId: string }).KeyId;
  return expectFields(reply, (b) => [(typeof b.KeyId === 'string' && b.KeyId.endsWith(`/${sent}`)) || `KeyId ${String(b.KeyId)}`]);
}

function nearestPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

function reproduceCommands(): { npm: string; node: string } {
  const args = process.argv.slice(2).map((a) => (/^[\w.,=/-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return { npm: ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' '), node: ['node dist/test/bench/run.js', ...args].join(' ') };
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`bench: failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
