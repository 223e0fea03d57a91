import { KMSClient } from '@aws-sdk/client-kms';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, TrentNode } from './trent-node';

export interface RaftStatus {
  role: string;
  term: number;
  leader: string | null;
  commit: number;
  applied: number;
  lastIndex: number;
  lastContactMs: number | null;
  voters: string[];
}

export interface TrentRegionOptions {
  region?: string;
  nodes?: number;
  /** Extra environment for every node. */
  env?: Record<string, string>;
  /** Each node's own Raft port, by position (node '1' first); free ports otherwise. */
  raftPorts?: readonly number[];
  /**
   * TRENT_RAFT_PEERS for one node, given every node's own Raft port: the addresses that node
   * dials (e.g. fault proxies). Every node gets the same direct map otherwise.
   */
  peers?: (id: string, raftPorts: readonly number[]) => string;
  /** Where the nodes keep their data; a fresh temporary directory when omitted. dispose() removes it either way. */
  dataRoot?: string;
}

/**
 * A multi-node Region of real node processes on loopback, as `trent up --nodes N` runs it, for
 * e2e suites that kill, pause and restart nodes. Node ids are '1'..'N'; `node(id)` finds one.
 */
export class TrentRegion {
  private constructor(
    readonly region: string,
    readonly dataRoot: string,
    readonly nodes: TrentNode[],
    /** Raft port of each node, by position (node id - 1). */
    readonly raftPorts: number[],
    private readonly env: Record<string, string>,
  ) {}

  static async start(opts: TrentRegionOptions = {}): Promise<TrentRegion> {
    const region = opts.region ?? 'us-east-1';
    const count = opts.nodes ?? 3;
    const dataRoot = opts.dataRoot ?? mkdtempSync(join(tmpdir(), 'trent-region-'));
    const ids = Array.from({ length: count }, (_, i) => String(i + 1));
    const ports = await Promise.all(ids.map(() => freePort()));
    const raftPorts = opts.raftPorts ?? (await Promise.all(ids.map(() => freePort())));
    const direct = ids.map((id, i) => `${id}=127.0.0.1:${raftPorts[i]}`).join(',');
    const peers = (id: string) => opts.peers?.(id, raftPorts) ?? direct;
    // Nodes are healthy (listening) before the Region has a leader, so they start side by side.
    const started = await Promise.allSettled(
      ids.map((id, i) =>
        TrentNode.start({ region, dataRoot, nodeId: id, port: ports[i], env: { TRENT_RAFT_PORT: String(raftPorts[i]), TRENT_RAFT_PEERS: peers(id), TRENT_WORKERS: '1', ...opts.env } }),
      ),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      // No process outlives a failed start.
      for (const s of started) if (s.status === 'fulfilled') s.value.kill();
      rmSync(dataRoot, { recursive: true, force: true });
      throw failed.reason;
    }
    const nodes = started.map((s) => (s as PromiseFulfilledResult<TrentNode>).value);
    const r = new TrentRegion(region, dataRoot, nodes, [...raftPorts], { TRENT_WORKERS: '1', ...opts.env });
    try {
      await r.leader();
    } catch (e) {
      await r.dispose();
      throw e;
    }
    return r;
  }

  /**
   * Starts one more node that joins as a learner (TRENT_RAFT_JOIN=1) beside the current nodes;
   * the leader must then be asked to add it. Returns its id and Raft address.
   */
  async startJoiningNode(): Promise<{ id: string; address: string }> {
    const id = String(this.nodes.length + 1);
    const port = await freePort();
    const raftPort = await freePort();
    this.raftPorts.push(raftPort);
    const peers = this.raftPorts.map((p, i) => `${i + 1}=127.0.0.1:${p}`).join(',');
    const node = await TrentNode.start({ region: this.region, dataRoot: this.dataRoot, nodeId: id, port, env: { ...this.env, TRENT_RAFT_PORT: String(raftPort), TRENT_RAFT_PEERS: peers, TRENT_RAFT_JOIN: '1' } });
    this.nodes.push(node);
    return { id, address: `127.0.0.1:${raftPort}` };
  }

  node(id: string): TrentNode {
    return this.nodes[Number(id) - 1];
  }

  client(id: string, maxAttempts = 1): KMSClient {
    return new KMSClient({ region: this.region, endpoint: this.node(id).endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts });
  }

  async status(id: string): Promise<RaftStatus | null> {
    try {
      const res = await fetch(`${this.node(id).endpoint}/_trent/status`, { signal: AbortSignal.timeout(1000) });
      if (!res.ok) return null;
      return ((await res.json()) as { raft: RaftStatus }).raft;
    } catch {
      return null;
    }
  }

  /**
   * The id of the node that leads, by the word of every node that answers (a paused node does not),
   * which must be a majority and include the leader itself; waits for one up to `timeoutMs`.
   */
  async leader(timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const ids = this.nodes.map((_, i) => String(i + 1)).filter((id) => !this.removed.has(id));
      const answered = (await Promise.all(ids.map(async (id) => ({ id, st: this.nodes[Number(id) - 1].alive ? await this.status(id) : null })))).filter((x) => x.st !== null);
      const lead = answered[0]?.st?.leader ?? null;
      const agreed = lead !== null && answered.every((x) => x.st!.leader === lead);
      const self = answered.find((x) => x.id === lead);
      if (agreed && answered.length * 2 > ids.length && self?.st?.role === 'leader') return lead;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no leader in ${this.region} after ${timeoutMs} ms`);
  }

  /** Nodes no longer members (their answers do not count towards agreeing on a leader). */
  readonly removed = new Set<string>();

  /** Kills every node (paused ones included) and removes the data, unless `keepData` (logs for a failure report). */
  async dispose(keepData = false): Promise<void> {
    for (const n of this.nodes) n.kill();
    await Promise.all(this.nodes.map((n) => (n.alive ? n.stop('SIGKILL') : undefined)));
    if (!keepData) rmSync(this.dataRoot, { recursive: true, force: true });
  }
}
