import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { requestJson } from './http-json';
import { dataLayout } from './paths';
import { acceptsConnections } from './ports';
import { SupervisedProcess } from './supervised-process';
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
 * `<data>/logs/nats-<region>.log`. It can be stopped and started again on the same ports; on the
 * SIGTERM of {@link SupervisedProcess.stop} nats-server closes its connections and exits.
 */
export class NatsProcess extends SupervisedProcess {
  readonly url: string;
  readonly confFile: string;

  constructor(readonly options: NatsProcessOptions) {
    super(dataLayout.natsLog(options.dataDir, options.region));
    this.url = natsUrl(options.host, options.nats.port);
    this.confFile = dataLayout.natsConfig(options.dataDir, options.region);
  }

  override get name(): string {
    return `${this.options.region} nats-server`;
  }

  /** Writes the config and spawns nats-server; again after an exit, never while it runs. */
  start(topology: Topology): void {
    this.assertNotRunning();
    const { dataDir, region, program } = this.options;
    mkdirSync(dataLayout.regionDir(dataDir, region), { recursive: true });
    mkdirSync(dataLayout.logsDir(dataDir), { recursive: true });
    writeFileSync(this.confFile, natsConfig(topology, region));
    this.spawnLogged(program, ['-c', this.confFile]);
  }

  /**
   * Whether its client port accepts connections. It connects rather than trying to bind the port:
   * a bind probe held the port for a moment, and a nats-server binding just then exited with
   * "address already in use" (a launcher test failed in CI that way).
   */
  async acceptsClients(): Promise<boolean> {
    return this.running && (await acceptsConnections(this.options.host, this.options.nats.port, 500));
  }

  /** Its gateway connections, from the monitoring endpoint; undefined when that does not answer. */
  gateways(timeoutMs = 500): Promise<NatsGateways | undefined> {
    return probeNatsGateways(this.options.host, this.options.nats.monitorPort, timeoutMs);
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
