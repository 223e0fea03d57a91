import { readFileSync } from 'node:fs';
import { ClusterError } from './cluster-error';

/**
 * A topology is the layout of a local Trent: one gateway that serves every Region, and for each
 * Region the nodes that form its Raft group (at most {@link MAX_NODES_PER_REGION}).
 */
export interface Topology {
  /** Interface every process listens on. */
  readonly host: string;
  readonly gateway: { readonly port: number };
  readonly regions: readonly RegionSpec[];
}

export interface RegionSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  /** The Region's own nats-server; joined to every other Region's through NATS gateways. */
  readonly nats: NatsSpec;
}

/**
 * Where a Region's nats-server listens. The defaults of the `i`-th Region follow the gateway port
 * P (see {@link NATS_PORT_OFFSETS}): clients on P+2000+i, NATS gateways (the super-cluster links)
 * on P+3000+i, the monitoring endpoint (`/varz`, `/gatewayz`) on P+4000+i.
 */
export interface NatsSpec {
  /** The nodes connect here (TRENT_NATS_URL). */
  readonly port: number;
  /** Where the other Regions' nats-servers connect (the `gateway {}` block). */
  readonly gatewayPort: number;
  /** nats-server's HTTP monitoring port: readiness and `trent status` read `/gatewayz` there. */
  readonly monitorPort: number;
}

export interface NodeSpec {
  /** '1', '2', … — unique within its Region. */
  readonly id: string;
  /** HTTP: the KMS API and /_trent routes. */
  readonly port: number;
  /** Where the node listens for its Raft peers; node port + {@link RAFT_PORT_OFFSET} unless the file says otherwise. */
  readonly raftPort: number;
}

/** Where a node's HTTP routes are: all the gateway and status collection need. */
export interface RegionEndpoints {
  readonly name: string;
  readonly nodes: readonly Pick<NodeSpec, 'id' | 'port'>[];
}

/** What `trent up` may change about a topology file. */
export interface TopologyOverrides {
  readonly regions?: readonly string[];
  readonly nodes?: number;
  readonly port?: number;
}

export const DEFAULT_GATEWAY_PORT = 4566;
/**
 * A Region's NATS ports above the gateway port P, plus the Region's index: with P = 4566, the
 * first Region's nats-server takes 6566 (clients), 7566 (gateways) and 8566 (monitoring). Above
 * the node ports (P+1…) and their Raft ports (P+1001…), so `--port` moves every port of a
 * cluster together and two clusters on different `--port`s do not meet.
 */
export const NATS_PORT_OFFSETS = { client: 2000, gateway: 3000, monitor: 4000 } as const;
export const DEFAULT_HOST = '127.0.0.1';
/** A Region is one Raft group; beyond 7 voters every write waits on more acknowledgements for no gain on one machine. */
export const MAX_NODES_PER_REGION = 7;
/** A node's Raft port defaults to its HTTP port + 1000 (the node's own default too). */
export const RAFT_PORT_OFFSET = 1000;
/** us-east-1, eu-west-1, ap-southeast-2, us-gov-west-1, … */
export const REGION_NAME_PATTERN = /^([a-z]+-){2,3}\d+$/;

export function loadTopology(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ClusterError(`cannot read topology ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ClusterError(`topology ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseTopology(json, file);
}

/** Checks the shape of a parsed topology file and every rule of {@link validateTopology}. */
export function parseTopology(json: unknown, source = 'topology'): Topology {
  const problems: string[] = [];
  const topology = readTopologyShape(json, problems);
  if (topology) problems.push(...validateTopology(topology));
  if (problems.length > 0) throw new ClusterError(`${source} is invalid: ${problems.join('; ')}`);
  return topology as Topology;
}

/**
 * Applies `--regions`, `--nodes` and `--port`. Whenever one of them is given, node ports are laid
 * out again from the gateway port: P+1, P+2, … in Region order, then node order, so the same
 * command always yields the same URLs; each Raft port is its node's port + 1000.
 */
export function applyOverrides(base: Topology, overrides: TopologyOverrides): Topology {
  const { regions, nodes, port } = overrides;
  if (regions === undefined && nodes === undefined && port === undefined) return base;

  const problems: string[] = [];
  if (regions !== undefined && regions.length === 0) problems.push('--regions names no Region');
  if (nodes !== undefined && !(Number.isInteger(nodes) && nodes >= 1)) {
    problems.push(`--nodes must be a whole number of at least 1 (got ${nodes})`);
  }
  if (port !== undefined && !isPort(port)) problems.push(`--port must be a TCP port, 1-65535 (got ${port})`);
  if (problems.length > 0) throw new ClusterError(problems.join('; '));

  const regionNames = regions ?? base.regions.map((region) => region.name);
  const nodeCounts = regionNames.map(
    (name) => nodes ?? base.regions.find((region) => region.name === name)?.nodes.length ?? 1,
  );
  const topology = layOut(base.host, port ?? base.gateway.port, regionNames, nodeCounts);
  const invalid = validateTopology(topology);
  if (invalid.length > 0) throw new ClusterError(invalid.join('; '));
  return topology;
}

/**
 * A topology whose node ports follow the gateway port, in order; Raft ports sit 1000 above; each
 * Region's NATS ports are {@link defaultNats}.
 */
export function layOut(
  host: string,
  gatewayPort: number,
  regionNames: readonly string[],
  nodeCounts: readonly number[],
): Topology {
  let next = gatewayPort + 1;
  const regions = regionNames.map((name, index) => ({
    name,
    nodes: Array.from({ length: nodeCounts[index] }, (_, n) => {
      const port = next++;
      return { id: String(n + 1), port, raftPort: port + RAFT_PORT_OFFSET };
    }),
    nats: defaultNats(gatewayPort, index),
  }));
  return { host, gateway: { port: gatewayPort }, regions };
}

/** The NATS ports of the Region at `index` (0-based, topology order) of a cluster whose gateway is on `gatewayPort`. */
export function defaultNats(gatewayPort: number, index: number): NatsSpec {
  return {
    port: gatewayPort + NATS_PORT_OFFSETS.client + index,
    gatewayPort: gatewayPort + NATS_PORT_OFFSETS.gateway + index,
    monitorPort: gatewayPort + NATS_PORT_OFFSETS.monitor + index,
  };
}

/** Every rule a runnable topology must keep, as readable problems (empty when valid). */
export function validateTopology(topology: Topology): string[] {
  const problems: string[] = [];
  if (topology.regions.length === 0) problems.push('at least one Region is needed');

  const seenRegions = new Set<string>();
  const usedPorts = new Map<number, string>([[topology.gateway.port, 'the gateway']]);
  if (!isPort(topology.gateway.port)) problems.push(`gateway port ${topology.gateway.port} is not a TCP port (1-65535)`);

  for (const region of topology.regions) {
    if (!REGION_NAME_PATTERN.test(region.name)) {
      problems.push(`"${region.name}" is not a Region name (expected something like us-east-1 or eu-west-1)`);
    }
    if (seenRegions.has(region.name)) problems.push(`Region ${region.name} is listed twice`);
    seenRegions.add(region.name);

    if (region.nodes.length === 0) problems.push(`Region ${region.name} has no nodes`);
    if (region.nodes.length > MAX_NODES_PER_REGION) {
      problems.push(
        `Region ${region.name} asks for ${region.nodes.length} nodes; a Region has at most ${MAX_NODES_PER_REGION} (odd counts: 1, 3, 5 or 7)`,
      );
    }
    const seenIds = new Set<string>();
    for (const node of region.nodes) {
      const name = `${region.name} node-${node.id}`;
      if (!/^[1-9]\d*$/.test(node.id)) problems.push(`${name}: node ids are '1', '2', …`);
      if (seenIds.has(node.id)) problems.push(`${name} is listed twice`);
      seenIds.add(node.id);
      claimPort(node.port, name, `${name}: port`);
      claimPort(node.raftPort, `${name} (Raft)`, `${name}: Raft port`);
    }
    const nats = `${region.name} NATS`;
    claimPort(region.nats.port, nats, `${nats}: client port`);
    claimPort(region.nats.gatewayPort, `${nats} (gateway)`, `${nats}: gateway port`);
    claimPort(region.nats.monitorPort, `${nats} (monitoring)`, `${nats}: monitoring port`);
  }
  return problems;

  function claimPort(port: number, owner: string, what: string): void {
    if (!isPort(port)) return void problems.push(`${what} ${port} is not a TCP port (1-65535)`);
    const taken = usedPorts.get(port);
    if (taken) problems.push(`${what} ${port} is already used by ${taken}`);
    else usedPorts.set(port, owner);
  }
}

/**
 * Layouts that run but are probably not what was meant. An even number of voters tolerates no
 * more failures than one node fewer (4 nodes need 3 for a majority, like 3 nodes need 2).
 */
export function topologyWarnings(topology: Topology): string[] {
  return topology.regions
    .filter((region) => region.nodes.length % 2 === 0)
    .map((region) => {
      const n = region.nodes.length;
      const survives = Math.floor((n - 1) / 2);
      return (
        `Region ${region.name} has ${n} nodes: a majority is ${Math.floor(n / 2) + 1}, so it survives ` +
        `${survives} failure${survives === 1 ? '' : 's'}, like ${n - 1} node${n - 1 > 1 ? 's' : ''}; odd counts are recommended`
      );
    });
}

/** Every port a topology listens on: the gateway's, then each Region's nodes' HTTP and Raft ports and its NATS ports. */
export function portsOf(topology: Topology): number[] {
  return [
    topology.gateway.port,
    ...topology.regions.flatMap((region) => [
      ...region.nodes.flatMap((node) => [node.port, node.raftPort]),
      ...natsPortsOf(region.nats),
    ]),
  ];
}

export const natsPortsOf = (nats: NatsSpec): number[] => [nats.port, nats.gatewayPort, nats.monitorPort];

/** `us-east-1, eu-west-1` → ['us-east-1', 'eu-west-1']; duplicates are reported by validation. */
export function parseRegionList(value: string): string[] {
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

export function nodeCount(topology: Topology): number {
  return topology.regions.reduce((sum, region) => sum + region.nodes.length, 0);
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

function readTopologyShape(json: unknown, problems: string[]): Topology | undefined {
  if (!isObject(json)) {
    problems.push('expected a JSON object with "gateway" and "regions"');
    return undefined;
  }
  rejectUnknownKeys(json, ['host', 'gateway', 'regions'], 'topology', problems);

  const host = json.host ?? DEFAULT_HOST;
  if (typeof host !== 'string' || host.length === 0) problems.push('"host" must be a non-empty string');

  let gatewayPort = DEFAULT_GATEWAY_PORT;
  if (json.gateway !== undefined) {
    if (!isObject(json.gateway)) problems.push('"gateway" must be an object like {"port": 4566}');
    else {
      rejectUnknownKeys(json.gateway, ['port'], 'gateway', problems);
      if (json.gateway.port !== undefined) {
        if (typeof json.gateway.port !== 'number') problems.push('"gateway.port" must be a number');
        else gatewayPort = json.gateway.port;
      }
    }
  }

  if (!Array.isArray(json.regions)) {
    problems.push('"regions" must be a list of {"name", "nodes"}');
    return undefined;
  }
  const regions: RegionSpec[] = [];
  json.regions.forEach((region: unknown, index: number) => {
    const where = `regions[${index}]`;
    if (!isObject(region)) return void problems.push(`${where} must be an object`);
    rejectUnknownKeys(region, ['name', 'nodes', 'nats'], where, problems);
    const nats = readNatsShape(region.nats, defaultNats(gatewayPort, index), `${where}.nats`, problems);
    if (typeof region.name !== 'string') return void problems.push(`${where}.name must be a string`);
    if (!Array.isArray(region.nodes)) return void problems.push(`${where}.nodes must be a list of {"id", "port", "raftPort"?}`);
    const nodes: NodeSpec[] = [];
    region.nodes.forEach((node: unknown, n: number) => {
      const nodeWhere = `${where}.nodes[${n}]`;
      if (!isObject(node)) return void problems.push(`${nodeWhere} must be an object`);
      rejectUnknownKeys(node, ['id', 'port', 'raftPort'], nodeWhere, problems);
      if (typeof node.id !== 'string') return void problems.push(`${nodeWhere}.id must be a string like "1"`);
      if (typeof node.port !== 'number') return void problems.push(`${nodeWhere}.port must be a number`);
      if (node.raftPort !== undefined && typeof node.raftPort !== 'number') {
        return void problems.push(`${nodeWhere}.raftPort must be a number`);
      }
      nodes.push({ id: node.id, port: node.port, raftPort: node.raftPort ?? node.port + RAFT_PORT_OFFSET });
    });
    regions.push({ name: region.name, nodes, nats });
  });
  if (problems.length > 0) return undefined;
  return { host: host as string, gateway: { port: gatewayPort }, regions };
}

/** `"nats": {"port", "gatewayPort", "monitorPort"}`, each optional: a missing one takes its default. */
function readNatsShape(json: unknown, defaults: NatsSpec, where: string, problems: string[]): NatsSpec {
  if (json === undefined) return defaults;
  if (!isObject(json)) {
    problems.push(`${where} must be an object like {"port": 6566, "gatewayPort": 7566, "monitorPort": 8566}`);
    return defaults;
  }
  const fields = ['port', 'gatewayPort', 'monitorPort'] as const;
  rejectUnknownKeys(json, fields, where, problems);
  const nats: Record<(typeof fields)[number], number> = { ...defaults };
  for (const field of fields) {
    const value = json[field];
    if (value === undefined) continue;
    if (typeof value !== 'number') problems.push(`${where}.${field} must be a number`);
    else nats[field] = value;
  }
  return nats;
}

function rejectUnknownKeys(
  object: Record<string, unknown>,
  known: readonly string[],
  where: string,
  problems: string[],
): void {
  for (const key of Object.keys(object)) {
    // "$comment" and friends are for people reading the file.
    if (!key.startsWith('$') && !known.includes(key)) problems.push(`${where} has an unknown field "${key}"`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
