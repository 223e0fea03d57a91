import {
  ClusterError,
  describeNetworkError,
  displayPath,
  readClusterRecord,
  regionsOf,
  requestJson,
  type ClusterRecord,
} from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, parseCommandLine, stringOption } from '../args';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../cli-error';
import { formatDuration, parseDuration } from '../duration';
import type { CliIo } from '../io';
import { CLOCK_USAGE } from '../usage';
import { formatOffset } from './status.command';

const OPTIONS = { ...COMMON_OPTIONS, region: { type: 'string' } } as const;

interface ClockAnswer {
  readonly clusterTime: string | number;
  readonly clockOffsetMs: number;
}

export async function clockCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(args, OPTIONS, CLOCK_USAGE, true);
  if (values.help) {
    io.out(CLOCK_USAGE);
    return EXIT_OK;
  }
  const [action, durationText, ...extra] = positionals;
  if (action !== 'advance') {
    throw new UsageError(action ? `unknown clock action "${action}"` : 'say what to do with the clock', CLOCK_USAGE);
  }
  if (durationText === undefined) throw new UsageError('say how far to advance, e.g. 31d', CLOCK_USAGE);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, CLOCK_USAGE);
  const seconds = parseDuration(durationText);
  if (seconds === undefined) {
    throw new UsageError(
      `"${durationText}" is not a duration; use a whole number and one unit: 31d, 12h, 90m or 3600s`,
      CLOCK_USAGE,
    );
  }

  const dataDir = dataDirOf(values);
  const record = readClusterRecord(dataDir);
  if (!record) throw new ClusterError(`Trent is not running in ${displayPath(dataDir)}`);
  const regions = regionsOf(record).map((region) => region.name);
  const only = stringOption(values, 'region');
  if (only !== undefined && !regions.includes(only)) {
    throw new ClusterError(`Region ${only} is not running here; running Regions: ${regions.join(', ')}`);
  }

  const targets = only === undefined ? regions : [only];
  const results = await Promise.all(targets.map((region) => advanceRegion(record, region, seconds)));
  let failed = false;
  io.out(`Advanced cluster time by ${formatDuration(seconds * 1000)}:`);
  for (const [index, result] of results.entries()) {
    const region = targets[index].padEnd(Math.max(...targets.map((name) => name.length)));
    if ('error' in result) {
      failed = true;
      io.err(`trent: ${targets[index]}: ${result.error}`);
    } else {
      const time = typeof result.clusterTime === 'number' ? new Date(result.clusterTime).toISOString() : result.clusterTime;
      io.out(`  ${region}  ${time}  (offset ${formatOffset(result.clockOffsetMs)})`);
    }
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}

/** Asks the Region's nodes in turn until one moves the clock; the change is Region-wide. */
async function advanceRegion(
  record: ClusterRecord,
  region: string,
  seconds: number,
): Promise<ClockAnswer | { error: string }> {
  const problems: string[] = [];
  for (const node of record.nodes.filter((n) => n.region === region)) {
    try {
      const res = await requestJson<ClockAnswer>(`${node.url}/_trent/clock/advance`, {
        method: 'POST',
        body: { seconds },
        timeoutMs: 10_000,
      });
      if (res.status === 200) return res.body;
      if (res.status === 404) {
        return { error: 'the nodes run without dev mode, so the clock cannot move (start them with TRENT_DEV_MODE=1)' };
      }
      problems.push(`node-${node.nodeId} answered HTTP ${res.status}${errorText(res.body)}`);
    } catch (err) {
      problems.push(`node-${node.nodeId}: ${describeNetworkError(err)}`);
    }
  }
  return { error: `no node moved the clock (${problems.join('; ')})` };
}

function errorText(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body) return `: ${String(body.message)}`;
  return '';
}
