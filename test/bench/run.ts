/**
 * `npm run bench`: Trent's Encrypt, Decrypt and GenerateDataKey over HTTP, beside a bare Fastify
 * JSON endpoint measured in the same run on the same machine, plus an in-process crypto
 * micro-benchmark. Prints a Markdown report and writes it as JSON to dist/bench/results.json.
 *
 * Both servers run as child processes and the load generator (autocannon) runs here. Every
 * request is signed by @aws-sdk/client-kms before its case starts and replayed as is, so no CPU
 * goes to signing while a case is measured: on a 2-core machine the generator and the server
 * already share the cores. Trent's figures are reported as a ratio to the baseline because
 * absolute figures on a shared machine mean little.
 */
import { CreateKeyCommand, DecryptCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CIPHERTEXT_OVERHEAD } from '@trent/crypto';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT as SUPPORT_REPO_ROOT, TrentNode } from '../support/trent-node';
import { BareFastifyProcess } from './bare-fastify-process';
import { PROFILE_DIR_VARIABLE, START_SIGNAL } from './cpu-profiler.preload';
import { BenchOptions, BenchOptionsError, parseBenchOptions, TrentCase, USAGE } from './bench-options';
import { summariseCpuProfile, ProfileSummary } from './cpu-profile-summary';
import { runCryptoMicro } from './crypto-micro';
import { LoadResult, Reply, runLoad, stopLoad, verifyEach } from './http-load';
import { BenchReport, ENCRYPT_TARGET_RATIO, HttpRow, httpRow, renderMarkdown } from './report';
import { SignedRequest, SignedRequestRecorder } from './signed-request-recorder';

const POOL_SIZE = 256;
const PLAINTEXT_BYTES = 1024;
const DATA_KEY_BYTES = 32; // AES_256
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
// This file runs from dist/test/bench, so the repository is the nearest ancestor with a package.json.
const REPO_ROOT = nearestPackageRoot(__dirname);
const RESULTS_FILE = join(REPO_ROOT, 'dist/bench/results.json');
// Trent accepts an x-amz-date up to 15 minutes old. A pool is re-signed before a case unless every
// signature in it stays current through the whole case with this much to spare.
const SIGNATURE_LIFETIME_MS = 15 * 60_000;
const SIGNATURE_MARGIN_MS = 2 * 60_000;

// ---- processes this bench owns; killed on every way out (normal end, error, Ctrl-C, deadline) ----

interface OwnedProcess {
  readonly pid: number;
  readonly alive: boolean;
}
const owned = new Set<OwnedProcess>();
const ownedDirs = new Set<string>();

process.on('exit', () => {
  for (const child of owned) {
    if (!child.alive) continue;
    try {
      process.kill(child.pid, 'SIGKILL');
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

// ---- signed request pools ----

/** A pool of signed requests for one kind of call, re-signed when its signatures would expire mid-case. */
class SignedPool {
  private requests: SignedRequest[] = [];
  private signedAt = 0;

  constructor(private readonly sign: () => Promise<SignedRequest[]>) {}

  async currentFor(caseMs: number): Promise<SignedRequest[]> {
    if (this.requests.length === 0 || Date.now() + caseMs + SIGNATURE_MARGIN_MS > this.signedAt + SIGNATURE_LIFETIME_MS) {
      this.signedAt = Date.now(); // Invariant: no request in the pool is dated before signedAt.
      this.requests = await this.sign();
    }
    return this.requests;
  }
}

interface HttpCase {
  name: string;
  url: string;
  pool: SignedPool;
  /** undefined when the reply is the right one for request `i`. */
  check: (reply: Reply, request: SignedRequest, i: number) => string | undefined;
}

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
  const caseMs = (options.warmupS + options.durationS) * 1000;
  const measuredCases = options.only.length + 2; // plus the baseline, before and after
  // Hard bound on the whole run: start-up and set-up, then each case with slack for its checks.
  const budgetMs = 60_000 + measuredCases * (caseMs + 10_000);
  setTimeout(() => abort(`time budget of ${Math.round(budgetMs / 1000)} s exceeded; stopping`, 124), budgetMs).unref();
  progress(`${measuredCases} cases × (${options.warmupS} s warm-up + ${options.durationS} s), ${options.connections} connections; expect about ${Math.round((measuredCases * caseMs) / 1000 + 10)} s`);

  progress('in-process crypto micro-benchmark (before any server starts)…');
  const micro = runCryptoMicro(await sampleEncryptRequest());

  const profileDir = options.cpuProf ? join(REPO_ROOT, 'dist/bench', `cpu-prof-${date.replace(/[:.]/g, '-')}`) : undefined;
  progress('starting a Trent node…');
  const node = await startNode(profileDir);
  progress('starting the bare Fastify baseline…');
  const fastify = await BareFastifyProcess.start();
  owned.add(fastify);

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
    };
    const checks: Record<TrentCase, HttpCase['check']> = {
      encrypt: (reply) => expectFields(reply, (b) => [blobLength(b.CiphertextBlob, PLAINTEXT_BYTES + CIPHERTEXT_OVERHEAD), b.KeyId === arn || `KeyId ${String(b.KeyId)}`]),
      decrypt: (reply, _, i) => expectFields(reply, (b) => [b.Plaintext === plaintexts[i]!.toString('base64') || 'Plaintext is not what was encrypted', b.KeyId === arn || `KeyId ${String(b.KeyId)}`]),
      gdk: (reply) =>
        expectFields(reply, (b) => [blobLength(b.Plaintext, DATA_KEY_BYTES), blobLength(b.CiphertextBlob, DATA_KEY_BYTES + CIPHERTEXT_OVERHEAD), b.KeyId === arn || `KeyId ${String(b.KeyId)}`]),
    };
    const names: Record<TrentCase, string> = { encrypt: 'Trent Encrypt', decrypt: 'Trent Decrypt', gdk: 'Trent GenerateDataKey' };
    // The baseline gets the Encrypt pool's very bytes; it answers with the KeyId it parsed.
    const baseline: HttpCase = {
      name: 'bare Fastify',
      url: fastify.endpoint,
      pool: encryptPool,
      check: (reply, req) => {
        const sentKeyId = (JSON.parse(req.body.toString('utf8')) as { KeyId: string }).KeyId;
        return expectFields(reply, (b) => [typeof b.KeyId === 'string' && b.KeyId.endsWith(`/${sentKeyId}`) || `KeyId ${String(b.KeyId)}`]);
      },
    };

    const first = await measure(baseline, options);
    const baselineRps = first.result.requestsPerS;
    const rows: HttpRow[] = [httpRow(baseline.name, first.result, baselineRps, first.problems)];
    if (profileDir) process.kill(node.pid, START_SIGNAL); // profile the Trent cases only
    for (const c of options.only) {
      const m = await measure({ name: names[c], url: node.endpoint, pool: pools[c], check: checks[c] }, options);
      rows.push(httpRow(names[c], m.result, baselineRps, m.problems));
    }
    const again = await measure(baseline, options);
    const againRow = httpRow(`${baseline.name} (again)`, again.result, baselineRps, again.problems);

    // The second baseline row is shown only when it has errors to report; otherwise it is the drift line.
    if (againRow.errors > 0) rows.push(againRow);

    const cpuProfile = profileDir ? await stopAndSummarise(node, profileDir) : undefined;
    const encryptRow = rows.find((r) => r.case === names.encrypt);
    const valid = rows.every((r) => r.errors === 0);
    const report: BenchReport = {
      date,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', platform: `${platform()} ${arch()}`, node: process.version, loadAverageAtStart: loadAtStart },
      command: reproduceCommands(),
      load: { tool: 'autocannon 8', connections: options.connections, warmupS: options.warmupS, durationS: options.durationS, requestsPerPool: POOL_SIZE },
      http: rows,
      baselineRemeasured: againRow.errors === 0 ? { requestsPerS: againRow.requestsPerS, drift: againRow.requestsPerS / baselineRps - 1 } : undefined,
      encryptTarget: encryptRow ? { ratio: encryptRow.ratioToFastify, met: encryptRow.ratioToFastify >= ENCRYPT_TARGET_RATIO } : undefined,
      micro,
      cpuProfile,
      valid,
    };

    process.stdout.write(`\n${renderMarkdown(report)}`);
    mkdirSync(join(REPO_ROOT, 'dist/bench'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    progress(`wrote ${RESULTS_FILE}`);
    return valid ? 0 : 1;
  } finally {
    recorder.destroy();
    client.destroy();
    await fastify.dispose();
    await node.dispose();
    ownedDirs.delete(node.dataRoot);
  }
}

/** Verifies every reply of the pool, then warms up, then measures; a pool that fails its checks is not measured. */
async function measure(c: HttpCase, options: BenchOptions): Promise<{ result: LoadResult; problems: string[] }> {
  const caseMs = (options.warmupS + options.durationS) * 1000;
  const requests = await c.pool.currentFor(caseMs + 30_000);
  const problems = await verifyEach(c.url, requests, (reply, i) => c.check(reply, requests[i]!, i));
  if (problems.length > 0) {
    progress(`${c.name}: ${problems.length} of ${requests.length} replies are wrong; NOT measuring it. First: ${problems.slice(0, 3).join(' | ')}`);
    return { result: notMeasured(), problems };
  }
  const run = { url: c.url, requests, connections: options.connections };
  if (options.warmupS > 0) {
    progress(`${c.name}: warm-up ${options.warmupS} s…`);
    await runLoad({ ...run, durationS: options.warmupS });
  }
  progress(`${c.name}: measuring ${options.durationS} s…`);
  const result = await runLoad({ ...run, durationS: options.durationS });
  const bad = result.non2xx + result.errors;
  progress(`${c.name}: ${result.requestsPerS.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms${bad > 0 ? `, ${bad} ERRORS ${JSON.stringify(result.statusCodes)}` : ''}`);
  return { result, problems };
}

function notMeasured(): LoadResult {
  return { requestsPerS: NaN, p50Ms: NaN, p99Ms: NaN, completed: 0, non2xx: 0, errors: 0, timeouts: 0, statusCodes: {}, elapsedS: 0 };
}

async function startNode(profileDir: string | undefined): Promise<TrentNode> {
  if (SUPPORT_REPO_ROOT !== REPO_ROOT) {
    // TrentNode looks for dist/apps/node under its REPO_ROOT; compiled to dist/test/support, '../..' is dist/ itself.
    throw new Error(`test/support/trent-node.ts takes ${SUPPORT_REPO_ROOT} for the repository root when run from dist/ (it is ${REPO_ROOT}), so it cannot find the node; its REPO_ROOT must hold when compiled too`);
  }
  // TrentNode hands the node this process's environment, so the profiler goes in through NODE_OPTIONS.
  const saved = { options: process.env.NODE_OPTIONS, dir: process.env[PROFILE_DIR_VARIABLE] };
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    process.env.NODE_OPTIONS = `${saved.options ?? ''} --require ${join(__dirname, 'cpu-profiler.preload.js')}`.trim();
    process.env[PROFILE_DIR_VARIABLE] = profileDir;
  }
  try {
    const node = await TrentNode.start();
    owned.add(node);
    ownedDirs.add(node.dataRoot);
    return node;
  } finally {
    restoreEnv('NODE_OPTIONS', saved.options);
    restoreEnv(PROFILE_DIR_VARIABLE, saved.dir);
  }
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

/** Parses a 200 JSON reply and runs field checks, each `true` or a description of what is wrong. */
function expectFields(reply: Reply, fields: (body: Record<string, unknown>) => Array<true | string>): string | undefined {
  const text = reply.body.toString('utf8');
  if (reply.status !== 200) return `HTTP ${reply.status}: ${text.slice(0, 200)}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `not JSON: ${text.slice(0, 200)}`;
  }
  const wrong = fields(body).filter((f): f is string => f !== true);
  return wrong.length > 0 ? wrong.join(', ') : undefined;
}

function blobLength(value: unknown, bytes: number): true | string {
  if (typeof value !== 'string') return `expected a base64 blob, got ${typeof value}`;
  const got = Buffer.from(value, 'base64').length;
  return got === bytes || `blob of ${got} bytes, expected ${bytes}`;
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
