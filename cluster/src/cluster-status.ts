import { requestJson } from './http-json';
import type { RegionEndpoints } from './topology';

export type RaftRole = 'leader' | 'follower' | 'candidate' | 'pre-candidate';

/** The node's view of its Raft group, in `GET /_trent/status` → `raft`. */
export interface RaftStatus {
  readonly role: RaftRole;
  readonly term: number;
  /** A node id such as '2', or null while none is known. */
  readonly leader: string | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  /** Milliseconds since it last heard from the leader: 0 on the leader, null if never. */
  readonly lastContactMs: number | null;
  /** Every voter of the Region, this node included. */
  readonly voters: readonly string[];
  /** Members that replicate but do not vote (a node being added); absent on older nodes. */
  readonly learners?: readonly string[];
}

/**
 * The node's multi-Region replicator, in `GET /_trent/status` → `replication` (absent on nodes
 * built before it). `sending` is true on the Region's leader, which alone publishes; its backlog
 * is what it has yet to get acknowledged, per destination Region.
 */
export type ReplicationStatus =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly nats: 'connected' | 'reconnecting' | 'disconnected';
      readonly server: string;
      readonly sending: boolean;
      readonly backlog: number;
      readonly backlogByRegion: Readonly<Record<string, number>>;
      readonly inFlight: number;
      readonly sent: number;
      readonly received: number;
      readonly rejected: number;
      readonly lastRejection?: { readonly at: string | number; readonly from?: string; readonly reason: string };
      readonly lastError?: { readonly at: string | number; readonly to?: string; readonly message: string };
    };

/** What a node answers on `GET /_trent/status`. */
export interface NodeStatus {
  readonly region: string;
  readonly nodeId: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly keys: number;
  readonly clusterTime: string | number;
  readonly clockOffsetMs: number;
  readonly pid: number;
  /** Absent on nodes built before Raft; {@link raftOf} fills it from the flat fields. */
  readonly raft?: RaftStatus;
  readonly replication?: ReplicationStatus;
}

export type NodeReport =
  | { readonly id: string; readonly url: string; readonly state: 'up'; readonly status: NodeStatus }
  | { readonly id: string; readonly url: string; readonly state: 'down' | 'paused'; readonly error: string };

export interface RegionReport {
  readonly name: string;
  readonly nodes: readonly NodeReport[];
}

/** The aggregate served by the gateway on `GET /_trent/status` and printed by `trent status --json`. */
export interface ClusterStatus {
  readonly gateway: {
    readonly url: string;
    readonly state: 'up' | 'down';
    readonly pid?: number;
    readonly error?: string;
  };
  readonly regions: readonly RegionReport[];
}

/** A Region at a glance, derived from its nodes' reports. */
export interface RegionSummary {
  /** The id of the node that reports itself leader in the highest term, if any. */
  readonly leader: string | null;
  /** The highest term any up node reports. */
  readonly term: number | null;
  readonly up: number;
  readonly voters: number;
  /** How many voters make a majority. */
  readonly quorum: number;
  readonly hasQuorum: boolean;
  /** Every up node names the same leader, which is one of them and says so itself. */
  readonly agreed: boolean;
}

export const nodeUrl = (host: string, port: number): string => `http://${host}:${port}`;

/** Node ids a caller already knows are paused (SIGSTOP): they are not asked, since they cannot answer. */
export type PausedCheck = (region: string, nodeId: string) => boolean;

/** Asks every node for its status, in parallel; a node that does not answer is reported down. */
export async function collectRegionReports(
  host: string,
  regions: readonly RegionEndpoints[],
  timeoutMs = 2_000,
  isPaused: PausedCheck = () => false,
): Promise<RegionReport[]> {
  return Promise.all(
    regions.map(async (region) => ({
      name: region.name,
      nodes: await Promise.all(
        region.nodes.map(async (node): Promise<NodeReport> => {
          const url = nodeUrl(host, node.port);
          if (isPaused(region.name, node.id)) return { id: node.id, url, state: 'paused', error: 'paused (SIGSTOP)' };
          try {
            const res = await requestJson<NodeStatus>(`${url}/_trent/status`, { timeoutMs });
            if (res.status === 200 && typeof res.body === 'object' && res.body !== null) {
              return { id: node.id, url, state: 'up', status: res.body };
            }
            return { id: node.id, url, state: 'down', error: `status answered HTTP ${res.status}` };
          } catch (err) {
            return { id: node.id, url, state: 'down', error: describeNetworkError(err) };
          }
        }),
      ),
    })),
  );
}

/** The node's Raft view, from `raft` when the node sends it, else from the flat fields. */
export function raftOf(status: NodeStatus): RaftStatus {
  if (status.raft) return status.raft;
  return {
    role: status.role as RaftRole,
    term: status.term,
    leader: status.leader,
    commit: status.commitIndex,
    applied: status.appliedIndex,
    lastIndex: status.commitIndex,
    lastContactMs: status.role === 'leader' ? 0 : null,
    voters: [],
  };
}

/** Leader, term and quorum of a Region, as far as its up nodes tell. */
export function summarizeRegion(region: RegionReport): RegionSummary {
  const up = region.nodes.flatMap((node) => (node.state === 'up' ? [{ id: node.id, raft: raftOf(node.status) }] : []));
  const leaders = up.filter((node) => node.raft.role === 'leader').sort((a, b) => b.raft.term - a.raft.term);
  const leader = leaders[0]?.id ?? null;
  const term = up.length > 0 ? Math.max(...up.map((node) => node.raft.term)) : null;
  const voterSets = up.map((node) => node.raft.voters.length).filter((count) => count > 0);
  const voters = voterSets.length > 0 ? Math.max(...voterSets) : region.nodes.length;
  const quorum = Math.floor(voters / 2) + 1;
  const agreed = leader !== null && up.length > 0 && up.every((node) => node.raft.leader === leader);
  return { leader, term, up: up.length, voters, quorum, hasQuorum: up.length >= quorum, agreed };
}

/** ECONNREFUSED and friends as a short phrase for logs and tables. */
export function describeNetworkError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code) return code;
  return err instanceof Error ? err.message : String(err);
}
