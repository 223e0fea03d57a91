import { requestJson } from './http-json';
import type { RegionSpec } from './topology';

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
}

export type NodeReport =
  | { readonly id: string; readonly url: string; readonly state: 'up'; readonly status: NodeStatus }
  | { readonly id: string; readonly url: string; readonly state: 'down'; readonly error: string };

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

export const nodeUrl = (host: string, port: number): string => `http://${host}:${port}`;

/** Asks every node for its status, in parallel; a node that does not answer is reported down. */
export async function collectRegionReports(
  host: string,
  regions: readonly RegionSpec[],
  timeoutMs = 2_000,
): Promise<RegionReport[]> {
  return Promise.all(
    regions.map(async (region) => ({
      name: region.name,
      nodes: await Promise.all(
        region.nodes.map(async (node): Promise<NodeReport> => {
          const url = nodeUrl(host, node.port);
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

/** ECONNREFUSED and friends as a short phrase for logs and tables. */
export function describeNetworkError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code) return code;
  return err instanceof Error ? err.message : String(err);
}
