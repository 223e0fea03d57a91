import {
  ClusterError,
  describeNetworkError,
  displayPath,
  isProcessAlive,
  memberNodes,
  parseNodeName,
  readClusterRecord,
  regionsOf,
  requestJson,
  type ClusterRecord,
  type NodeRecord,
} from '@trent/cluster';
import { UsageError } from './cli-error';

/** The cluster running from `dataDir`, or a one-line ClusterError when there is none. */
export function requireCluster(dataDir: string): ClusterRecord {
  const record = readClusterRecord(dataDir);
  if (!record) throw new ClusterError(`Trent is not running in ${displayPath(dataDir)}`);
  return record;
}

/** As {@link requireCluster}, and its supervisor must be alive: only it can signal or start nodes. */
export function requireSupervisor(dataDir: string): ClusterRecord {
  const record = requireCluster(dataDir);
  if (!isProcessAlive(record.supervisorPid, record.supervisorCommand)) {
    throw new ClusterError(
      `the supervisor of ${displayPath(dataDir)} (pid ${record.supervisorPid}) is gone, so no one can act on its nodes; ` +
        '`trent down` then `trent up` starts afresh',
    );
  }
  if (record.state !== 'running') throw new ClusterError(`Trent in ${displayPath(dataDir)} is ${record.state}; try again once it runs`);
  return record;
}

/** The member nodes of the running Region called `name`, or a ClusterError listing the running Regions. */
export function requireRegion(record: ClusterRecord, name: string): NodeRecord[] {
  const nodes = memberNodes(record).filter((node) => node.region === name);
  if (nodes.length === 0) {
    const running = regionsOf(record).map((region) => region.name);
    throw new ClusterError(`Region ${name} is not running here; running Regions: ${running.join(', ')}`);
  }
  return nodes;
}

/** `us-east-1/2` or `us-east-1/node-2` → that node of the record; a usage or cluster error otherwise. */
export function requireNode(record: ClusterRecord, text: string, usage: string): NodeRecord {
  const name = parseNodeName(text);
  if (!name) throw new UsageError(`"${text}" is not a node name; use <region>/<id>, e.g. us-east-1/2`, usage);
  const nodes = requireRegion(record, name.region);
  const node = nodes.find((candidate) => candidate.nodeId === name.nodeId);
  const ids = nodes.map((n) => n.nodeId).join(', ');
  if (record.nodes.some((n) => n.region === name.region && n.nodeId === name.nodeId && n.removedAt)) {
    throw new ClusterError(`${name.region} node-${name.nodeId} was removed from the Region; ids are not reused (its nodes: ${ids})`);
  }
  if (!node) throw new ClusterError(`${name.region} has no node ${name.nodeId}; its nodes: ${ids}`);
  return node;
}

/**
 * How long each supervisor route may take: a stop waits out the node's grace period and a start
 * its health; an add also waits for the new node to catch up (the supervisor gives up after 90 s).
 */
const SUPERVISOR_TIMEOUTS_MS = { kill: 60_000, start: 60_000, add: 120_000, remove: 60_000 } as const;

/**
 * POSTs to one of the supervisor's /_trent/cluster routes and returns its answer; an HTTP error
 * becomes a ClusterError carrying the supervisor's message.
 */
export async function askSupervisor<T>(record: ClusterRecord, route: keyof typeof SUPERVISOR_TIMEOUTS_MS, body: unknown): Promise<T> {
  const url = `${record.gateway.url}/_trent/cluster/${route}`;
  let res;
  try {
    res = await requestJson<T | { message?: string }>(url, { method: 'POST', body, timeoutMs: SUPERVISOR_TIMEOUTS_MS[route] });
  } catch (err) {
    throw new ClusterError(`the supervisor does not answer on ${record.gateway.url} (${describeNetworkError(err)})`);
  }
  if (res.status === 200) return res.body as T;
  throw new ClusterError(messageOf(res.body) ?? `the supervisor answered HTTP ${res.status}`);
}

export function messageOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') return body.message;
  return undefined;
}
