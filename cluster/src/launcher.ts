import { existsSync, mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ClusterError } from './cluster-error';
import {
  isProcessAlive,
  readClusterRecord,
  removeClusterRecord,
  writeClusterRecord,
  type ClusterRecord,
} from './cluster-record';
import { nodeUrl } from './cluster-status';
import { Gateway } from './gateway';
import { readIdentities } from './identities';
import { NodeProcess, type NodeExit } from './node-process';
import { dataLayout, displayPath, nodeEntryPoint } from './paths';
import { busyPorts } from './ports';
import type { Topology } from './topology';

export interface LauncherOptions {
  readonly topology: Topology;
  readonly dataDir: string;
  readonly identitiesFile: string;
  /** The node program; the built `apps/node` unless a test swaps in its fake. */
  readonly entryPoint?: string;
  /** Enables the nodes' clock routes (`trent clock advance`). */
  readonly devMode?: boolean;
  readonly logLevel?: string;
  /** Bound on the wait for every node to answer /_trent/health. */
  readonly readyTimeoutMs?: number;
  /** How long a node gets after SIGTERM before SIGKILL. */
  readonly stopGraceMs?: number;
  readonly gatewayHealthIntervalMs?: number;
  /** Extra environment for every node. */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress and events, one line each; `warn` also receives log tails. */
  readonly report?: LauncherReport;
}

export interface LauncherReport {
  info(line: string): void;
  warn(line: string): void;
}

const silent: LauncherReport = { info: () => undefined, warn: () => undefined };
const POLL_MS = 100;

/**
 * Brings a topology up on this machine: one child process per node, a health wait, then the
 * gateway in front, all recorded in `<data>/cluster.json`. The process that runs it is the
 * supervisor. Nodes that exit are reported, never restarted: killing one is how failover is
 * tested.
 */
export class Launcher {
  readonly dataDir: string;
  private readonly entryPoint: string;
  private readonly report: LauncherReport;
  private readonly nodes: NodeProcess[] = [];
  private gateway: Gateway | undefined;
  private record: ClusterRecord | undefined;
  private stopping: Promise<void> | undefined;
  private readonly killOnExit = (): void => this.nodes.forEach((node) => node.kill());

  constructor(private readonly options: LauncherOptions) {
    this.dataDir = resolve(options.dataDir);
    this.entryPoint = resolve(options.entryPoint ?? nodeEntryPoint());
    this.report = options.report ?? silent;
  }

  get gatewayUrl(): string {
    return nodeUrl(this.options.topology.host, this.options.topology.gateway.port);
  }

  /**
   * Everything that can be checked before a process starts: no cluster already running here,
   * the node program built, the identities file readable, every port free.
   */
  async preflight(): Promise<void> {
    const { topology } = this.options;
    refuseIfRunning(this.dataDir);
    if (!existsSync(this.entryPoint)) {
      throw new ClusterError(`the node program is missing (${displayPath(this.entryPoint)}); run \`npm run build\` first`);
    }
    readIdentities(resolve(this.options.identitiesFile));
    const ports = [topology.gateway.port, ...topology.regions.flatMap((region) => region.nodes.map((node) => node.port))];
    const busy = await busyPorts(topology.host, ports);
    if (busy.length > 0) {
      const plural = busy.length > 1;
      throw new ClusterError(
        `port${plural ? 's' : ''} ${busy.join(', ')} on ${topology.host} ${plural ? 'are' : 'is'} already in use ` +
          `(another Trent or LocalStack?); choose another range with --port`,
      );
    }
  }

  /** Starts everything; on any failure, stops what it started and throws a ClusterError. */
  async start(): Promise<ClusterRecord> {
    const { topology } = this.options;
    await this.preflight();
    const identitiesFile = resolve(this.options.identitiesFile);

    const regionCount = topology.regions.length;
    const perRegion = [...new Set(topology.regions.map((region) => region.nodes.length))].join('/');
    this.report.info(
      `Starting Trent: ${regionCount} Region${regionCount > 1 ? 's' : ''} × ${perRegion} node${perRegion === '1' ? '' : 's'}, ` +
        `data in ${displayPath(this.dataDir)}`,
    );

    mkdirSync(dataLayout.logsDir(this.dataDir), { recursive: true });
    for (const region of topology.regions) {
      // The node creates the domain key; its directory is ours to provide.
      mkdirSync(dataLayout.regionDir(this.dataDir, region.name), { recursive: true });
      for (const node of region.nodes) {
        this.nodes.push(
          new NodeProcess({
            region: region.name,
            nodeId: node.id,
            host: topology.host,
            port: node.port,
            dataDir: this.dataDir,
            identitiesFile,
            entryPoint: this.entryPoint,
            devMode: this.options.devMode ?? true,
            logLevel: this.options.logLevel ?? 'info',
            env: this.options.env,
          }),
        );
      }
    }

    this.record = {
      version: 1,
      state: 'starting',
      supervisorPid: process.pid,
      // The script's name only: /proc/<pid>/cmdline shows the path as it was typed (relative under npm start).
      supervisorCommand: basename(process.argv[1] ?? ''),
      startedAt: new Date().toISOString(),
      dataDir: this.dataDir,
      identitiesFile,
      host: topology.host,
      gateway: { port: topology.gateway.port, url: this.gatewayUrl },
      nodes: this.nodes.map((node) => ({
        region: node.options.region,
        nodeId: node.options.nodeId,
        port: node.options.port,
        url: node.url,
        pid: null,
        logFile: node.logFile,
        dataDir: node.nodeDir,
        entryPoint: this.entryPoint,
      })),
    };
    writeClusterRecord(this.record);
    process.once('exit', this.killOnExit);

    try {
      for (const [index, node] of this.nodes.entries()) {
        node.start();
        this.record.nodes[index].pid = node.pid ?? null;
        void node.whenExited().then((exit) => this.onNodeExit(index, node, exit));
      }
      writeClusterRecord(this.record);

      await this.waitUntilHealthy(Date.now() + (this.options.readyTimeoutMs ?? 30_000));

      if (this.stopping) throw new ClusterError('startup was interrupted');
      this.gateway = new Gateway({
        host: topology.host,
        port: topology.gateway.port,
        regions: topology.regions,
        healthIntervalMs: this.options.gatewayHealthIntervalMs,
        log: (line) => this.report.info(line),
      });
      await this.gateway.listen();
      if (this.stopping) throw new ClusterError('startup was interrupted');
    } catch (err) {
      await this.stop();
      // A stop that began before the gateway existed could not close it.
      await this.gateway?.close();
      throw err;
    }

    this.record.state = 'running';
    writeClusterRecord(this.record);
    return this.record;
  }

  /** Stops the gateway and every node (SIGTERM, then SIGKILL after the grace), then forgets the cluster. */
  stop(): Promise<void> {
    this.stopping ??= this.stopEverything();
    return this.stopping;
  }

  /** SIGKILL to every node, for when a graceful stop takes too long. */
  killNow(): void {
    this.killOnExit();
  }

  private async stopEverything(): Promise<void> {
    if (this.record) {
      this.record.state = 'stopping';
      writeClusterRecord(this.record);
    }
    await this.gateway?.close();
    const grace = this.options.stopGraceMs ?? 10_000;
    await Promise.all(this.nodes.map((node) => node.stop(grace)));
    process.off('exit', this.killOnExit);
    if (this.record) removeClusterRecord(this.dataDir);
  }

  private async waitUntilHealthy(deadline: number): Promise<void> {
    const started = Date.now();
    const pending = new Set(this.options.topology.regions.map((region) => region.name));
    while (pending.size > 0) {
      if (this.stopping) throw new ClusterError('startup was interrupted');
      for (const regionName of [...pending]) {
        const nodes = this.nodes.filter((node) => node.options.region === regionName);
        const failed = nodes.find((node) => node.exited);
        if (failed) {
          const { code, signal } = failed.exited!;
          this.failStartup(failed, `${failed.name} exited while starting (${describeExit(code, signal)})`);
        }
        const healthy = await Promise.all(nodes.map((node) => node.isHealthy(500)));
        if (healthy.every(Boolean)) {
          pending.delete(regionName);
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          const ports = nodes.map((node) => `:${node.options.port}`).join(' ');
          this.report.info(`  ${regionName.padEnd(14)} up  ${nodes.length} node${nodes.length > 1 ? 's' : ''} (${ports}) in ${seconds} s`);
        } else if (Date.now() > deadline) {
          const slow = nodes[healthy.indexOf(false)];
          const seconds = Math.round((this.options.readyTimeoutMs ?? 30_000) / 1000);
          this.failStartup(slow, `${slow.name} did not answer /_trent/health within ${seconds} s`);
        }
      }
      if (pending.size > 0) await sleep(POLL_MS);
    }
  }

  private failStartup(node: NodeProcess, reason: string): never {
    if (this.stopping) throw new ClusterError('startup was interrupted');
    const tail = node.logTail();
    this.report.warn(`${reason}. Last lines of ${displayPath(node.logFile)}:`);
    this.report.warn(tail ? tail.replace(/^/gm, '  | ') : '  | (the log is empty)');
    throw new ClusterError(`${reason}; see ${displayPath(node.logFile)}`);
  }

  private onNodeExit(index: number, node: NodeProcess, exit: NodeExit): void {
    if (this.stopping || !this.record || this.record.state !== 'running') return;
    this.record.nodes[index].exit = { code: exit.code, signal: exit.signal, at: new Date().toISOString() };
    writeClusterRecord(this.record);
    this.report.warn(
      `${node.name} (pid ${node.pid}) exited (${describeExit(exit.code, exit.signal)}); ` +
        `it is not restarted — log: ${displayPath(node.logFile)}`,
    );
  }
}

/**
 * A second `up` on a data directory whose supervisor still runs would fight it for ports and
 * LevelDB locks, so it is refused — as is one whose supervisor died but left nodes behind.
 */
export function refuseIfRunning(dataDir: string): void {
  const record = readClusterRecord(dataDir);
  if (!record) return;
  if (isProcessAlive(record.supervisorPid, record.supervisorCommand)) {
    throw new ClusterError(
      `Trent is already running from ${displayPath(dataDir)} (supervisor pid ${record.supervisorPid}, ` +
        `endpoint ${record.gateway.url}); run \`trent down\` first`,
    );
  }
  const orphans = record.nodes.filter((node) => isProcessAlive(node.pid, node.entryPoint));
  if (orphans.length > 0) {
    throw new ClusterError(
      `nodes of an earlier run in ${displayPath(dataDir)} are still alive (pids ${orphans.map((node) => node.pid).join(', ')}); ` +
        'run `trent down` first',
    );
  }
}

export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `signal ${signal}`;
  return `exit code ${code ?? 'unknown'}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
