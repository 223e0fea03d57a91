import {
  collectRegionReports,
  describeNetworkError,
  displayPath,
  isProcessAlive,
  isProcessStopped,
  raftOf,
  readClusterRecord,
  regionsOf,
  requestJson,
  summarizeRegion,
  type ClusterRecord,
  type ClusterStatus,
  type NodeReport,
  type RegionReport,
} from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, parseCommandLine } from '../args';
import { EXIT_FAILURE, EXIT_OK } from '../cli-error';
import { formatDuration } from '../duration';
import type { CliIo } from '../io';
import { STATUS_USAGE } from '../usage';

const OPTIONS = { ...COMMON_OPTIONS, json: { type: 'boolean' } } as const;
const NONE = '—';

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

  const status = markPaused(record, await fetchClusterStatus(record));
  if (values.json) {
    const regions = status.regions.map((region) => ({ name: region.name, summary: summarizeRegion(region), nodes: region.nodes }));
    io.out(
      JSON.stringify(
        { dataDir, supervisor: { pid: record.supervisorPid, state: supervisorAlive ? 'up' : 'down' }, ...status, regions },
        null,
        2,
      ),
    );
    return EXIT_OK;
  }
  io.out(formatStatus(record, status, supervisorAlive));
  return EXIT_OK;
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
export function formatStatus(record: ClusterRecord, status: ClusterStatus, supervisorAlive: boolean): string {
  const lines: string[] = [];
  const notes: string[] = [];
  const times: string[] = [];
  for (const region of status.regions) {
    lines.push(...formatRegion(record, region, notes), '');
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
  if (notes.length > 0) lines.push('', 'Not up:', ...notes);
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

  const rows: string[][] = [[' ', 'NODE', 'URL', 'PID', 'STATE', 'ROLE', 'TERM', 'COMMIT', 'APPLIED', 'LEADER', 'LAST CONTACT', 'KEYS']];
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
      ]);
    } else {
      const pid = known && isProcessAlive(known.pid, known.entryPoint) ? String(known.pid) : '-';
      rows.push([' ', `node-${node.id}`, node.url, pid, node.state, '-', '-', '-', '-', '-', '-', '-']);
      const exited = known?.exit ? `; exited with ${known.exit.signal ? `signal ${known.exit.signal}` : `code ${known.exit.code}`} at ${known.exit.at}` : '';
      const hint = node.state === 'paused' ? ` — \`trent resume ${region.name}/${node.id}\`` : known?.exit ? ` — \`trent start ${region.name}/${node.id}\`` : '';
      notes.push(`  ${region.name} node-${node.id}: ${node.error}${exited}${hint}${known ? `; log ${displayPath(known.logFile)}` : ''}`);
    }
  }
  lines.push(...renderTable(rows).split('\n').map((row) => `  ${row}`.trimEnd()));
  return lines;
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
