import {
  ClusterError,
  collectRegionReports,
  describeNetworkError,
  isProcessStopped,
  parseNodeId,
  raftOf,
  requestJson,
  type NodeRecord,
  type NodeReport,
  type RaftStatus,
} from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, parseCommandLine, stringOption } from '../args';
import { EXIT_OK, UsageError } from '../cli-error';
import { formatSeconds } from '../duration';
import type { CliIo } from '../io';
import { messageOf, requireCluster, requireRegion } from '../running-cluster';
import { TRANSFER_LEADER_USAGE } from '../usage';

const OPTIONS = { ...COMMON_OPTIONS, to: { type: 'string' } } as const;
/** The node waits up to ~3 s for the transfer; allow for that and the round trip. */
const TRANSFER_TIMEOUT_MS = 10_000;

interface UpNode {
  readonly id: string;
  readonly url: string;
  readonly raft: RaftStatus;
}

/**
 * `trent transfer-leader <region> [--to <id>]`: finds the Region's leader, picks the target
 * (the most up-to-date other node unless --to names one) and asks the leader to hand over.
 */
export async function transferLeaderCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(args, OPTIONS, TRANSFER_LEADER_USAGE, true);
  if (values.help) {
    io.out(TRANSFER_LEADER_USAGE);
    return EXIT_OK;
  }
  const [region, ...extra] = positionals;
  if (region === undefined) throw new UsageError('say which Region, e.g. us-east-1', TRANSFER_LEADER_USAGE);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, TRANSFER_LEADER_USAGE);
  const toText = stringOption(values, 'to');
  const to = toText === undefined ? undefined : parseNodeId(toText);
  if (toText !== undefined && to === undefined) {
    throw new UsageError(`--to must be a node id such as 2 or node-2 (got "${toText}")`, TRANSFER_LEADER_USAGE);
  }

  const record = requireCluster(dataDirOf(values));
  const nodes = requireRegion(record, region);
  if (to !== undefined && !nodes.some((node) => node.nodeId === to)) {
    throw new ClusterError(`${region} has no node ${to}; its nodes: ${nodes.map((node) => node.nodeId).join(', ')}`);
  }

  const up = await upNodes(record.host, region, nodes);
  const leader = findLeader(region, up);
  if (to === leader.id) {
    io.out(`${region}: node-${leader.id} already leads (term ${leader.raft.term})`);
    return EXIT_OK;
  }
  const target = to ?? pickTarget(region, leader, up);

  const started = Date.now();
  let res;
  try {
    res = await requestJson(`${leader.url}/_trent/raft/transfer-leader`, {
      method: 'POST',
      body: { to: target },
      timeoutMs: TRANSFER_TIMEOUT_MS,
    });
  } catch (err) {
    throw new ClusterError(`${region}: node-${leader.id} did not answer the transfer (${describeNetworkError(err)})`);
  }
  const took = formatSeconds(Date.now() - started);
  if (res.status === 404) {
    throw new ClusterError(`${region}: node-${leader.id} has no /_trent/raft/transfer-leader route (a build from before it? \`npm run build\`)`);
  }
  if (res.status !== 200) {
    const why = messageOf(res.body) ?? `HTTP ${res.status}`;
    throw new ClusterError(`${region}: leadership did not move from node-${leader.id} to node-${target} (${why})`);
  }
  const now = (res.body as { leader?: string } | undefined)?.leader ?? target;
  io.out(`${region}: leader node-${leader.id} → node-${now} in ${took}`);
  return EXIT_OK;
}

/** The Region's nodes that answer their status; paused ones are not asked. */
async function upNodes(host: string, region: string, nodes: readonly NodeRecord[]): Promise<UpNode[]> {
  const paused = new Set(nodes.filter((node) => node.paused || isProcessStopped(node.pid)).map((node) => node.nodeId));
  const [report] = await collectRegionReports(
    host,
    [{ name: region, nodes: nodes.map((node) => ({ id: node.nodeId, port: node.port })) }],
    2_000,
    (_, id) => paused.has(id),
  );
  return report.nodes.flatMap((node: NodeReport) => (node.state === 'up' ? [{ id: node.id, url: node.url, raft: raftOf(node.status) }] : []));
}

/** The up node that reports itself leader in the highest term. */
function findLeader(region: string, up: readonly UpNode[]): UpNode {
  const leader = up.filter((node) => node.raft.role === 'leader').sort((a, b) => b.raft.term - a.raft.term)[0];
  if (leader) return leader;
  const views = up.map((node) => `node-${node.id}: ${node.raft.role}`).join(', ');
  throw new ClusterError(`${region} has no leader right now${views ? ` (${views})` : ' (no node answers)'}; try again in a moment`);
}

/** The other up node with the longest log, then the most applied, then the freshest contact, then the lowest id. */
export function pickTarget(region: string, leader: UpNode, up: readonly UpNode[]): string {
  const others = up.filter((node) => node.id !== leader.id);
  if (others.length === 0) throw new ClusterError(`${region}: no other node is up to take over from node-${leader.id}`);
  const contact = (raft: RaftStatus): number => raft.lastContactMs ?? Number.POSITIVE_INFINITY;
  const [best] = [...others].sort(
    (a, b) =>
      b.raft.lastIndex - a.raft.lastIndex ||
      b.raft.applied - a.raft.applied ||
      contact(a.raft) - contact(b.raft) ||
      Number(a.id) - Number(b.id),
  );
  return best.id;
}
