import { KMSClient } from '@aws-sdk/client-kms';
import { defaultIdentitiesFile, layOut, Launcher, type NodeSignal, type RegionAnswer } from '@trent/cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBlock } from '../../cluster/test-fixtures/fake-cluster';

export const DEV_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface TrentWorldOptions {
  regions: readonly string[];
  /** Nodes per Region (default 1). */
  nodes?: number;
  /** Extra environment for every node. */
  env?: NodeJS.ProcessEnv;
  /** Keep the data directory after stop() (to look at it). */
  keepData?: boolean;
}

/**
 * A whole local Trent as `trent up` runs it, through the real Launcher: every Region's nats-server
 * (joined by gateways), its nodes, and the one gateway endpoint. For e2e suites and benchmarks of
 * multi-Region keys: clients per Region, whole-Region kill and start, the forced-promotion route.
 */
export class TrentWorld {
  private readonly clients = new Map<string, KMSClient>();
  /** Regions whose nats-server alone is frozen (see partition). */
  private readonly partitioned = new Set<string>();

  private constructor(
    readonly launcher: Launcher,
    readonly dataDir: string,
    readonly regions: readonly string[],
    private readonly keepData: boolean,
  ) {}

  /**
   * Starts on a free block of ports. Another process may take one of them between the check and
   * the bind; a start that fails then is tried again on another block (at most 3 times).
   */
  static async start(opts: TrentWorldOptions): Promise<TrentWorld> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await TrentWorld.startOnce(opts);
      } catch (e) {
        if (attempt >= 3 || !/exited while starting|in use|EADDRINUSE/.test((e as Error).message)) throw e;
      }
    }
  }

  private static async startOnce(opts: TrentWorldOptions): Promise<TrentWorld> {
    const nodes = opts.nodes ?? 1;
    const port = await freePortBlock(opts.regions.length * nodes, opts.regions.length);
    const topology = layOut('127.0.0.1', port, opts.regions, opts.regions.map(() => nodes));
    const dataDir = mkdtempSync(join(tmpdir(), 'trent-world-'));
    const launcher = new Launcher({
      topology,
      dataDir,
      identitiesFile: defaultIdentitiesFile(),
      // One HTTP worker per node keeps 3 Regions × 3 nodes light on a 2-core machine.
      env: { TRENT_WORKERS: '1', TRENT_LOG_LEVEL: 'info', ...opts.env },
      readyTimeoutMs: 60_000,
      stopGraceMs: 5_000,
    });
    try {
      await launcher.preflight();
      await launcher.start();
    } catch (e) {
      await launcher.stop().catch(() => undefined);
      if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
    return new TrentWorld(launcher, dataDir, opts.regions, opts.keepData ?? process.env.TRENT_E2E_KEEP === '1');
  }

  get endpoint(): string {
    return this.launcher.gatewayUrl;
  }

  /** An SDK client for `region` through the one endpoint (the Region comes from the SigV4 scope). */
  kms(region: string): KMSClient {
    let client = this.clients.get(region);
    if (!client) {
      client = new KMSClient({ region, endpoint: this.endpoint, credentials: DEV_CREDENTIALS, maxAttempts: 3 });
      this.clients.set(region, client);
    }
    return client;
  }

  /** `trent kill <region>`: SIGKILL to every node of the Region and its nats-server. */
  killRegion(region: string, signal: NodeSignal = 'SIGKILL'): Promise<RegionAnswer> {
    return this.launcher.signalRegion(region, signal);
  }

  /** `trent start <region>`: its nats-server, then its nodes; resolves once they agree on a leader. */
  startRegion(region: string): Promise<RegionAnswer> {
    return this.launcher.startRegion(region);
  }

  /** `GET /_trent/status` of every running node of `region`. */
  async statuses(region: string): Promise<Array<Record<string, any>>> {
    const record = this.launcher.current;
    const urls = (record?.nodes ?? []).filter((n) => n.region === region && n.pid !== null && !n.exit && !n.removedAt).map((n) => n.url);
    const answers = await Promise.all(urls.map((url) => fetch(`${url}/_trent/status`).then((r) => (r.ok ? r.json() : undefined), () => undefined)));
    return answers.filter((a): a is Record<string, any> => a !== undefined);
  }

  /** The replicator's backlog at the Region's leader (0 when nothing is owed). */
  async backlog(region: string): Promise<number> {
    const leader = (await this.statuses(region)).find((s) => s.replication?.sending);
    return leader?.replication?.backlog ?? Number.NaN;
  }

  /** `trent failover <keyId> --to <region> --force`: the forced promotion route, on the first node that answers. */
  async forcePromote(keyId: string, region: string): Promise<{ status: number; body: any }> {
    const urls = (this.launcher.current?.nodes ?? []).filter((n) => n.region === region && !n.exit).map((n) => n.url);
    let last: { status: number; body: any } = { status: 503, body: { message: `no node of ${region} answered` } };
    for (const url of urls) {
      try {
        const res = await fetch(`${url}/_trent/mrk/failover`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId }) });
        last = { status: res.status, body: await res.json() };
        if (res.status !== 503) return last;
      } catch {
        // The next node.
      }
    }
    return last;
  }

  /** `trent kill|pause|resume <region>/<id>`: one node of a Region. */
  signalNode(region: string, nodeId: string, signal: NodeSignal = 'SIGKILL'): Promise<unknown> {
    return this.launcher.signalNode(`${region}/${nodeId}`, signal);
  }

  /** `trent start <region>/<id>`: one node again, same ports and data. */
  startNode(region: string, nodeId: string): Promise<unknown> {
    return this.launcher.startNode(`${region}/${nodeId}`);
  }

  /** Ids of the Region's nodes the launcher started (members, whatever their state). */
  nodeIds(region: string): string[] {
    return (this.launcher.current?.nodes ?? []).filter((n) => n.region === region && !n.removedAt).map((n) => n.nodeId);
  }

  /** The id of the node the running nodes of `region` agree leads it (undefined while they do not). */
  async leaderId(region: string): Promise<string | undefined> {
    const views = await this.statuses(region);
    const leader = views.find((s) => s.role === 'leader');
    if (!leader) return undefined;
    return views.every((s) => s.leader === leader.nodeId) ? String(leader.nodeId) : undefined;
  }

  /** Each Region's nats-server client URL (from the cluster record). */
  natsUrls(): Map<string, string> {
    return new Map((this.launcher.current?.nats ?? []).map((n) => [n.region, n.url]));
  }

  /** `POST /_trent/clock/advance` on the first node of `region` that takes it (dev mode, the launcher's default). */
  async advanceClock(region: string, seconds: number): Promise<Record<string, unknown>> {
    const urls = (this.launcher.current?.nodes ?? []).filter((n) => n.region === region && n.pid !== null && !n.exit && !n.removedAt).map((n) => n.url);
    let last = `no node of ${region} answered`;
    for (const url of urls) {
      try {
        const res = await fetch(`${url}/_trent/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds }) });
        if (res.ok) return (await res.json()) as Record<string, unknown>;
        last = `${url}: ${res.status} ${await res.text()}`;
      } catch (e) {
        last = `${url}: ${(e as Error).message}`;
      }
    }
    throw new Error(`clock advance in ${region} failed: ${last}`);
  }

  /**
   * Freezes the Region's nats-server alone (SIGSTOP): its nodes keep serving the API but nothing
   * reaches or leaves the Region over NATS. `heal` thaws it. Beyond `trent pause`, which freezes the nodes too.
   */
  partition(region: string): void {
    process.kill(this.natsPid(region), 'SIGSTOP');
    this.partitioned.add(region);
  }

  heal(region: string): void {
    process.kill(this.natsPid(region), 'SIGCONT');
    this.partitioned.delete(region);
  }

  private natsPid(region: string): number {
    const pid = this.launcher.current?.nats?.find((n) => n.region === region)?.pid;
    if (!pid) throw new Error(`${region} has no running nats-server`);
    return pid;
  }

  async stop(): Promise<void> {
    for (const region of [...this.partitioned]) this.heal(region);
    for (const client of this.clients.values()) client.destroy();
    await this.launcher.stop();
    if (!this.keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
