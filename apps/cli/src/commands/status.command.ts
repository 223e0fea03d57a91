import {
  collectRegionReports,
  describeNetworkError,
  displayPath,
  isProcessAlive,
  readClusterRecord,
  regionsOf,
  requestJson,
  type ClusterRecord,
  type ClusterStatus,
} from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, parseCommandLine } from '../args';
import { EXIT_FAILURE, EXIT_OK } from '../cli-error';
import { formatDuration } from '../duration';
import type { CliIo } from '../io';
import { STATUS_USAGE } from '../usage';

const OPTIONS = { ...COMMON_OPTIONS, json: { type: 'boolean' } } as const;

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

  const status = await fetchClusterStatus(record);
  if (values.json) {
    io.out(
      JSON.stringify(
        { dataDir, supervisor: { pid: record.supervisorPid, state: supervisorAlive ? 'up' : 'down' }, ...status },
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
    regions: await collectRegionReports(record.host, regionsOf(record)),
  };
}

export function formatStatus(record: ClusterRecord, status: ClusterStatus, supervisorAlive: boolean): string {
  const rows: string[][] = [['REGION', 'NODE', 'URL', 'PID', 'ROLE', 'TERM', 'COMMIT', 'APPLIED', 'KEYS', 'STATE']];
  const notes: string[] = [];
  const times: string[] = [];
  for (const region of status.regions) {
    let timeShown = false;
    for (const node of region.nodes) {
      if (node.state === 'up') {
        const s = node.status;
        rows.push([region.name, node.id, node.url, String(s.pid), s.role, String(s.term), String(s.commitIndex), String(s.appliedIndex), String(s.keys), 'up']);
        if (!timeShown) {
          times.push(`  ${region.name}  ${formatTime(s.clusterTime)}  (offset ${formatOffset(s.clockOffsetMs)})`);
          timeShown = true;
        }
      } else {
        const known = record.nodes.find((n) => n.region === region.name && n.nodeId === node.id);
        const pid = known && isProcessAlive(known.pid, known.entryPoint) ? String(known.pid) : '-';
        rows.push([region.name, node.id, node.url, pid, '-', '-', '-', '-', '-', 'down']);
        const exited = known?.exit ? `; exited with ${known.exit.signal ? `signal ${known.exit.signal}` : `code ${known.exit.code}`} at ${known.exit.at}` : '';
        notes.push(`  ${region.name} node-${node.id}: ${node.error}${exited}${known ? ` — log ${displayPath(known.logFile)}` : ''}`);
      }
    }
  }
  const gatewayPid = supervisorAlive ? String(record.supervisorPid) : '-';
  rows.push(['gateway', '-', status.gateway.url, gatewayPid, '-', '-', '-', '-', '-', status.gateway.state]);
  if (status.gateway.state === 'down') notes.push(`  gateway: ${status.gateway.error ?? 'not answering'}`);
  if (!supervisorAlive) {
    notes.push(`  supervisor (pid ${record.supervisorPid}) is gone; its nodes run unsupervised — \`trent down\` stops them`);
  }

  const lines = [renderTable(rows)];
  if (times.length > 0) lines.push('', 'Cluster time:', ...times);
  if (notes.length > 0) lines.push('', 'Down:', ...notes);
  return lines.join('\n');
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
