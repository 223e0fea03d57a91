import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { memberStatus, MemberStatus } from './etcd-gateway';

export interface EtcdClusterOptions {
  /** Owned by the cluster: created when missing, removed by dispose() and when this process exits. */
  dir: string;
  members?: number;
  /** Member i serves clients on basePort + 2i and peers on basePort + 2i + 1; free ports are picked when omitted. */
  basePort?: number;
  /** The etcd executable, looked up on PATH unless a path is given. */
  binary?: string;
  startTimeoutMs?: number;
}

const DEFAULT_MEMBERS = 3;
const DEFAULT_START_TIMEOUT_MS = 30_000;
const POLL_MS = 50;
const STATUS_TIMEOUT_MS = 500;
const LOG_TAIL_LINES = 20;

interface Member {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** Learned from the member's first status reply; etcd derives it from the name, peer URL and cluster token. */
  id?: string;
  process?: ChildProcess;
  /** Settles when the current process exits (or fails to spawn). */
  exited?: Promise<void>;
  spawnError?: Error;
}

/** Clusters not yet disposed; their processes are killed however this process ends (see the exit hook below). */
const undisposed = new Set<EtcdCluster>();
process.on('exit', () => {
  for (const cluster of undisposed) cluster.disposeSync();
});

/**
 * A real etcd cluster of separate `etcd` processes on 127.0.0.1, each with its own ports, data
 * directory and log file (`<dir>/<name>/etcd.log`), for benchmarks to compare Trent against.
 * Raft timing is etcd's own default (heartbeat 100 ms, election timeout 1000 ms): none is passed.
 */
export class EtcdCluster {
  /** Client URL of each member, by index. */
  readonly endpoints: readonly string[];
  private disposed = false;

  private constructor(
    readonly dir: string,
    private readonly members: Member[],
    private readonly initialCluster: string,
    private readonly token: string,
    private readonly binary: string,
  ) {
    this.endpoints = members.map((m) => m.clientUrl);
  }

  static async start(opts: EtcdClusterOptions): Promise<EtcdCluster> {
    const count = opts.members ?? DEFAULT_MEMBERS;
    if (!Number.isInteger(count) || count < 1) throw new Error(`an etcd cluster needs at least one member, got ${count}`);
    const ports = opts.basePort !== undefined ? Array.from({ length: 2 * count }, (_, k) => opts.basePort! + k) : await freePorts(2 * count);
    const members: Member[] = Array.from({ length: count }, (_, i) => {
      const name = `m${i}`;
      return {
        name,
        clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
        peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
        dataDir: join(opts.dir, name, 'data'),
        logFile: join(opts.dir, name, 'etcd.log'),
      };
    });
    const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    // A token of its own, so that no member of another run (a leftover on the same ports) can join.
    const token = `trent-bench-${randomBytes(6).toString('hex')}`;
    const cluster = new EtcdCluster(opts.dir, members, initialCluster, token, opts.binary ?? 'etcd');
    undisposed.add(cluster);
    try {
      for (const m of members) mkdirSync(join(opts.dir, m.name), { recursive: true });
      members.forEach((_, i) => cluster.spawnMember(i, 'new'));
      await cluster.waitUntil(opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, 'the cluster to elect a leader', async () => {
        await Promise.all(members.map(async (m, i) => (m.id ??= (await cluster.statusOf(i)).header.member_id)));
        return (await cluster.agreedLeader()) !== undefined;
      });
      return cluster;
    } catch (e) {
      await cluster.dispose();
      throw e;
    }
  }

  get size(): number {
    return this.members.length;
  }

  isAlive(i: number): boolean {
    const p = this.member(i).process;
    return p !== undefined && p.exitCode === null && p.signalCode === null && this.member(i).spawnError === undefined;
  }

  pid(i: number): number | undefined {
    return this.isAlive(i) ? this.member(i).process!.pid : undefined;
  }

  /**
   * Index of the leader that a majority of all members names, once there is one and it is alive;
   * a member that lost its leader keeps naming it until an election timeout, so a single answer is not enough.
   */
  async leader(timeoutMs = 15_000): Promise<number> {
    let found: number | undefined;
    await this.waitUntil(timeoutMs, 'a leader that a majority agrees on', async () => (found = await this.agreedLeader()) !== undefined);
    return found!;
  }

  /** kill -9 of member i; returns as soon as the signal is sent (restart() waits for the exit). */
  kill(i: number): void {
    if (!this.isAlive(i)) throw new Error(`${this.member(i).name} is not running`);
    this.member(i).process!.kill('SIGKILL');
  }

  /**
   * Starts member i again on its data directory (it rejoins with --initial-cluster-state existing)
   * and resolves once it follows a leader the majority agrees on and has applied everything that
   * leader had in its log when the member first answered.
   */
  async restart(i: number, timeoutMs = 30_000): Promise<void> {
    const m = this.member(i);
    if (this.isAlive(i)) throw new Error(`${m.name} is still running; kill it first`);
    await m.exited;
    this.spawnMember(i, 'existing');
    let target: number | undefined;
    await this.waitUntil(timeoutMs, `${m.name} to rejoin and catch up`, async () => {
      const own = await this.statusOf(i);
      if (own.leader === '0') return false;
      if (target === undefined) {
        const leader = await this.agreedLeader();
        if (leader === undefined) return false;
        target = Number((await this.statusOf(leader)).raftIndex);
      }
      return Number(own.raftAppliedIndex) >= target && (await this.agreedLeader()) !== undefined;
    });
  }

  /** The last lines of member i's log (stdout and stderr of every process it has had). */
  logTail(i: number, lines = LOG_TAIL_LINES): string {
    const file = this.member(i).logFile;
    if (!existsSync(file)) return `(no log at ${file})`;
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l))
      .join('\n');
  }

  /** Kills every member, waits for the exits and removes the directory. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    for (let i = 0; i < this.size; i++) if (this.isAlive(i)) this.member(i).process!.kill('SIGKILL');
    await Promise.all(this.members.map((m) => m.exited));
    this.disposeSync();
  }

  /** For the exit hook: SIGKILL and rmSync only, nothing asynchronous. */
  disposeSync(): void {
    if (this.disposed) return;
    this.disposed = true;
    undisposed.delete(this);
    for (let i = 0; i < this.size; i++) {
      if (this.isAlive(i)) {
        try {
          this.member(i).process!.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private member(i: number): Member {
    const m = this.members[i];
    if (!m) throw new Error(`no member ${i} in a cluster of ${this.size}`);
    return m;
  }

  private statusOf(i: number): Promise<MemberStatus> {
    return memberStatus(this.member(i).clientUrl, STATUS_TIMEOUT_MS);
  }

  private async agreedLeader(): Promise<number | undefined> {
    const alive = this.members.map((_, i) => i).filter((i) => this.isAlive(i));
    const replies = await Promise.allSettled(alive.map((i) => this.statusOf(i)));
    const votes = new Map<string, number>();
    for (const r of replies) if (r.status === 'fulfilled' && r.value.leader !== '0') votes.set(r.value.leader, (votes.get(r.value.leader) ?? 0) + 1);
    const quorum = Math.floor(this.size / 2) + 1;
    for (const [id, n] of votes) {
      const i = this.members.findIndex((m) => m.id === id);
      if (n >= quorum && i >= 0 && this.isAlive(i)) return i;
    }
    return undefined;
  }

  private spawnMember(i: number, state: 'new' | 'existing'): void {
    const m = this.member(i);
    const args = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=${m.clientUrl}`,
      `--advertise-client-urls=${m.clientUrl}`,
      `--listen-peer-urls=${m.peerUrl}`,
      `--initial-advertise-peer-urls=${m.peerUrl}`,
      `--initial-cluster=${this.initialCluster}`,
      `--initial-cluster-token=${this.token}`,
      `--initial-cluster-state=${state}`,
      '--logger=zap',
      '--log-outputs=stderr',
    ];
    // etcd reads ETCD_* variables as flags and refuses to start when one shadows a flag given here.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD_')));
    const log = openSync(m.logFile, 'a');
    try {
      m.spawnError = undefined;
      const child = spawn(this.binary, args, { env, stdio: ['ignore', log, log] });
      m.process = child;
      m.exited = new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.once('error', (e) => {
          m.spawnError = e;
          resolve();
        });
      });
    } finally {
      closeSync(log); // the child holds its own copy
    }
  }

  /** Polls `ready` until it holds; fails at once, with the log tail, when a member dies meanwhile. */
  private async waitUntil(timeoutMs: number, what: string, ready: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    const expected = this.members.map((_, i) => this.isAlive(i));
    for (;;) {
      for (let i = 0; i < this.size; i++) if (expected[i] && !this.isAlive(i)) throw new Error(`while waiting for ${what}, ${this.exitReason(i)}`);
      try {
        if (await ready()) return;
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (Date.now() >= deadline) {
        const tails = this.members.map((m, i) => `--- ${m.name} (${this.isAlive(i) ? 'running' : 'not running'}), ${m.logFile}:\n${this.logTail(i)}`);
        throw new Error(`no ${what} within ${timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ''}\n${tails.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private exitReason(i: number): string {
    const m = this.member(i);
    const e = m.spawnError as NodeJS.ErrnoException | undefined;
    if (e?.code === 'ENOENT') return `there is no '${this.binary}' to run: install etcd (Debian: apt-get install -y etcd-server)`;
    if (e) return `${m.name} could not be started: ${e.message}`;
    const p = m.process!;
    return `${m.name} exited (${p.signalCode ?? `code ${p.exitCode}`}); the end of ${m.logFile}:\n${this.logTail(i)}`;
  }
}

/** n distinct free TCP ports on 127.0.0.1, all held open until every one is known. */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let k = 0; k < n; k++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}
