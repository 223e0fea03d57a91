import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { ClusterError } from './cluster-error';
import { dataLayout } from './paths';
import { RAFT_PORT_OFFSET, type NodeSpec, type RegionSpec } from './topology';

/**
 * `<data>/cluster.json`: what a running supervisor started, so that `trent status`, `down` and
 * `clock` find it from another shell. Written when startup begins (it doubles as the lock that
 * stops a second `up` on the same data directory), updated as the cluster changes, removed on a
 * clean stop.
 */
export interface ClusterRecord {
  readonly version: 1;
  state: 'starting' | 'running' | 'stopping';
  readonly supervisorPid: number;
  /** The supervisor's script (argv[1]), to recognise its pid later. */
  readonly supervisorCommand: string;
  readonly startedAt: string;
  readonly dataDir: string;
  readonly identitiesFile: string;
  readonly host: string;
  readonly gateway: { readonly port: number; readonly url: string };
  readonly nodes: NodeRecord[];
  /** Each Region's nats-server; absent in records of launchers from before NATS. */
  readonly nats?: NatsRecord[];
}

export interface NatsRecord {
  readonly region: string;
  /** `nats://127.0.0.1:6566`: what the Region's nodes get as TRENT_NATS_URL. */
  readonly url: string;
  readonly port: number;
  readonly gatewayPort: number;
  readonly monitorPort: number;
  pid: number | null;
  paused?: boolean;
  /** The config it runs with; its path is in the command line, so it also tells our nats-server from another. */
  readonly confFile: string;
  readonly logFile: string;
  exit?: { readonly code: number | null; readonly signal: string | null; readonly at: string };
}

export interface NodeRecord {
  readonly region: string;
  readonly nodeId: string;
  readonly port: number;
  readonly raftPort: number;
  readonly url: string;
  pid: number | null;
  /** Stopped with SIGSTOP through the supervisor (`trent pause`), not yet continued. */
  paused?: boolean;
  readonly logFile: string;
  readonly dataDir: string;
  /** The program the node runs; used to tell our process from an unrelated one reusing its pid. */
  readonly entryPoint: string;
  /** The last exit of this node's process; cleared when the supervisor starts it again. */
  exit?: { readonly code: number | null; readonly signal: string | null; readonly at: string };
  /** Set on a node added to its running Region (`trent node add`): when it became a member. */
  addedAt?: string;
  /**
   * Set once the node left its Region (`trent node remove`): its process is stopped, its data
   * directory kept, and it is no longer listed anywhere. Its id is never given out again.
   */
  removedAt?: string;
}

export function readClusterRecord(dataDir: string): ClusterRecord | undefined {
  const file = dataLayout.clusterFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const record = JSON.parse(text) as ClusterRecord;
    if (record.version !== 1 || !Array.isArray(record.nodes)) throw new Error('unknown layout');
    return record;
  } catch (err) {
    throw new ClusterError(`${file} is damaged (${(err as Error).message}); remove it once no Trent process runs`);
  }
}

/** Replaces the record atomically, so a reader never sees half a file. */
export function writeClusterRecord(record: ClusterRecord): void {
  const file = dataLayout.clusterFile(record.dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temporary, file);
}

export function removeClusterRecord(dataDir: string): void {
  rmSync(dataLayout.clusterFile(dataDir), { force: true });
}

/**
 * Whether `pid` is a live process — and, where /proc tells us, not a zombie and one whose command
 * line mentions `marker`, so a recycled pid is not mistaken for a node or supervisor of ours.
 */
export function isProcessAlive(pid: number | null | undefined, marker?: string): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: it exists but belongs to someone else, so it is not ours.
    return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true; // No /proc (macOS): trust the pid.
  }
  // "pid (comm) S …": the state letter follows the last parenthesis; Z is exited, not yet reaped.
  if (stat.charAt(stat.lastIndexOf(')') + 2) === 'Z') return false;
  if (!marker) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/**
 * Whether a live process is stopped (SIGSTOP: state T in /proc). Undefined where /proc is missing
 * or the process is gone.
 */
export function isProcessStopped(pid: number | null | undefined): boolean | undefined {
  if (!pid || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state === 'T' || state === 't';
  } catch {
    return undefined;
  }
}

/** The nodes that are members of their Region: every node of the record but the removed ones. */
export const memberNodes = (record: ClusterRecord): NodeRecord[] => record.nodes.filter((node) => !node.removedAt);

/** The Regions and their member nodes a record describes, in topology form. */
export function regionsOf(record: ClusterRecord): Array<Pick<RegionSpec, 'name'> & { nodes: NodeSpec[] }> {
  const regions = new Map<string, NodeSpec[]>();
  for (const node of memberNodes(record)) {
    const nodes = regions.get(node.region) ?? [];
    nodes.push({ id: node.nodeId, port: node.port, raftPort: node.raftPort ?? node.port + RAFT_PORT_OFFSET });
    regions.set(node.region, nodes);
  }
  return [...regions].map(([name, nodes]) => ({ name, nodes }));
}
