import {
  collectRegionReports,
  describeNetworkError,
  displayPath,
  isProcessAlive,
  isProcessStopped,
  probeNatsGateways,
  raftOf,
  readClusterRecord,
  regionsOf,
  requestJson,
  summarizeRegion,
  type ClusterRecord,
  type ClusterStatus,
  type NatsRecord,
  type NodeReport,
  type RegionReport,
  type ReplicationStatus,
} from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, parseCommandLine } from '../args';
import { EXIT_FAILURE, EXIT_OK } from '../cli-error';
import { formatDuration } from '../duration';
import type { CliIo } from '../io';
import { STATUS_USAGE } from '../usage';

const OPTIONS = { ...COMMON_OPTIONS, json: { type: 'boolean' } } as const;
const NONE = '—';
/** A node that does not report replication (built before it). */
const NOT_REPORTED = '–';

/** A Region's nats-server as `trent status` finds it: by its pid and its monitoring endpoint. */
export interface NatsReport {
  readonly region: string;
  readonly url: string;
  readonly state: 'up' | 'down' | 'paused';
  readonly pid: number | null;
  /** Regions it has an outbound gateway connection to; undefined when its monitoring port does not answer. */
  readonly gateways?: readonly string[];
  /** Every other Region of the cluster: what `gateways` should list. */
  readonly expected: readonly string[];
}

export async function statusCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(args, OPTIONS, STATUS_USAGE);
  if (values.help) {
    io.out(STATUS_USAGE);
    return EXIT_OK;
  }
  const dataDir = dataDirOf(values);
  const record = readClusterRecord(dataDir);
  const supervisorAlive = record !== undefined && isProcessAlive(record.supervisorPid, record.supervisorCommand);
  const anyNodeAlive = record?.nodes.some((node) => isProcessAlive(node.pid, node.entryPoint)) ?? false;
  if (!record || (!supervisorAlive && !anyNodeAlive)) {
    io.err(
      record
        ? `Trent is not running in ${displayPath(dataDir)} (its supervisor, pid ${record.supervisorPid}, is gone; \`trent down\` tidies up).`
        : `Trent is not running in ${displayPath(dataDir)}.`,
    );
    return EXIT_FAILURE;
  }

  const [clusterStatus, nats] = await Promise.all([fetchClusterStatus(record), fetchNatsReports(record)]);
  const status = markPaused(record, clusterStatus);
  if (values.json) {
    const regions = status.regions.map((region) => ({
      name: region.name,
      summary: summarizeRegion(region),
      nats: nats.find((report) => report.region === region.name),
      nodes: region.nodes,
    }));
    io.out(
      JSON.stringify(
        { dataDir, supervisor: { pid: record.supervisorPid, state: supervisorAlive ? 'up' : 'down' }, ...status, regions },
        null,
        2,
      ),
    );
    return EXIT_OK;
  }
  io.out(formatStatus(record, status, supervisorAlive, nats));
  return EXIT_OK;
}

/** Each Region's nats-server from cluster.json: alive by pid (and its config path), its gateways from `/gatewayz`. */
export async function fetchNatsReports(record: ClusterRecord): Promise<NatsReport[]> {
  const all = record.nats ?? [];
  return Promise.all(
    all.map(async (nats: NatsRecord): Promise<NatsReport> => {
      const alive = isProcessAlive(nats.pid, nats.confFile);
      const expected = all.filter((other) => other.region !== nats.region).map((other) => other.region);
      if (!alive) return { region: nats.region, url: nats.url, state: 'down', pid: null, expected };
      if (isProcessStopped(nats.pid)) return { region: nats.region, url: nats.url, state: 'paused', pid: nats.pid, expected };
      const gateways = await probeNatsGateways(record.host, nats.monitorPort, 1_000);
      return { region: nats.region, url: nats.url, state: 'up', pid: nats.pid, gateways: gateways?.outbound, expected };
    }),
  );
}

/** The gateway's aggregate; when the gateway does not answer, the nodes are asked directly. */
export async function fetchClusterStatus(record: ClusterRecord): Promise<ClusterStatus> {
  let gatewayError: string;
  try {
    const res = await requestJson<ClusterStatus>(`${record.gateway.url}/_trent/status`, { timeoutMs: 5_000 });
    if (res.status === 200 && typeof res.body === 'object') return res.body;
    gatewayError = `status answered HTTP ${res.status}`;
  } catch (err) {
    gatewayError = describeNetworkError(err);
  }
  return {
    gateway: { url: record.gateway.url, state: 'down', error: gatewayError },
    regions: await collectRegionReports(record.host, regionsOf(record), 2_000, (region, id) => {
      const node = record.nodes.find((n) => n.region === region && n.nodeId === id);
      return isProcessStopped(node?.pid) === true;
    }),
  };
}

/** A node that does not answer because it is stopped (SIGSTOP, by us or anyone) is paused, not down. */
function markPaused(record: ClusterRecord, status: ClusterStatus): ClusterStatus {
  const regions = status.regions.map((region) => ({
    ...region,
    nodes: region.nodes.map((node): NodeReport => {
      if (node.state !== 'down') return node;
      const known = record.nodes.find((n) => n.region === region.name && n.nodeId === node.id);
      return isProcessStopped(known?.pid) ? { ...node, state: 'paused', error: 'paused (SIGSTOP)' } : node;
    }),
  }));
  return { ...status, regions };
}

/**
 * Per Region: a line with its leader, term and how many nodes are up, a warning when it has lost
 * its majority, then one row per node (the leader marked `*`). Then the gateway, the cluster
 * time of each Region, and why each node that is not up is not.
 */
export function formatStatus(record: ClusterRecord, status: ClusterStatus, supervisorAlive: boolean, nats: readonly NatsReport[] = []): string {
  const lines: string[] = [];
  const notes: string[] = [];
  const times: string[] = [];
  for (const region of status.regions) {
    lines.push(...formatRegion(record, region, notes));
    const natsReport = nats.find((report) => report.region === region.name);
    if (natsReport) lines.push(formatNats(natsReport, notes));
    const replication = formatReplication(region, notes);
    if (replication) lines.push(replication);
    lines.push('');
    const first = region.nodes.find((node) => node.state === 'up');
    if (first?.state === 'up') {
      times.push(`  ${region.name}  ${formatTime(first.status.clusterTime)}  (offset ${formatOffset(first.status.clockOffsetMs)})`);
    }
  }
  const gatewayPid = supervisorAlive ? `pid ${record.supervisorPid}` : 'no supervisor';
  lines.push(`Gateway: ${status.gateway.url}  ${status.gateway.state}  (${gatewayPid})`);
  if (status.gateway.state === 'down') notes.push(`  gateway: ${status.gateway.error ?? 'not answering'}`);
  if (!supervisorAlive) {
    notes.push(`  supervisor (pid ${record.supervisorPid}) is gone; its nodes run unsupervised — \`trent down\` stops them`);
  }
  if (times.length > 0) lines.push('', 'Cluster time:', ...times);
  if (notes.length > 0) lines.push('', 'Needs attention:', ...notes);
  return lines.join('\n');
}

function formatRegion(record: ClusterRecord, region: RegionReport, notes: string[]): string[] {
  const summary = summarizeRegion(region);
  const head = [
    `${region.name}: ${summary.leader ? `leader node-${summary.leader}` : 'no leader'}`,
    ...(summary.term !== null ? [`term ${summary.term}`] : []),
    `${summary.up}/${region.nodes.length} nodes up`,
  ].join(', ');
  const lines = [head];
  if (!summary.hasQuorum) {
    lines.push(
      `  warning: no quorum — ${summary.up} of ${summary.voters} nodes up, ${summary.quorum} needed; ` +
        'writes fail until a majority is back',
    );
  } else if (!summary.leader) {
    lines.push('  warning: no leader yet — an election is under way, or the nodes cannot reach each other');
  }

  const rows: string[][] = [[' ', 'NODE', 'URL', 'PID', 'STATE', 'ROLE', 'TERM', 'COMMIT', 'APPLIED', 'LEADER', 'LAST CONTACT', 'KEYS', 'NATS']];
  for (const node of region.nodes) {
    const known = record.nodes.find((n) => n.region === region.name && n.nodeId === node.id);
    if (node.state === 'up') {
      const s = node.status;
      const raft = raftOf(s);
      rows.push([
        node.id === summary.leader ? '*' : ' ',
        `node-${node.id}`,
        node.url,
        String(s.pid),
        'up',
        raft.role,
        String(raft.term),
        String(raft.commit),
        String(raft.applied),
        raft.leader ? `node-${raft.leader}` : NONE,
        formatContact(raft.role, raft.lastContactMs),
        String(s.keys),
        natsLinkOf(s.replication),
      ]);
    } else {
      const pid = known && isProcessAlive(known.pid, known.entryPoint) ? String(known.pid) : '-';
      rows.push([' ', `node-${node.id}`, node.url, pid, node.state, '-', '-', '-', '-', '-', '-', '-', '-']);
      const exited = known?.exit ? `; exited with ${known.exit.signal ? `signal ${known.exit.signal}` : `code ${known.exit.code}`} at ${known.exit.at}` : '';
      const hint = node.state === 'paused' ? ` — \`trent resume ${region.name}/${node.id}\`` : known?.exit ? ` — \`trent start ${region.name}/${node.id}\`` : '';
      notes.push(`  ${region.name} node-${node.id}: ${node.error}${exited}${hint}${known ? `; log ${displayPath(known.logFile)}` : ''}`);
    }
  }
  lines.push(...renderTable(rows).split('\n').map((row) => `  ${row}`.trimEnd()));
  return lines;
}

/** The node's link to its Region's nats-server: connected, reconnecting, disconnected; `off` when replication is disabled, – when not reported. */
export function natsLinkOf(replication: ReplicationStatus | undefined): string {
  if (!replication) return NOT_REPORTED;
  return replication.enabled ? replication.nats : 'off';
}

/** `  NATS         nats://127.0.0.1:6566  up (pid 4321), gateways to us-west-2, eu-west-1` */
function formatNats(nats: NatsReport, notes: string[]): string {
  const head = `  NATS         ${nats.url}  ${nats.state}`;
  if (nats.state === 'down') {
    notes.push(`  ${nats.region} nats-server: down — \`trent start ${nats.region}\``);
    return head;
  }
  if (nats.state === 'paused') return `${head} (pid ${nats.pid}) — \`trent resume ${nats.region}\``;
  if (nats.gateways === undefined) return `${head} (pid ${nats.pid}), gateways unknown (its monitoring port does not answer)`;
  const missing = nats.expected.filter((region) => !nats.gateways!.includes(region));
  const reached = nats.gateways.length > 0 ? `gateways to ${nats.gateways.join(', ')}` : 'no gateway to another Region';
  return `${head} (pid ${nats.pid}), ${reached}${missing.length > 0 ? `; not reaching ${missing.join(', ')}` : ''}`;
}

/**
 * `  replication  backlog 4 (eu-west-1 3, us-west-2 1), in flight 1; sent 12, received 3, rejected 0`,
 * from the node that sends (the leader); undefined when no node of the Region reports replication.
 */
function formatReplication(region: RegionReport, notes: string[]): string | undefined {
  const reports = region.nodes.flatMap((node) => (node.state === 'up' && node.status.replication ? [{ id: node.id, replication: node.status.replication }] : []));
  if (reports.length === 0) return undefined;
  const enabled = reports.flatMap((report) => (report.replication.enabled ? [{ id: report.id, replication: report.replication }] : []));
  if (enabled.length === 0) return '  replication  off';
  const sender = enabled.find((report) => report.replication.sending);
  if (!sender) return '  replication  no node is sending (no leader?)';
  const r = sender.replication;
  const byRegion = Object.entries(r.backlogByRegion).filter(([, count]) => count > 0);
  const backlog = `backlog ${r.backlog}${byRegion.length > 0 ? ` (${byRegion.map(([name, count]) => `${name} ${count}`).join(', ')})` : ''}`;
  const received = enabled.reduce((sum, report) => sum + report.replication.received, 0);
  const rejected = enabled.reduce((sum, report) => sum + report.replication.rejected, 0);
  for (const report of enabled) {
    const { lastRejection, lastError } = report.replication;
    if (lastRejection) {
      notes.push(`  ${region.name} node-${report.id}: rejected a message${lastRejection.from ? ` from ${lastRejection.from}` : ''} at ${formatTime(lastRejection.at)}: ${lastRejection.reason}`);
    }
    if (lastError) {
      notes.push(`  ${region.name} node-${report.id}: replication error${lastError.to ? ` towards ${lastError.to}` : ''} at ${formatTime(lastError.at)}: ${lastError.message}`);
    }
  }
  return `  replication  ${backlog}, in flight ${r.inFlight}; sent ${r.sent}, received ${received}, rejected ${rejected} (leader node-${sender.id})`;
}

/** Time since the node last heard from its leader: `12 ms`, `1.4 s`; a dash on the leader or when never. */
export function formatContact(role: string, ms: number | null): string {
  if (ms === null || role === 'leader') return NONE;
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function renderTable(rows: readonly string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}

function formatTime(time: string | number): string {
  return typeof time === 'number' ? new Date(time).toISOString() : time;
}

export function formatOffset(ms: number): string {
  return ms >= 0 ? `+${formatDuration(ms)}` : formatDuration(ms);
}
