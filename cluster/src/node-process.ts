import { mkdirSync } from 'node:fs';
import { nodeUrl } from './cluster-status';
import { requestJson } from './http-json';
import { dataLayout } from './paths';
import { SupervisedProcess } from './supervised-process';

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
 * One node of a Region as a child process (see {@link SupervisedProcess}: its own process group,
 * stdout and stderr straight to its log file). A node that exited can be started again: same
 * ports, data directory and environment.
 */
export class NodeProcess extends SupervisedProcess {
  readonly url: string;
  readonly nodeDir: string;

  constructor(readonly options: NodeProcessOptions) {
    super(dataLayout.nodeLog(options.dataDir, options.region, options.nodeId));
    this.url = nodeUrl(options.host, options.port);
    this.nodeDir = dataLayout.nodeDir(options.dataDir, options.region, options.nodeId);
  }

  override get name(): string {
    return `${this.options.region} node-${this.options.nodeId}`;
  }

  /**
   * Spawns the node; again after an exit, never while it runs. `raftPeers`: the Region's members
   * now. `join`: the node joins a running Region (TRENT_RAFT_JOIN=1), starting as a learner until
   * the leader adds it; once added, its own Raft log holds its membership and a restart needs no flag.
   */
  start(launch: { readonly raftPeers?: string; readonly join?: boolean } = {}): void {
    this.assertNotRunning();
    const { region, nodeId, host, port, raftPort, dataDir, identitiesFile, entryPoint, devMode, logLevel, env } = this.options;
    const { natsUrl, replicationKeyFile, replicationTrustFile } = this.options;
    const { raftPeers = this.options.raftPeers, join = false } = launch;
    mkdirSync(this.nodeDir, { recursive: true });
    mkdirSync(dataLayout.logsDir(dataDir), { recursive: true });
    this.spawnLogged(process.execPath, [entryPoint], {
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
    });
  }

  async isHealthy(timeoutMs = 1_000): Promise<boolean> {
    try {
      const res = await requestJson(`${this.url}/_trent/health`, { timeoutMs });
      return res.status === 200;
    } catch {
      return false;
    }
  }
}
