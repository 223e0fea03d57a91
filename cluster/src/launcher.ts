import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ClusterError } from './cluster-error';
import { saveMembership } from './saved-membership';
import {
  isProcessAlive,
  readClusterRecord,
  removeClusterRecord,
  writeClusterRecord,
  type ClusterRecord,
  type NatsRecord,
  type NodeRecord,
} from './cluster-record';
import {
  ControlError,
  type ClusterControl,
  type ControlAnswer,
  type MembershipAnswer,
  type ProcessAnswer,
  type RegionAnswer,
} from './cluster-control';
import {
  collectRegionReports,
  describeNetworkError,
  nodeUrl,
  raftOf,
  summarizeRegion,
  type RaftStatus,
  type RegionReport,
} from './cluster-status';
import { Gateway } from './gateway';
import { requestJson } from './http-json';
import { readIdentities } from './identities';
import { formatNodeName, parseNodeName } from './node-name';
import { findNatsServer, NatsProcess } from './nats-server';
import { NodeProcess, type NodeExit, type NodeSignal } from './node-process';
import { dataLayout, displayPath, nodeEntryPoint } from './paths';
import { busyPorts, busyPortsAfter } from './ports';
import { prepareReplicationKeys } from './replication-keys';
import { MAX_NODES_PER_REGION, natsPortsOf, portsOf, topologyWarnings, type Topology } from './topology';

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
  /** The nats-server program; found on PATH or in /usr/sbin when not given (see findNatsServer). */
  readonly natsServer?: string;
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
/** How long a nats-server gets to accept clients (it takes milliseconds). */
const NATS_START_MS = 5_000;
/** How long a nats-server gets after SIGTERM: it has no state to flush. */
const NATS_STOP_GRACE_MS = 3_000;
/**
 * Bound on a whole `trent node add`: start, health, then the leader's learner → catch-up → voter
 * steps (the node gives the catch-up up to 60 s).
 */
const ADD_TIMEOUT_MS = 90_000;
/** Bound on a whole `trent node remove` (the node applies a change within ~5 s). */
const REMOVE_TIMEOUT_MS = 30_000;
/** How long a membership change waits for the Region to name a leader before it is refused. */
const LEADER_WAIT_MS = 5_000;
/** How long a start waits for the ports of processes killed a moment ago to be let go. */
const PORT_RELEASE_WAIT_MS = 3_000;
/** How far above a Region's last port the supervisor looks for a free pair for a new node. */
const PORT_SEARCH = 200;

/** The Region's leader as its status tells. */
interface RegionLeader {
  readonly id: string;
  readonly url: string;
  readonly raft: RaftStatus;
}

/** A Region's membership as its leader answered a change. */
interface Membership {
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

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
  /** Every node this supervisor ever started, removed ones included; `record.nodes` is parallel to it. */
  private readonly nodes: NodeProcess[] = [];
  /** One nats-server per Region; `record.nats` is parallel to it. */
  private readonly natsServers: NatsProcess[] = [];
  /** A whole-Region action runs alone per Region. */
  private readonly regionActions = new Set<string>();
  /** Nodes on their way out (removed, or an add that failed): their exit is expected, not reported. */
  private readonly leaving = new Set<NodeProcess>();
  /** Membership changes run one at a time: a Raft leader takes one at a time too. */
  private changes: Promise<unknown> = Promise.resolve();
  private gateway: Gateway | undefined;
  private record: ClusterRecord | undefined;
  private stopping: Promise<void> | undefined;
  private readonly killOnExit = (): void => {
    this.nodes.forEach((node) => node.kill());
    this.natsServers.forEach((nats) => nats.kill());
  };

  constructor(private readonly options: LauncherOptions) {
    this.dataDir = resolve(options.dataDir);
    this.entryPoint = resolve(options.entryPoint ?? nodeEntryPoint());
    this.report = options.report ?? silent;
  }

  /** What cluster.json holds now (undefined before start): every node's URL, pid and exit. */
  get current(): ClusterRecord | undefined {
    return this.record;
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
    this.natsProgram();
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

  /** The nats-server program, or a ClusterError saying how to get it. */
  private natsProgram(): string {
    const program = this.options.natsServer ?? findNatsServer();
    if (!program || !existsSync(program)) {
      throw new ClusterError(
        `nats-server is not installed${program ? ` (${program} is missing)` : ''}; each Region runs its own, for multi-Region keys. ` +
          'Install it with `sudo apt-get install nats-server` (`npm start` does that when run as root), or point TRENT_NATS_SERVER at one',
      );
    }
    return program;
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
    // The node creates the domain key; its directory is ours to provide.
    for (const region of topology.regions) mkdirSync(dataLayout.regionDir(this.dataDir, region.name), { recursive: true });
    const newKeys = prepareReplicationKeys(this.dataDir, topology.regions.map((region) => region.name));
    if (newKeys.length > 0) this.report.info(`  new replication keys for ${newKeys.join(', ')}`);
    const natsProgram = this.natsProgram();
    const trustFile = dataLayout.replicationTrustFile(this.dataDir);
    for (const region of topology.regions) {
      const nats = new NatsProcess({ region: region.name, host: topology.host, nats: region.nats, dataDir: this.dataDir, program: natsProgram });
      this.natsServers.push(nats);
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
            natsUrl: nats.url,
            replicationKeyFile: dataLayout.replicationKeyFile(this.dataDir, region.name),
            replicationTrustFile: trustFile,
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
      nats: this.natsServers.map((nats) => ({
        region: nats.options.region,
        url: nats.url,
        port: nats.options.nats.port,
        gatewayPort: nats.options.nats.gatewayPort,
        monitorPort: nats.options.nats.monitorPort,
        pid: null,
        confFile: nats.confFile,
        logFile: nats.logFile,
      })),
    };
    writeClusterRecord(this.record);
    process.once('exit', this.killOnExit);

    try {
      // NATS first: a node connects to its Region's server as it starts.
      for (const nats of this.natsServers) this.spawnNats(nats);
      writeClusterRecord(this.record);
      await Promise.all(this.natsServers.map((nats) => this.untilNatsAccepts(nats, Date.now() + NATS_START_MS)));
      for (const node of this.nodes) this.spawn(node);
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
    // After the nodes, which may still publish while they shut down.
    await Promise.all(this.natsServers.map((nats) => nats.stop(NATS_STOP_GRACE_MS)));
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
        const nats = this.natsOf(region.name);
        if (nats.exited) this.failStartup(nats, `${nats.name} exited while starting (${describeExit(nats.exited.code, nats.exited.signal)})`);
        const missing = await this.missingGateways(nats);
        if (summary.agreed && summary.up === nodes.length && missing.length === 0) {
          pending.delete(region.name);
          const elapsed = ((Date.now() - started) / 1000).toFixed(1);
          const ports = nodes.map((node) => `:${node.options.port}`).join(' ');
          this.report.info(
            `  ${region.name.padEnd(14)} up  ${nodes.length} node${nodes.length > 1 ? 's' : ''} (${ports}), ` +
              `leader node-${summary.leader}, NATS :${nats.options.nats.port}, in ${elapsed} s`,
          );
        } else if (Date.now() > deadline) {
          if (!summary.agreed || summary.up !== nodes.length) {
            this.failStartup(nodes[0], `${region.name} has no leader after ${seconds} s (${describeViews(report)})`);
          }
          this.failStartup(nats, `${nats.name} has no gateway connection to ${missing.join(', ')} after ${seconds} s`);
        }
      }
      if (pending.size > 0) await sleep(POLL_MS);
    }
  }

  private failStartup(node: NodeProcess | NatsProcess, reason: string): never {
    if (this.stopping) throw new ClusterError('startup was interrupted');
    const tail = node.logTail();
    this.report.warn(`${reason}. Last lines of ${displayPath(node.logFile)}:`);
    this.report.warn(tail ? tail.replace(/^/gm, '  | ') : '  | (the log is empty)');
    throw new ClusterError(`${reason}; see ${displayPath(node.logFile)}`);
  }

  /** Starts a node, naming the Region's current members as its peers, and watches for its exit. */
  private spawn(node: NodeProcess, join = false): void {
    node.start({ raftPeers: this.raftPeersOf(node.options.region), join });
    const entry = this.entryOf(node);
    entry.pid = node.pid ?? null;
    entry.paused = undefined;
    entry.exit = undefined;
    void node.whenExited().then((exit) => this.onNodeExit(node, exit));
  }

  /** Starts a Region's nats-server (rewriting its config) and watches for its exit. */
  private spawnNats(nats: NatsProcess): void {
    nats.start(this.options.topology);
    const entry = this.natsEntryOf(nats);
    entry.pid = nats.pid ?? null;
    entry.paused = undefined;
    entry.exit = undefined;
    void nats.whenExited().then((exit) => this.onNatsExit(nats, exit));
  }

  private natsEntryOf(nats: NatsProcess): NatsRecord {
    return this.record!.nats![this.natsServers.indexOf(nats)];
  }

  private natsOf(region: string): NatsProcess {
    return this.natsServers.find((nats) => nats.options.region === region)!;
  }

  /** Polls the client port; a ClusterError with its log when it exits first or the deadline passes. */
  private async untilNatsAccepts(nats: NatsProcess, deadline: number): Promise<void> {
    while (!(await nats.acceptsClients())) {
      if (nats.exited) {
        this.failNats(nats, `${nats.name} exited while starting (${describeExit(nats.exited.code, nats.exited.signal)})`);
      }
      if (Date.now() > deadline) this.failNats(nats, `${nats.name} did not accept clients on :${nats.options.nats.port} in time`);
      await sleep(50);
    }
  }

  private failNats(nats: NatsProcess, reason: string): never {
    if (this.record?.state === 'running') throw new ControlError(500, `${reason}; see ${displayPath(nats.logFile)}`);
    return this.failStartup(nats, reason);
  }

  /** The Regions whose nats-server runs and that this one has no outbound gateway connection to yet. */
  private async missingGateways(nats: NatsProcess): Promise<string[]> {
    const others = this.natsServers.filter((other) => other !== nats && other.running && !other.paused).map((other) => other.options.region);
    if (others.length === 0) return [];
    const gateways = await nats.gateways();
    return others.filter((region) => !gateways?.outbound.includes(region));
  }

  private onNatsExit(nats: NatsProcess, exit: NodeExit): void {
    if (this.stopping || !this.record || this.record.state !== 'running') return;
    const entry = this.natsEntryOf(nats);
    entry.exit = { code: exit.code, signal: exit.signal, at: new Date().toISOString() };
    entry.paused = undefined;
    writeClusterRecord(this.record);
    if (this.regionActions.has(nats.options.region)) return;
    this.report.warn(
      `${nats.name} (pid ${nats.pid}) exited (${describeExit(exit.code, exit.signal)}); it is not restarted ` +
        `(\`trent start ${nats.options.region}\` does) — log: ${displayPath(nats.logFile)}`,
    );
  }

  private entryOf(node: NodeProcess): NodeRecord {
    return this.record!.nodes[this.nodes.indexOf(node)];
  }

  /** The nodes of `region` that are members: all but the removed ones. */
  private members(region: string): NodeProcess[] {
    return this.nodes.filter((node) => node.options.region === region && !this.entryOf(node).removedAt);
  }

  /** TRENT_RAFT_PEERS for a node of `region` started now: `1=127.0.0.1:5567,2=…`, members only. */
  private raftPeersOf(region: string): string {
    const { host } = this.options.topology;
    return this.members(region)
      .map((node) => `${node.options.nodeId}=${host}:${node.options.raftPort}`)
      .join(',');
  }

  private onNodeExit(node: NodeProcess, exit: NodeExit): void {
    if (this.stopping || !this.record || this.record.state !== 'running' || this.leaving.has(node)) return;
    const entry = this.entryOf(node);
    entry.exit = { code: exit.code, signal: exit.signal, at: new Date().toISOString() };
    entry.paused = undefined;
    writeClusterRecord(this.record);
    if (this.regionActions.has(node.options.region)) return;
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
    const node = this.findNode(name);
    if (!node.running) throw new ControlError(409, `${node.name} is not running${exitNote(node)}; \`trent start ${shortName(node)}\` starts it`);
    if (signal === 'SIGSTOP' && node.paused) throw new ControlError(409, `${node.name} is already paused`);
    if (signal === 'SIGCONT' && !node.paused) throw new ControlError(409, `${node.name} is not paused`);

    const pid = node.pid ?? null;
    this.report.info(`supervisor: ${SIGNAL_VERBS[signal]} ${node.name} (pid ${pid}) on request (${signal})`);
    if (signal === 'SIGTERM') {
      await node.stop(this.options.stopGraceMs ?? 10_000);
    } else {
      node.send(signal);
      if (signal === 'SIGKILL') await Promise.race([node.whenExited(), idle(KILL_WAIT_MS)]);
    }
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      this.entryOf(node).paused = node.paused || undefined;
      writeClusterRecord(this.record!);
    }
    return { ...this.describeNode(node, pid, started), signal };
  }

  async startNode(name: string): Promise<ControlAnswer> {
    const started = Date.now();
    const node = this.findNode(name);
    if (node.running) {
      throw new ControlError(409, `${node.name} is already running (pid ${node.pid}${node.paused ? ', paused' : ''})`);
    }
    const { host } = this.options.topology;
    const busy = await busyPortsAfter(host, [node.options.port, node.options.raftPort], PORT_RELEASE_WAIT_MS);
    if (busy.length > 0) throw new ControlError(409, `${node.name} cannot start: port ${busy.join(', ')} on ${host} is in use`);

    this.spawn(node);
    writeClusterRecord(this.record!);
    this.report.info(`supervisor: started ${node.name} again on request (pid ${node.pid})`);
    await this.untilHealthy(node, started + (this.options.readyTimeoutMs ?? 30_000));
    return this.describeNode(node, node.pid ?? null, started);
  }

  /**
   * `trent kill|stop|pause|resume us-east-1`: the Region's nodes and its nats-server together, as
   * when a whole Region (data centre) fails. SIGKILL hits all at once; SIGTERM stops the nodes
   * (each with its grace period) before NATS, which they may still publish to; SIGSTOP and
   * SIGCONT freeze and thaw all. Processes the signal means nothing to (down already, or not
   * paused for SIGCONT) are listed as skipped; 409 when that is all of them.
   */
  signalRegion(region: string, signal: NodeSignal): Promise<RegionAnswer> {
    return this.oneRegionActionAtATime(String(region), async () => {
      const started = Date.now();
      const nats = this.natsOf(region);
      const members = this.members(region);
      const applies = (process: NodeProcess | NatsProcess): boolean =>
        signal === 'SIGCONT' ? process.paused : signal === 'SIGSTOP' ? process.running && !process.paused : process.running;
      const targets = [nats, ...members].filter(applies);
      if (targets.length === 0) {
        const why = signal === 'SIGCONT' ? 'is not paused' : signal === 'SIGSTOP' ? 'is down or paused already' : 'is down already';
        throw new ControlError(409, `${region} ${why} (its nats-server and ${members.length} node${members.length > 1 ? 's' : ''}); ` +
          (signal === 'SIGCONT' || signal === 'SIGSTOP' ? '`trent status` shows each process' : `\`trent start ${region}\` brings it back`));
      }
      const pids = new Map(targets.map((process) => [process, process.pid ?? null]));
      this.report.info(
        `supervisor: ${SIGNAL_VERBS[signal]} Region ${region} on request (${signal}): ` +
          targets.map((process) => `${process === nats ? 'nats-server' : `node-${(process as NodeProcess).options.nodeId}`} (pid ${process.pid})`).join(', '),
      );
      const grace = this.options.stopGraceMs ?? 10_000;
      const nodes = targets.filter((process): process is NodeProcess => process !== nats);
      const natsTargeted = targets.includes(nats);
      if (signal === 'SIGTERM') {
        await Promise.all(nodes.map((node) => node.stop(grace)));
        if (natsTargeted) await nats.stop(NATS_STOP_GRACE_MS);
      } else if (signal === 'SIGCONT') {
        // NATS first, so the nodes find their server when they wake.
        if (natsTargeted) nats.send(signal);
        nodes.forEach((node) => node.send(signal));
      } else {
        targets.forEach((process) => process.send(signal));
        if (signal === 'SIGKILL') await Promise.race([Promise.all(targets.map((process) => process.whenExited())), idle(KILL_WAIT_MS)]);
      }
      if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
        for (const node of nodes) this.entryOf(node).paused = node.paused || undefined;
        if (natsTargeted) this.natsEntryOf(nats).paused = nats.paused || undefined;
      }
      writeClusterRecord(this.record!);
      const processes = [nats, ...members].map((process) =>
        describeProcess(process, pids.get(process) ?? process.pid ?? null, targets.includes(process) ? undefined : skipReason(process)),
      );
      return { region, signal, processes, ms: Date.now() - started };
    });
  }

  /**
   * `trent start us-east-1`: the Region's nats-server first (if it is down), then each member node
   * that is down, with the Region's current members as peers. Answers once every member answers
   * /_trent/health and names the same leader; its NATS gateways to the other running Regions are
   * waited for as long as that takes, then reported as they are.
   */
  startRegion(region: string): Promise<RegionAnswer> {
    return this.oneRegionActionAtATime(String(region), async () => {
      const started = Date.now();
      const deadline = started + (this.options.readyTimeoutMs ?? 30_000);
      const { host } = this.options.topology;
      const nats = this.natsOf(region);
      const members = this.members(region);
      const down = members.filter((node) => !node.running);
      if (nats.running && down.length === 0) {
        throw new ControlError(409, `${region} is already running (its nats-server and ${members.length} node${members.length > 1 ? 's' : ''}); \`trent status\` shows them`);
      }
      const ports = [...(nats.running ? [] : natsPortsOf(nats.options.nats)), ...down.flatMap((node) => [node.options.port, node.options.raftPort])];
      const busy = await busyPortsAfter(host, ports, PORT_RELEASE_WAIT_MS);
      if (busy.length > 0) throw new ControlError(409, `${region} cannot start: port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} on ${host} in use`);

      const startedNow = new Set<NodeProcess | NatsProcess>();
      if (!nats.running) {
        this.spawnNats(nats);
        startedNow.add(nats);
        writeClusterRecord(this.record!);
        await this.untilNatsAccepts(nats, Date.now() + NATS_START_MS);
      }
      for (const node of down) {
        this.spawn(node);
        startedNow.add(node);
      }
      writeClusterRecord(this.record!);
      this.report.info(
        `supervisor: starting Region ${region} on request: ` +
          [...startedNow].map((process) => `${process === nats ? 'nats-server' : `node-${(process as NodeProcess).options.nodeId}`} (pid ${process.pid})`).join(', '),
      );
      await Promise.all(down.map((node) => this.untilHealthy(node, deadline)));
      const leader = await this.regionLeader(region, Math.max(deadline, Date.now() + LEADER_WAIT_MS));
      await this.untilAgreed(region, leader.id, deadline);
      while ((await this.missingGateways(nats)).length > 0 && Date.now() < deadline) await sleep(POLL_MS);
      const gateways = (await nats.gateways())?.outbound ?? [];
      // The gateway marked these nodes down when they went; have it look again now rather than at its next probe.
      await this.gateway?.probeAll();
      const processes = [nats, ...members].map((process) =>
        describeProcess(process, process.pid ?? null, startedNow.has(process) ? undefined : 'was running'),
      );
      this.report.info(`supervisor: Region ${region} is up again, leader node-${leader.id}, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return { region, processes, leader: leader.id, gateways, ms: Date.now() - started };
    });
  }

  /** Waits until every member of `region` that runs names `leader` (a restarted node learns it from the first heartbeat). */
  private async untilAgreed(region: string, leader: string, deadline: number): Promise<void> {
    const { host } = this.options.topology;
    for (;;) {
      const running = this.members(region).filter((node) => node.running && !node.paused);
      const [report] = await collectRegionReports(host, [{ name: region, nodes: running.map((node) => ({ id: node.options.nodeId, port: node.options.port })) }], 1_000);
      const summary = summarizeRegion(report);
      if (summary.agreed && summary.up === running.length) return;
      if (Date.now() > deadline) {
        throw new ControlError(504, `${region} did not agree on a leader in time (${describeViews(report)}); node-${leader} led a moment ago`);
      }
      await sleep(POLL_MS);
    }
  }

  private oneRegionActionAtATime<T>(region: string, action: () => Promise<T>): Promise<T> {
    this.requireRunning();
    this.requireRegion(region);
    if (this.regionActions.has(region)) throw new ControlError(409, `${region} is in the middle of another whole-Region action; try again once it is done`);
    this.regionActions.add(region);
    return action().finally(() => this.regionActions.delete(region));
  }

  /** Polls /_trent/health; a ControlError when the node exits first or the deadline passes. */
  private async untilHealthy(node: NodeProcess, deadline: number): Promise<void> {
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
  }

  addNode(region: string): Promise<MembershipAnswer> {
    return this.oneChangeAtATime(() => this.joinRegion(String(region)));
  }

  removeNode(name: string): Promise<MembershipAnswer> {
    return this.oneChangeAtATime(() => this.leaveRegion(String(name)));
  }

  private oneChangeAtATime<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changes.then(change, change);
    this.changes = next.catch(() => undefined);
    return next;
  }

  /**
   * Starts a node with the next unused id on free ports as a learner (TRENT_RAFT_JOIN=1), waits
   * until it answers, then has the leader add it; the leader promotes it to voter once it has
   * caught up. Only then does the gateway send it requests. Any failure stops it again.
   */
  private async joinRegion(region: string): Promise<MembershipAnswer> {
    const started = Date.now();
    const deadline = started + ADD_TIMEOUT_MS;
    this.requireRunning();
    this.requireRegion(region);
    const members = this.members(region);
    if (members.length >= MAX_NODES_PER_REGION) {
      throw new ControlError(409, `${region} has ${members.length} nodes already; a Region has at most ${MAX_NODES_PER_REGION}`);
    }
    // Refused before anything starts when no one could add the node.
    await this.regionLeader(region, Date.now() + LEADER_WAIT_MS);

    const { host } = this.options.topology;
    const nodeId = this.nextNodeId(region);
    const { port, raftPort } = await this.freePortsFor(region);
    const template = members[0].options;
    const node = new NodeProcess({ ...template, nodeId, port, raftPort });
    this.nodes.push(node);
    this.record!.nodes.push({
      region,
      nodeId,
      port,
      raftPort,
      url: node.url,
      pid: null,
      logFile: node.logFile,
      dataDir: node.nodeDir,
      entryPoint: this.entryPoint,
    });
    this.spawn(node, true);
    writeClusterRecord(this.record!);
    this.report.info(`supervisor: starting ${node.name} (pid ${node.pid}, :${port}, raft :${raftPort}) to join ${region} on request`);

    let asked = false;
    try {
      await this.untilHealthy(node, Math.min(deadline, Date.now() + (this.options.readyTimeoutMs ?? 30_000)));
      asked = true;
      const membership = await this.askLeader(region, 'POST', '/_trent/raft/members', { node: nodeId, address: `${host}:${raftPort}` }, deadline);
      if (membership === 'not-a-member') throw new ControlError(500, `${region}: the leader did not add node ${nodeId}`);
      this.entryOf(node).addedAt = new Date().toISOString();
      writeClusterRecord(this.record!);
      this.saveMembers(region);
      await this.gateway?.addUpstream(region, { id: nodeId, port });
      this.report.info(`supervisor: ${node.name} joined ${region}; voters ${membership.voters.join(' ')}`);
      return { ...this.describeMember(node, started), ...membership };
    } catch (err) {
      await this.abandon(node, asked);
      throw err;
    }
  }

  /**
   * An add that failed: the leader is asked to drop the node in case it got as far as learner,
   * then the process is stopped and forgotten (its data directory stays, so its id is not reused).
   */
  private async abandon(node: NodeProcess, asked: boolean): Promise<void> {
    this.leaving.add(node);
    const { region, nodeId } = node.options;
    if (asked) await this.askLeader(region, 'DELETE', `/_trent/raft/members/${nodeId}`, undefined, Date.now() + 10_000).catch(() => undefined);
    this.gateway?.removeUpstream(region, nodeId);
    await node.stop(this.options.stopGraceMs ?? 10_000);
    const index = this.nodes.indexOf(node);
    this.nodes.splice(index, 1);
    this.record!.nodes.splice(index, 1);
    writeClusterRecord(this.record!);
    this.report.warn(`supervisor: ${node.name} did not join ${region}; stopped it again — log: ${displayPath(node.logFile)}`);
  }

  /**
   * Has the leader remove the node (the leader may remove itself: it steps down and the rest
   * elect another), then stops its process and marks it removed in cluster.json.
   */
  private async leaveRegion(name: string): Promise<MembershipAnswer> {
    const started = Date.now();
    const node = this.findNode(name);
    const { region, nodeId } = node.options;
    if (this.members(region).length === 1) {
      throw new ControlError(409, `${node.name} is the only node of ${region}; a Region cannot lose its last voter`);
    }
    const leader = await this.regionLeader(region, Date.now() + LEADER_WAIT_MS);
    if (leader.raft.voters.length === 1 && leader.raft.voters[0] === nodeId) {
      throw new ControlError(409, `${node.name} is the last voter of ${region}; add another node first (\`trent node add ${region}\`)`);
    }
    let membership = await this.askLeader(region, 'DELETE', `/_trent/raft/members/${nodeId}`, undefined, started + REMOVE_TIMEOUT_MS);
    if (membership === 'not-a-member') {
      // Already out of the Raft group (an earlier attempt went through): finish the job.
      const now = await this.regionLeader(region, Date.now() + LEADER_WAIT_MS);
      membership = { voters: now.raft.voters, learners: now.raft.learners ?? [] };
    }

    this.leaving.add(node);
    this.entryOf(node).removedAt = new Date().toISOString();
    writeClusterRecord(this.record!);
    this.saveMembers(region);
    this.gateway?.removeUpstream(region, nodeId);
    const pid = node.pid ?? null;
    if (node.running) await node.stop(this.options.stopGraceMs ?? 10_000);
    this.report.info(`supervisor: removed ${node.name} (pid ${pid}) from ${region} on request; voters ${membership.voters.join(' ')}`);
    return { ...this.describeMember(node, started), pid, ...membership };
  }

  /** Records the Region's members for the next `trent up` on this data (see saved-membership.ts). */
  private saveMembers(region: string): void {
    saveMembership(
      this.dataDir,
      region,
      this.members(region).map((n) => ({ id: n.options.nodeId, port: n.options.port, raftPort: n.options.raftPort })),
    );
  }

  /**
   * The up member of `region` that reports itself leader in the highest term, polled until
   * `deadline`; a ControlError naming each node's view when there is none.
   */
  private async regionLeader(region: string, deadline: number): Promise<RegionLeader> {
    const { host } = this.options.topology;
    for (;;) {
      const asked = this.members(region).filter((node) => node.running && !node.paused);
      const [report] = await collectRegionReports(host, [{ name: region, nodes: asked.map((node) => ({ id: node.options.nodeId, port: node.options.port })) }], 1_000);
      const up = report.nodes.flatMap((node) => (node.state === 'up' ? [{ id: node.id, url: node.url, raft: raftOf(node.status) }] : []));
      const leader = up.filter((node) => node.raft.role === 'leader').sort((a, b) => b.raft.term - a.raft.term)[0];
      if (leader) return leader;
      if (Date.now() > deadline) {
        const views = up.map((node) => `node-${node.id}: ${node.raft.role}`).join(', ') || 'no node answers';
        throw new ControlError(409, `${region} has no leader right now (${views}); try again in a moment`);
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * Sends one membership request to the Region's leader. A 409 (leadership moved) or a lost
   * connection sends it again to whoever leads then, until `deadline`: both requests are
   * idempotent on the node. 'not-a-member' is a DELETE's 404 for a node the Region does not have.
   */
  private async askLeader(
    region: string,
    method: 'POST' | 'DELETE',
    path: string,
    body: unknown,
    deadline: number,
  ): Promise<Membership | 'not-a-member'> {
    let last = 'no answer';
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new ControlError(504, `${region}: the membership change did not go through in time (${last})`);
      const leader = await this.regionLeader(region, Math.min(deadline, Date.now() + LEADER_WAIT_MS));
      let res;
      try {
        res = await requestJson<Partial<Membership> & { message?: string }>(`${leader.url}${path}`, { method, body, timeoutMs: remaining });
      } catch (err) {
        last = `node-${leader.id}: ${describeNetworkError(err)}`;
        await sleep(POLL_MS);
        continue;
      }
      const message = typeof res.body?.message === 'string' ? res.body.message : `HTTP ${res.status}`;
      if (res.status === 200) return { voters: res.body?.voters ?? [], learners: res.body?.learners ?? [] };
      if (res.status === 409) {
        last = `node-${leader.id}: ${message}`;
        await sleep(POLL_MS);
        continue;
      }
      if (res.status === 404 && method === 'DELETE' && /not a member/.test(message)) return 'not-a-member';
      if (res.status === 404) {
        throw new ControlError(500, `${region}: node-${leader.id} has no ${method} ${path.replace(/\/\d+$/, '/:id')} route (a build from before it? \`npm run build\`)`);
      }
      throw new ControlError(res.status === 504 ? 504 : 500, `${region}: node-${leader.id} answered: ${message}`);
    }
  }

  /** One more than the highest id `region` ever used: in this run, or as a data directory. Raft never reuses an id. */
  private nextNodeId(region: string): string {
    const ids = this.nodes.filter((node) => node.options.region === region).map((node) => Number(node.options.nodeId));
    let dirs: string[] = [];
    try {
      dirs = readdirSync(dataLayout.regionDir(this.dataDir, region));
    } catch {
      // No Region directory yet: nothing to skip.
    }
    for (const dir of dirs) {
      const match = /^node-([1-9]\d*)$/.exec(dir);
      if (match) ids.push(Number(match[1]));
    }
    return String(Math.max(0, ...ids) + 1);
  }

  /**
   * HTTP and Raft ports for a new node of `region`: the first port above the Region's last one
   * that no node of this cluster has, free on the host along with its Raft partner (the Region's
   * own offset between the two, 1000 by default). With one Region that is the next port in line.
   */
  private async freePortsFor(region: string): Promise<{ port: number; raftPort: number }> {
    const { host } = this.options.topology;
    const own = this.nodes.filter((node) => node.options.region === region);
    const last = own.reduce((a, b) => (b.options.port > a.options.port ? b : a));
    const offset = last.options.raftPort - last.options.port;
    const taken = new Set([this.options.topology.gateway.port, ...this.nodes.flatMap((node) => [node.options.port, node.options.raftPort])]);
    for (let port = last.options.port + 1; port <= last.options.port + PORT_SEARCH && port + offset <= 65535; port++) {
      if (taken.has(port) || taken.has(port + offset)) continue;
      if ((await busyPorts(host, [port, port + offset])).length === 0) return { port, raftPort: port + offset };
    }
    throw new ControlError(409, `no free pair of ports for a new node of ${region} on ${host} within ${PORT_SEARCH} above :${last.options.port}`);
  }

  private requireRunning(): void {
    if (!this.record || this.record.state !== 'running' || this.stopping) {
      throw new ControlError(409, `the cluster is ${this.stopping ? 'stopping' : 'still starting'}`);
    }
  }

  private requireRegion(region: string): void {
    const regions = [...new Set(this.nodes.map((node) => node.options.region))];
    if (!regions.includes(region)) {
      throw new ControlError(404, `Region ${region} is not running here; running Regions: ${regions.join(', ')}`);
    }
  }

  /** `us-east-1/2` → the node; ControlError for a bad name, an unknown Region or node, a removed node, or a cluster not running. */
  private findNode(name: string): NodeProcess {
    this.requireRunning();
    const parsed = parseNodeName(String(name));
    if (!parsed) throw new ControlError(400, `"${name}" is not a node name; use <region>/<id>, e.g. us-east-1/2`);
    this.requireRegion(parsed.region);
    const node = this.nodes.find((candidate) => candidate.options.region === parsed.region && candidate.options.nodeId === parsed.nodeId);
    const ids = this.members(parsed.region).map((member) => member.options.nodeId).join(', ');
    if (!node) throw new ControlError(404, `${parsed.region} has no node ${parsed.nodeId}; its nodes: ${ids}`);
    if (this.entryOf(node).removedAt) {
      throw new ControlError(409, `${node.name} was removed from the Region; ids are not reused (its nodes: ${ids})`);
    }
    return node;
  }

  private describeMember(node: NodeProcess, started: number): Omit<MembershipAnswer, 'voters' | 'learners'> {
    return {
      node: formatNodeName({ region: node.options.region, nodeId: node.options.nodeId }),
      pid: node.pid ?? null,
      port: node.options.port,
      raftPort: node.options.raftPort,
      ms: Date.now() - started,
    };
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

function describeProcess(process: NodeProcess | NatsProcess, pid: number | null, skipped: string | undefined): ProcessAnswer {
  const exit = process.exited;
  return {
    name: process instanceof NatsProcess ? 'nats-server' : `node-${process.options.nodeId}`,
    pid,
    state: process.running ? (process.paused ? 'paused' : 'running') : 'exited',
    ...(exit && !process.running ? { exit: { code: exit.code, signal: exit.signal } } : {}),
    ...(skipped ? { skipped } : {}),
  };
}

function skipReason(process: NodeProcess | NatsProcess): string {
  if (!process.running) return 'down already';
  return process.paused ? 'paused' : 'not paused';
}

const shortName = (node: NodeProcess): string => `${node.options.region}/${node.options.nodeId}`;

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
  const orphans = [
    ...record.nodes.filter((node) => isProcessAlive(node.pid, node.entryPoint)),
    ...(record.nats ?? []).filter((nats) => isProcessAlive(nats.pid, nats.confFile)),
  ];
  if (orphans.length > 0) {
    throw new ClusterError(
      `processes of an earlier run in ${displayPath(dataDir)} are still alive (pids ${orphans.map((orphan) => orphan.pid).join(', ')}); ` +
        'run `trent down` first',
    );
  }
}

export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `signal ${signal}`;
  return `exit code ${code ?? 'unknown'}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** A bound raced against something that usually wins: it must not keep the process alive on its own. */
const idle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
