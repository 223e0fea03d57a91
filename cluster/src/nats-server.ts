import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, fstatSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { requestJson } from './http-json';
import { readLogTail } from './log-tail';
import type { NodeExit, NodeSignal } from './node-process';
import { dataLayout } from './paths';
import { isPortFree } from './ports';
import type { NatsSpec, Topology } from './topology';

/** Debian's package puts it in /usr/sbin, which a non-root PATH often lacks. */
const NATS_SEARCH_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];

/**
 * The nats-server program: TRENT_NATS_SERVER when set, else the first `nats-server` on PATH or in
 * the sbin directories; undefined when there is none.
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TRENT_NATS_SERVER) return isExecutable(env.TRENT_NATS_SERVER) ? env.TRENT_NATS_SERVER : undefined;
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...NATS_SEARCH_DIRS];
  return dirs.map((dir) => join(dir, 'nats-server')).find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const natsUrl = (host: string, port: number): string => `nats://${host}:${port}`;

/**
 * `<data>/<region>/nats.conf` for one Region: clients on its port, monitoring on its monitor port,
 * and a `gateway` block that names every Region of the topology (itself included, which
 * nats-server skips), so the Regions' servers form one super-cluster and a message published in
 * one Region reaches subscribers in any other. No JetStream: the replicator acknowledges itself.
 */
export function natsConfig(topology: Topology, region: string): string {
  const own = topology.regions.find((spec) => spec.name === region);
  if (!own) throw new Error(`the topology has no Region ${region}`);
  const { host } = topology;
  const gateways = topology.regions
    .map((spec) => `    { name: "${spec.name}", urls: ["${natsUrl(host, spec.nats.gatewayPort)}"] }`)
    .join('\n');
  return [
    `# Written by \`trent up\` on every start; edits are overwritten.`,
    `server_name: "${region}"`,
    `host: "${host}"`,
    `port: ${own.nats.port}`,
    `http: "${host}:${own.nats.monitorPort}"`,
    // The default 1 MiB is plenty for sealed key material; say so rather than rely on it.
    `max_payload: 1048576`,
    `gateway {`,
    `  name: "${region}"`,
    `  host: "${host}"`,
    `  port: ${own.nats.gatewayPort}`,
    `  gateways: [`,
    gateways,
    `  ]`,
    `}`,
    '',
  ].join('\n');
}

export interface NatsProcessOptions {
  readonly region: string;
  readonly host: string;
  readonly nats: NatsSpec;
  readonly dataDir: string;
  /** The nats-server program (see {@link findNatsServer}). */
  readonly program: string;
}

/** What nats-server's monitoring endpoint says about its gateways. */
export interface NatsGateways {
  /** Regions this server has an outbound gateway connection to. */
  readonly outbound: readonly string[];
  /** Regions with an inbound gateway connection to this server. */
  readonly inbound: readonly string[];
}

/**
 * A Region's nats-server as a child process, in its own process group like the nodes, logging to
 * `<data>/logs/nats-<region>.log`. It can be stopped and started again on the same ports.
 */
export class NatsProcess {
  readonly url: string;
  readonly logFile: string;
  readonly confFile: string;
  private child: ChildProcess | undefined;
  private exitInfo: NodeExit | undefined;
  private exitPromise: Promise<NodeExit> | undefined;
  private logStart = 0;
  private stopped = false;

  constructor(readonly options: NatsProcessOptions) {
    this.url = natsUrl(options.host, options.nats.port);
    this.logFile = dataLayout.natsLog(options.dataDir, options.region);
    this.confFile = dataLayout.natsConfig(options.dataDir, options.region);
  }

  get name(): string {
    return `${this.options.region} nats-server`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): NodeExit | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  get paused(): boolean {
    return this.running && this.stopped;
  }

  whenExited(): Promise<NodeExit> {
    if (!this.exitPromise) return Promise.resolve(this.exitInfo ?? { code: null, signal: null });
    return this.exitPromise;
  }

  /** Writes the config and spawns nats-server; again after an exit, never while it runs. */
  start(topology: Topology): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const { dataDir, region, program } = this.options;
    mkdirSync(dataLayout.regionDir(dataDir, region), { recursive: true });
    mkdirSync(dataLayout.logsDir(dataDir), { recursive: true });
    writeFileSync(this.confFile, natsConfig(topology, region));
    this.exitInfo = undefined;
    this.stopped = false;
    const log = openSync(this.logFile, 'a');
    try {
      this.logStart = fstatSync(log).size;
      this.child = spawn(program, ['-c', this.confFile], { stdio: ['ignore', log, log], detached: true });
    } finally {
      closeSync(log);
    }
    const child = this.child;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', () => {
        this.exitInfo ??= { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  send(signal: NodeSignal): void {
    if (!this.running) return;
    this.signal(signal);
    if (signal === 'SIGSTOP') this.stopped = true;
    if (signal === 'SIGCONT') this.stopped = false;
    if (signal === 'SIGTERM' && this.stopped) {
      this.signal('SIGCONT');
      this.stopped = false;
    }
  }

  /** Whether its client port accepts connections (a port that cannot be bound is taken). */
  async acceptsClients(): Promise<boolean> {
    return this.running && !(await isPortFree(this.options.host, this.options.nats.port));
  }

  /** Its gateway connections, from the monitoring endpoint; undefined when that does not answer. */
  gateways(timeoutMs = 500): Promise<NatsGateways | undefined> {
    return probeNatsGateways(this.options.host, this.options.nats.monitorPort, timeoutMs);
  }

  /** SIGTERM (nats-server closes its connections and exits), then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<NodeExit> {
    if (!this.child || this.exitInfo) return this.whenExited();
    this.send('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.whenExited();
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child && !this.exitInfo) this.signal('SIGKILL');
  }

  logTail(lines = 20): string {
    return readLogTail(this.logFile, this.logStart, lines);
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      this.child?.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/** `GET /gatewayz` on a nats-server's monitoring port, reduced to the Region names on each side. */
export async function probeNatsGateways(host: string, monitorPort: number, timeoutMs = 500): Promise<NatsGateways | undefined> {
  try {
    const res = await requestJson<{ outbound_gateways?: Record<string, unknown>; inbound_gateways?: Record<string, unknown> }>(
      `http://${host}:${monitorPort}/gatewayz`,
      { timeoutMs },
    );
    if (res.status !== 200 || typeof res.body !== 'object' || res.body === null) return undefined;
    return { outbound: Object.keys(res.body.outbound_gateways ?? {}).sort(), inbound: Object.keys(res.body.inbound_gateways ?? {}).sort() };
  } catch {
    return undefined;
  }
}
