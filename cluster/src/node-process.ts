import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { nodeUrl } from './cluster-status';
import { requestJson } from './http-json';
import { readLogTail } from './log-tail';
import { dataLayout } from './paths';

export interface NodeProcessOptions {
  readonly region: string;
  readonly nodeId: string;
  readonly host: string;
  readonly port: number;
  readonly raftPort: number;
  /**
   * Every member of the Region, this node included: `1=127.0.0.1:5567,2=127.0.0.1:5568`. The
   * default; {@link NodeProcess.start} takes the current list when membership has changed.
   */
  readonly raftPeers: string;
  readonly dataDir: string;
  readonly identitiesFile: string;
  readonly entryPoint: string;
  readonly devMode: boolean;
  readonly logLevel: string;
  /** The Region's nats-server (TRENT_NATS_URL), `nats://127.0.0.1:6566`. */
  readonly natsUrl?: string;
  /** TRENT_REPLICATION_KEY_FILE and TRENT_REPLICATION_TRUST_FILE (see replication-keys.ts). */
  readonly replicationKeyFile?: string;
  readonly replicationTrustFile?: string;
  /** Added to the inherited environment (tests use it to steer the fake node). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface NodeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The signals the supervisor passes on to a node on request (`trent kill|stop|pause|resume`). */
export const NODE_SIGNALS = ['SIGKILL', 'SIGTERM', 'SIGSTOP', 'SIGCONT'] as const;
export type NodeSignal = (typeof NODE_SIGNALS)[number];

/**
 * One node of a Region as a child process. Its stdout and stderr go straight to its log file
 * (the child holds the file descriptor, so logging costs the supervisor nothing and survives it).
 * A node that exited can be started again: same ports, data directory and environment.
 */
export class NodeProcess {
  readonly url: string;
  readonly logFile: string;
  readonly nodeDir: string;
  private child: ChildProcess | undefined;
  private exitInfo: NodeExit | undefined;
  private exitPromise: Promise<NodeExit> | undefined;
  /** Where this run's output starts in the (appended) log file. */
  private logStart = 0;
  private stopped = false;

  constructor(readonly options: NodeProcessOptions) {
    this.url = nodeUrl(options.host, options.port);
    this.logFile = dataLayout.nodeLog(options.dataDir, options.region, options.nodeId);
    this.nodeDir = dataLayout.nodeDir(options.dataDir, options.region, options.nodeId);
  }

  get name(): string {
    return `${this.options.region} node-${this.options.nodeId}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): NodeExit | undefined {
    return this.exitInfo;
  }

  /** Started and not exited. */
  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /** Running but stopped with SIGSTOP. */
  get paused(): boolean {
    return this.running && this.stopped;
  }

  /** Resolves when the process has exited (immediately if it already has). */
  whenExited(): Promise<NodeExit> {
    if (!this.exitPromise) return Promise.resolve(this.exitInfo ?? { code: null, signal: null });
    return this.exitPromise;
  }

  /**
   * Spawns the node; again after an exit, never while it runs. `raftPeers`: the Region's members
   * now. `join`: the node joins a running Region (TRENT_RAFT_JOIN=1), starting as a learner until
   * the leader adds it; once added, its own Raft log holds its membership and a restart needs no flag.
   */
  start(launch: { readonly raftPeers?: string; readonly join?: boolean } = {}): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const { region, nodeId, host, port, raftPort, dataDir, identitiesFile, entryPoint, devMode, logLevel, env } = this.options;
    const { natsUrl, replicationKeyFile, replicationTrustFile } = this.options;
    const { raftPeers = this.options.raftPeers, join = false } = launch;
    this.exitInfo = undefined;
    this.stopped = false;
    mkdirSync(this.nodeDir, { recursive: true });
    mkdirSync(dataLayout.logsDir(dataDir), { recursive: true });
    const log = openSync(this.logFile, 'a');
    try {
      this.logStart = fstatSync(log).size;
      this.child = spawn(process.execPath, [entryPoint], {
        env: {
          ...process.env,
          ...env,
          TRENT_REGION: region,
          TRENT_NODE_ID: nodeId,
          TRENT_HOST: host,
          TRENT_PORT: String(port),
          TRENT_RAFT_PORT: String(raftPort),
          TRENT_RAFT_PEERS: raftPeers,
          TRENT_RAFT_JOIN: join ? '1' : '0',
          TRENT_DATA_DIR: this.nodeDir,
          TRENT_DOMAIN_KEY_FILE: dataLayout.domainKeyFile(dataDir, region),
          TRENT_IDENTITIES_FILE: identitiesFile,
          TRENT_DEV_MODE: devMode ? '1' : '0',
          TRENT_LOG_LEVEL: logLevel,
          ...(natsUrl ? { TRENT_NATS_URL: natsUrl } : {}),
          ...(replicationKeyFile ? { TRENT_REPLICATION_KEY_FILE: replicationKeyFile } : {}),
          ...(replicationTrustFile ? { TRENT_REPLICATION_TRUST_FILE: replicationTrustFile } : {}),
        },
        stdio: ['ignore', log, log],
        // Own process group: a Ctrl-C at the terminal reaches the supervisor alone, which then
        // stops the nodes in order instead of racing them.
        detached: true,
      });
    } finally {
      closeSync(log);
    }
    const child = this.child;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', () => {
        this.exitInfo ??= { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  /**
   * Passes a signal on and keeps track of SIGSTOP/SIGCONT. SIGTERM to a paused node is followed by
   * SIGCONT, or it would wait, stopped, for a resume before it could shut down.
   */
  send(signal: NodeSignal): void {
    if (!this.running) return;
    this.signal(signal);
    if (signal === 'SIGSTOP') this.stopped = true;
    if (signal === 'SIGCONT') this.stopped = false;
    if (signal === 'SIGTERM' && this.stopped) {
      this.signal('SIGCONT');
      this.stopped = false;
    }
  }

  async isHealthy(timeoutMs = 1_000): Promise<boolean> {
    try {
      const res = await requestJson(`${this.url}/_trent/health`, { timeoutMs });
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** SIGTERM, then SIGKILL if the node is still there after `graceMs`. */
  async stop(graceMs: number): Promise<NodeExit> {
    if (!this.child || this.exitInfo) return this.whenExited();
    this.send('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.whenExited();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Immediate SIGKILL (a second Ctrl-C, or a supervisor on its way out). */
  kill(): void {
    if (this.child && !this.exitInfo) this.signal('SIGKILL');
  }

  /** The last lines this run wrote to its log. */
  logTail(lines = 20): string {
    return readLogTail(this.logFile, this.logStart, lines);
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      this.child?.kill(signal);
    } catch {
      // Already gone.
    }
  }
}
