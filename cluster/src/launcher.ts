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
import { ControlError, type ClusterControl, type ControlAnswer } from './cluster-control';
import { collectRegionReports, nodeUrl, raftOf, summarizeRegion, type RegionReport } from './cluster-status';
import { Gateway } from './gateway';
import { readIdentities } from './identities';
import { formatNodeName, parseNodeName } from './node-name';
import { NodeProcess, type NodeExit, type NodeSignal } from './node-process';
import { dataLayout, displayPath, nodeEntryPoint } from './paths';
import { busyPorts } from './ports';
import { portsOf, topologyWarnings, type RegionSpec, type Topology } from './topology';

export interface LauncherOptions {
  readonly topology: Topology;
  readonly dataDir: string;
  readonly identitiesFile: string;
  /** The node program; the built `apps/node` unless a test swaps in its fake. */
  readonly entryPoint?: string;
  /** Enables the nodes' clock routes (`trent clock advance`). */
  readonly devMode?: boolean;
  readonly logLevel?: string;
  /** Bound on the wait for every node to answer /_trent/health and every Region to agree on a leader. */
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

/** How long a SIGKILLed node gets to be reaped before the supervisor answers anyway. */
const KILL_WAIT_MS = 5_000;

/**
 * Brings a topology up on this machine: one child process per node, a wait until every node is
 * healthy and every Region has a leader, then the gateway in front, all recorded in
 * `<data>/cluster.json`. The process that runs it is the supervisor. Nodes that exit are
 * reported, never restarted on their own: killing one is how failover is tested. On request
 * (through the gateway's /_trent/cluster routes) it signals a node or starts one that exited.
 */
export class Launcher implements ClusterControl {
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
    const busy = await busyPorts(topology.host, portsOf(topology));
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
    for (const warning of topologyWarnings(topology)) this.report.warn(`warning: ${warning}`);

    mkdirSync(dataLayout.logsDir(this.dataDir), { recursive: true });
    for (const region of topology.regions) {
      // The node creates the domain key; its directory is ours to provide.
      mkdirSync(dataLayout.regionDir(this.dataDir, region.name), { recursive: true });
      const raftPeers = region.nodes.map((node) => `${node.id}=${topology.host}:${node.raftPort}`).join(',');
      for (const node of region.nodes) {
        this.nodes.push(
          new NodeProcess({
            region: region.name,
            nodeId: node.id,
            host: topology.host,
            port: node.port,
            raftPort: node.raftPort,
            raftPeers,
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
        raftPort: node.options.raftPort,
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
      for (const index of this.nodes.keys()) this.spawn(index);
      writeClusterRecord(this.record);

      await this.waitUntilHealthy(Date.now() + (this.options.readyTimeoutMs ?? 30_000));

      if (this.stopping) throw new ClusterError('startup was interrupted');
      this.gateway = new Gateway({
        host: topology.host,
        port: topology.gateway.port,
        regions: topology.regions,
        healthIntervalMs: this.options.gatewayHealthIntervalMs,
        log: (line) => this.report.info(line),
        control: this,
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

  /**
   * Polls until every node of every Region answers /_trent/health and each Region has a leader
   * that all its nodes name; one progress line per Region as it gets there.
   */
  private async waitUntilHealthy(deadline: number): Promise<void> {
    const started = Date.now();
    const { topology } = this.options;
    const pending = new Set(topology.regions.map((region) => region.name));
    while (pending.size > 0) {
      if (this.stopping) throw new ClusterError('startup was interrupted');
      for (const region of topology.regions.filter((spec) => pending.has(spec.name))) {
        const nodes = this.nodes.filter((node) => node.options.region === region.name);
        const failed = nodes.find((node) => node.exited);
        if (failed) {
          const { code, signal } = failed.exited!;
          this.failStartup(failed, `${failed.name} exited while starting (${describeExit(code, signal)})`);
        }
        const seconds = Math.round((this.options.readyTimeoutMs ?? 30_000) / 1000);
        const healthy = await Promise.all(nodes.map((node) => node.isHealthy(500)));
        if (!healthy.every(Boolean)) {
          if (Date.now() > deadline) {
            const slow = nodes[healthy.indexOf(false)];
            this.failStartup(slow, `${slow.name} did not answer /_trent/health within ${seconds} s`);
          }
          continue;
        }
        const [report] = await collectRegionReports(topology.host, [region], 1_000);
        const summary = summarizeRegion(report);
        if (summary.agreed && summary.up === nodes.length) {
          pending.delete(region.name);
          const elapsed = ((Date.now() - started) / 1000).toFixed(1);
          const ports = nodes.map((node) => `:${node.options.port}`).join(' ');
          this.report.info(
            `  ${region.name.padEnd(14)} up  ${nodes.length} node${nodes.length > 1 ? 's' : ''} (${ports}), ` +
              `leader node-${summary.leader}, in ${elapsed} s`,
          );
        } else if (Date.now() > deadline) {
          this.failStartup(nodes[0], `${region.name} has no leader after ${seconds} s (${describeViews(report)})`);
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

  /** Starts node `index` and watches for its exit. */
  private spawn(index: number): void {
    const node = this.nodes[index];
    node.start();
    const entry = this.record!.nodes[index];
    entry.pid = node.pid ?? null;
    entry.paused = undefined;
    entry.exit = undefined;
    void node.whenExited().then((exit) => this.onNodeExit(index, node, exit));
  }

  private onNodeExit(index: number, node: NodeProcess, exit: NodeExit): void {
    if (this.stopping || !this.record || this.record.state !== 'running') return;
    const entry = this.record.nodes[index];
    entry.exit = { code: exit.code, signal: exit.signal, at: new Date().toISOString() };
    entry.paused = undefined;
    writeClusterRecord(this.record);
    this.report.warn(
      `${node.name} (pid ${node.pid}) exited (${describeExit(exit.code, exit.signal)}); it is not restarted ` +
        `(\`trent start ${node.options.region}/${node.options.nodeId}\` does) — log: ${displayPath(node.logFile)}`,
    );
  }

  isPaused(region: string, nodeId: string): boolean {
    return this.nodes.some((node) => node.options.region === region && node.options.nodeId === nodeId && node.paused);
  }

  async signalNode(name: string, signal: NodeSignal): Promise<ControlAnswer> {
    const started = Date.now();
    const { node, index } = this.findNode(name);
    if (!node.running) throw new ControlError(409, `${node.name} is not running${exitNote(node)}; \`trent start ${shortName(node)}\` starts it`);
    if (signal === 'SIGSTOP' && node.paused) throw new ControlError(409, `${node.name} is already paused`);
    if (signal === 'SIGCONT' && !node.paused) throw new ControlError(409, `${node.name} is not paused`);

    const pid = node.pid ?? null;
    this.report.info(`supervisor: ${SIGNAL_VERBS[signal]} ${node.name} (pid ${pid}) on request (${signal})`);
    if (signal === 'SIGTERM') {
      await node.stop(this.options.stopGraceMs ?? 10_000);
    } else {
      node.send(signal);
      if (signal === 'SIGKILL') await Promise.race([node.whenExited(), sleep(KILL_WAIT_MS)]);
    }
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      this.record!.nodes[index].paused = node.paused || undefined;
      writeClusterRecord(this.record!);
    }
    return { ...this.describeNode(node, pid, started), signal };
  }

  async startNode(name: string): Promise<ControlAnswer> {
    const started = Date.now();
    const { node, index } = this.findNode(name);
    if (node.running) {
      throw new ControlError(409, `${node.name} is already running (pid ${node.pid}${node.paused ? ', paused' : ''})`);
    }
    const { host } = this.options.topology;
    const busy = await busyPorts(host, [node.options.port, node.options.raftPort]);
    if (busy.length > 0) throw new ControlError(409, `${node.name} cannot start: port ${busy.join(', ')} on ${host} is in use`);

    this.spawn(index);
    writeClusterRecord(this.record!);
    this.report.info(`supervisor: started ${node.name} again on request (pid ${node.pid})`);
    const deadline = started + (this.options.readyTimeoutMs ?? 30_000);
    while (!(await node.isHealthy(500))) {
      if (node.exited) {
        throw new ControlError(
          500,
          `${node.name} exited while starting (${describeExit(node.exited.code, node.exited.signal)}); see ${displayPath(node.logFile)}`,
        );
      }
      if (Date.now() > deadline) {
        throw new ControlError(504, `${node.name} (pid ${node.pid}) did not answer /_trent/health in time; see ${displayPath(node.logFile)}`);
      }
      await sleep(POLL_MS);
    }
    return this.describeNode(node, node.pid ?? null, started);
  }

  /** `us-east-1/2` → the node; ControlError for a bad name, an unknown Region or node, or a cluster not running. */
  private findNode(name: string): { node: NodeProcess; index: number } {
    if (!this.record || this.record.state !== 'running' || this.stopping) {
      throw new ControlError(409, `the cluster is ${this.stopping ? 'stopping' : 'still starting'}`);
    }
    const parsed = parseNodeName(String(name));
    if (!parsed) throw new ControlError(400, `"${name}" is not a node name; use <region>/<id>, e.g. us-east-1/2`);
    const regions = this.options.topology.regions;
    const region = regions.find((spec) => spec.name === parsed.region);
    if (!region) {
      throw new ControlError(404, `Region ${parsed.region} is not running here; running Regions: ${regions.map((r) => r.name).join(', ')}`);
    }
    const index = this.nodes.findIndex((node) => node.options.region === parsed.region && node.options.nodeId === parsed.nodeId);
    if (index < 0) throw new ControlError(404, `${parsed.region} has no node ${parsed.nodeId}; its nodes: ${nodeIds(region)}`);
    return { node: this.nodes[index], index };
  }

  private describeNode(node: NodeProcess, pid: number | null, started: number): ControlAnswer {
    const exit = node.exited;
    return {
      node: formatNodeName({ region: node.options.region, nodeId: node.options.nodeId }),
      pid,
      state: node.running ? (node.paused ? 'paused' : 'running') : 'exited',
      ...(exit && !node.running ? { exit: { code: exit.code, signal: exit.signal } } : {}),
      ms: Date.now() - started,
    };
  }
}

const SIGNAL_VERBS: Record<NodeSignal, string> = {
  SIGKILL: 'killing',
  SIGTERM: 'stopping',
  SIGSTOP: 'pausing',
  SIGCONT: 'resuming',
};

const shortName = (node: NodeProcess): string => `${node.options.region}/${node.options.nodeId}`;
const nodeIds = (region: RegionSpec): string => region.nodes.map((node) => node.id).join(', ');

function exitNote(node: NodeProcess): string {
  const exit = node.exited;
  return exit ? ` (it exited: ${describeExit(exit.code, exit.signal)})` : '';
}

/** `node-1: candidate in term 5, no leader; node-2: down (connection refused)` */
function describeViews(report: RegionReport): string {
  return report.nodes
    .map((node) => {
      if (node.state !== 'up') return `node-${node.id}: ${node.state} (${node.error})`;
      const raft = raftOf(node.status);
      return `node-${node.id}: ${raft.role} in term ${raft.term}, ${raft.leader ? `leader node-${raft.leader}` : 'no leader'}`;
    })
    .join('; ');
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
