import { KMSClient } from '@aws-sdk/client-kms';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../../cluster/test-fixtures/fake-cluster';
import { childPidsOf } from './proc';

// The suites import freePort from here too; it shares its claiming with the launcher tests' port blocks.
export { freePort };

/** The repository root, whether this file runs from source (jest) or compiled under dist/. */
export const REPO_ROOT = findRepoRoot(__dirname);
const NODE_MAIN = join(REPO_ROOT, 'dist/apps/node/src/main.js');

export interface TrentNodeOptions {
  region?: string;
  /** Reuse a data directory (restart tests); a fresh temporary one otherwise. */
  dataRoot?: string;
  identitiesFile?: string;
  devMode?: boolean;
  port?: number;
  /** Node id within the Region (default '1'). */
  nodeId?: string;
  /** Extra environment for the node (e.g. TRENT_WORKERS). */
  env?: Record<string, string>;
}

/** A real node process (dist/apps/node), as the launcher starts it. For e2e suites and benchmarks. */
export class TrentNode {
  private constructor(
    readonly endpoint: string,
    readonly port: number,
    readonly region: string,
    readonly dataRoot: string,
    readonly logFile: string,
    private child: ChildProcess,
    private readonly ownsData: boolean,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(opts: TrentNodeOptions = {}): Promise<TrentNode> {
    if (!existsSync(NODE_MAIN)) throw new Error(`${NODE_MAIN} is missing: run npm run build first (npm test does it)`);
    const region = opts.region ?? 'us-east-1';
    const dataRoot = opts.dataRoot ?? mkdtempSync(join(tmpdir(), 'trent-e2e-'));
    const port = opts.port ?? (await freePort());
    const logFile = join(dataRoot, `node-${port}.log`);
    const nodeId = opts.nodeId ?? '1';
    const env = {
      ...process.env,
      TRENT_REGION: region,
      TRENT_NODE_ID: nodeId,
      TRENT_PORT: String(port),
      TRENT_DATA_DIR: join(dataRoot, region, `node-${nodeId}`),
      TRENT_DOMAIN_KEY_FILE: join(dataRoot, region, 'domain.key'),
      TRENT_DEV_MODE: opts.devMode === false ? '0' : '1',
      TRENT_LOG_LEVEL: 'info',
      ...(opts.identitiesFile ? { TRENT_IDENTITIES_FILE: opts.identitiesFile } : {}),
      ...opts.env,
    };
    const node = new TrentNode(`http://127.0.0.1:${port}`, port, region, dataRoot, logFile, spawnNode(env, logFile), opts.dataRoot === undefined, env);
    await node.waitHealthyOrKill();
    return node;
  }

  /** Starts the process again after it stopped (same ports, data and environment). */
  async restart(): Promise<void> {
    if (this.alive) throw new Error('the node is still running');
    this.child = spawnNode(this.env, this.logFile);
    await this.waitHealthyOrKill();
  }

  /** SIGSTOP / SIGCONT to the node's primary and its workers (a process pause, as a GC or VM stall). */
  pause(paused: boolean): void {
    const signal = paused ? 'SIGSTOP' : 'SIGCONT';
    for (const pid of [this.pid, ...childPidsOf(this.pid)]) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
  }

  /**
   * SIGKILL to the node's workers and primary at once, synchronously (for exit handlers). Workers
   * go first: a worker stopped by SIGSTOP would never notice its primary's death.
   */
  kill(): void {
    if (!this.alive) return;
    for (const pid of [...childPidsOf(this.pid), this.pid]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  }

  client(region = this.region, credentials = { accessKeyId: 'test', secretAccessKey: 'test' }): KMSClient {
    return new KMSClient({ region, endpoint: this.endpoint, credentials, maxAttempts: 1 });
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Graceful stop (SIGTERM), or a crash (SIGKILL). Resolves once the process has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill(signal);
    await withTimeout(exited, 10_000, 'node did not exit');
  }

  /** Stops and removes the data directory when this node created it. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    if (this.ownsData && process.env.TRENT_E2E_KEEP !== "1") rmSync(this.dataRoot, { recursive: true, force: true });
  }

  /** A node that never became healthy is not left running. */
  private async waitHealthyOrKill(): Promise<void> {
    try {
      await this.waitHealthy();
    } catch (e) {
      this.kill();
      throw e;
    }
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`node exited during start-up:\n${this.log()}`);
      try {
        const res = await fetch(`${this.endpoint}/_trent/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`node not healthy after 20 s:\n${this.log()}`);
  }
}

function spawnNode(env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, [NODE_MAIN], { env, stdio: ['ignore', out, out] });
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn`, expecting an AWS error; returns its name, message and HTTP status. */
export async function awsError(fn: () => Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await fn();
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected an AWS error, got success');
}

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'nest-cli.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no Trent repository above ${from}`);
  }
}
