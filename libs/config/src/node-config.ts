import { availableParallelism } from 'node:os';
import * as path from 'node:path';

/** Everything a node process is told at start. Read once from the environment, validated, frozen. */
export interface NodeConfig {
  readonly region: string;
  readonly nodeId: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly domainKeyFile: string;
  /** JSON identities file; undefined means the built-in dev identity test/test. */
  readonly identitiesFile?: string;
  /** Enables the admin routes that move cluster time. Never on in production use. */
  readonly devMode: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** HTTP worker processes, each serving reads and crypto from a replica of the applied state. */
  readonly workers: number;
  readonly raft: RaftConfig;
  /** Multi-Region replication; undefined when TRENT_NATS_URL is unset (the node then replicates nothing). */
  readonly replication?: ReplicationConfig;
}

/** Where the node reaches its Region's NATS server, and the keys it seals, signs and verifies with. */
export interface ReplicationConfig {
  /** nats://host:port of this Region's own NATS server. */
  readonly natsUrl: string;
  /** This Region's replication key pair (JSON; see libs/replication). */
  readonly keyFile: string;
  /** Every trusted Region's public keys (JSON); its Regions are where mrk- keys may be replicated. */
  readonly trustFile: string;
}

/** The node's place in its Region's Raft group. */
export interface RaftConfig {
  /** Where this node listens for its peers. */
  readonly host: string;
  readonly port: number;
  /** Every voter of the Region (this node included), by node id. One entry: a single-node Region. */
  readonly peers: Readonly<Record<string, { host: string; port: number }>>;
  /** Milliseconds per Raft tick; a heartbeat goes out every tick. */
  readonly tickMs: number;
  /** Base election timeout in ticks (randomized in [T, 2T)). */
  readonly electionTicks: number;
  /** The log is compacted once it holds this many applied entries beyond the trailing window. */
  readonly compactAfter: number;
  /** Applied entries kept behind the compaction point. */
  readonly trailingEntries: number;
  /**
   * This node joins a running Region: it starts as a learner beside `peers` (the current
   * members) and waits for the leader to add and promote it (`POST /_trent/raft/members`).
   */
  readonly join: boolean;
}

const REGION_PATTERN = /^([a-z]+-){2,3}\d+$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Parses the TRENT_* variables; throws one ConfigError naming every bad variable. */
export function loadNodeConfig(env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') problems.push(`${name} is required`);
    return v ?? '';
  };

  const region = required('TRENT_REGION');
  if (region && !REGION_PATTERN.test(region)) problems.push(`TRENT_REGION='${region}' is not a Region name like us-east-1`);

  const nodeId = env.TRENT_NODE_ID ?? '1';
  if (!/^[1-9][0-9]{0,2}$/.test(nodeId)) problems.push(`TRENT_NODE_ID='${nodeId}' must be a number from 1 to 999`);

  const portText = env.TRENT_PORT ?? '4567';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`TRENT_PORT='${portText}' must be a port number`);

  const dataDir = required('TRENT_DATA_DIR');
  const domainKeyFile = env.TRENT_DOMAIN_KEY_FILE || (dataDir ? path.join(dataDir, '..', 'domain.key') : '');

  const logLevel = (env.TRENT_LOG_LEVEL ?? 'info') as NodeConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`TRENT_LOG_LEVEL='${logLevel}' must be one of ${LOG_LEVELS.join(', ')}`);

  const devText = env.TRENT_DEV_MODE ?? '0';
  if (!['0', '1', 'true', 'false'].includes(devText)) problems.push(`TRENT_DEV_MODE='${devText}' must be 0 or 1`);

  const workersText = env.TRENT_WORKERS ?? String(Math.min(availableParallelism(), 4));
  const workers = Number(workersText);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) problems.push(`TRENT_WORKERS='${workersText}' must be a number from 1 to 64`);

  const raftPortText = env.TRENT_RAFT_PORT ?? String(port + 1000);
  const raftPort = Number(raftPortText);
  if (!Number.isInteger(raftPort) || raftPort < 0 || raftPort > 65535) problems.push(`TRENT_RAFT_PORT='${raftPortText}' must be a port number`);
  const raftHost = env.TRENT_HOST || '127.0.0.1';
  const peers = parsePeers(env.TRENT_RAFT_PEERS, nodeId, { host: raftHost, port: raftPort }, problems);

  const tickText = env.TRENT_RAFT_TICK_MS ?? '50';
  const tickMs = Number(tickText);
  if (!Number.isInteger(tickMs) || tickMs < 1 || tickMs > 10_000) problems.push(`TRENT_RAFT_TICK_MS='${tickText}' must be a number of milliseconds from 1 to 10000`);
  const electionText = env.TRENT_RAFT_ELECTION_TICKS ?? '10';
  const electionTicks = Number(electionText);
  if (!Number.isInteger(electionTicks) || electionTicks < 2 || electionTicks > 1000) problems.push(`TRENT_RAFT_ELECTION_TICKS='${electionText}' must be a number from 2 to 1000`);

  const compactText = env.TRENT_RAFT_COMPACT_AFTER ?? '10000';
  const compactAfter = Number(compactText);
  if (!Number.isInteger(compactAfter) || compactAfter < 1) problems.push(`TRENT_RAFT_COMPACT_AFTER='${compactText}' must be a positive number of entries`);
  const trailingText = env.TRENT_RAFT_TRAILING_ENTRIES ?? '1000';
  const trailingEntries = Number(trailingText);
  if (!Number.isInteger(trailingEntries) || trailingEntries < 0) problems.push(`TRENT_RAFT_TRAILING_ENTRIES='${trailingText}' must be a number of entries`);

  const joinText = env.TRENT_RAFT_JOIN ?? '0';
  if (!['0', '1'].includes(joinText)) problems.push(`TRENT_RAFT_JOIN='${joinText}' must be 0 or 1`);

  const natsUrl = env.TRENT_NATS_URL ?? '';
  if (natsUrl && !/^nats:\/\/[^\s/:]+:\d{1,5}$/.test(natsUrl)) problems.push(`TRENT_NATS_URL='${natsUrl}' must look like nats://127.0.0.1:4222`);
  const regionDir = dataDir ? path.join(dataDir, '..') : '';
  const keyFile = env.TRENT_REPLICATION_KEY_FILE || path.join(regionDir, 'replication-key.json');
  const trustFile = env.TRENT_REPLICATION_TRUST_FILE || path.join(regionDir, '..', 'replication-trust.json');

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    region,
    nodeId,
    host: env.TRENT_HOST || '127.0.0.1',
    port,
    dataDir: path.resolve(dataDir),
    domainKeyFile: path.resolve(domainKeyFile),
    identitiesFile: env.TRENT_IDENTITIES_FILE ? path.resolve(env.TRENT_IDENTITIES_FILE) : undefined,
    devMode: devText === '1' || devText === 'true',
    logLevel,
    workers,
    replication: natsUrl ? Object.freeze({ natsUrl, keyFile: path.resolve(keyFile), trustFile: path.resolve(trustFile) }) : undefined,
    raft: Object.freeze({ host: raftHost, port: raftPort, peers, tickMs, electionTicks, compactAfter, trailingEntries, join: joinText === '1' }),
  });
}

/**
 * TRENT_RAFT_PEERS='1=127.0.0.1:5567,2=127.0.0.1:5568,3=127.0.0.1:5569' lists the Region's voters.
 * Unset: this node alone. When set, it must name this node.
 */
function parsePeers(text: string | undefined, self: string, own: { host: string; port: number }, problems: string[]): Record<string, { host: string; port: number }> {
  if (text === undefined || text.trim() === '') return { [self]: own };
  const peers: Record<string, { host: string; port: number }> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([1-9][0-9]{0,2})=([^:\s]+):(\d{1,5})$/.exec(part);
    if (!m || Number(m[3]) > 65535) {
      problems.push(`TRENT_RAFT_PEERS entry '${part}' must look like 2=127.0.0.1:5568`);
      continue;
    }
    if (peers[m[1]]) problems.push(`TRENT_RAFT_PEERS names node ${m[1]} twice`);
    peers[m[1]] = { host: m[2], port: Number(m[3]) };
  }
  if (Object.keys(peers).length > 0 && !peers[self]) problems.push(`TRENT_RAFT_PEERS does not name this node (${self})`);
  return peers;
}
