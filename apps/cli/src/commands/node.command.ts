import { parseNodeName, REGION_NAME_PATTERN, type ControlAnswer, type NodeSignal, type RegionAnswer } from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, parseCommandLine } from '../args';
import { EXIT_OK, UsageError } from '../cli-error';
import { formatSeconds } from '../duration';
import type { CliIo } from '../io';
import { askSupervisor, requireNode, requireRegion, requireSupervisor } from '../running-cluster';
import { NODE_USAGES } from '../usage';

/** The commands that act on one node through the supervisor. */
export type NodeAction = 'kill' | 'stop' | 'start' | 'pause' | 'resume';

const SIGNALS: Record<Exclude<NodeAction, 'start'>, NodeSignal> = {
  kill: 'SIGKILL',
  stop: 'SIGTERM',
  pause: 'SIGSTOP',
  resume: 'SIGCONT',
};

/** `trent kill|stop|start|pause|resume <region>/<id>`, or a whole Region: `trent kill us-east-1` */
export function nodeCommand(action: NodeAction): (args: readonly string[], io: CliIo) => Promise<number> {
  const usage = NODE_USAGES[action];
  return async (args, io) => {
    const { values, positionals } = parseCommandLine(args, COMMON_OPTIONS, usage, true);
    if (values.help) {
      io.out(usage);
      return EXIT_OK;
    }
    const [nameText, ...extra] = positionals;
    if (nameText === undefined) throw new UsageError('say which node or Region, e.g. us-east-1/2 or us-east-1', usage);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, usage);

    if (REGION_NAME_PATTERN.test(nameText)) {
      const record = requireSupervisor(dataDirOf(values));
      requireRegion(record, nameText);
      const answer =
        action === 'start'
          ? await askSupervisor<RegionAnswer>(record, 'start', { region: nameText })
          : await askSupervisor<RegionAnswer>(record, 'kill', { region: nameText, signal: SIGNALS[action] });
      io.out(describeRegionAnswer(action, answer));
      return EXIT_OK;
    }
    if (!parseNodeName(nameText)) {
      throw new UsageError(`"${nameText}" is neither a node nor a Region; use <region>/<id> (us-east-1/2) or a Region (us-east-1)`, usage);
    }

    const record = requireSupervisor(dataDirOf(values));
    const node = requireNode(record, nameText, usage);
    const name = `${node.region}/${node.nodeId}`;
    const answer =
      action === 'start'
        ? await askSupervisor<ControlAnswer>(record, 'start', { node: name })
        : await askSupervisor<ControlAnswer>(record, 'kill', { node: name, signal: SIGNALS[action] });
    io.out(describeAnswer(action, `${node.region} node-${node.nodeId}`, answer));
    return EXIT_OK;
  };
}

/** `us-east-1 node-2 killed (SIGKILL, pid 4321)` and the like. */
export function describeAnswer(action: NodeAction, name: string, answer: ControlAnswer): string {
  const seconds = formatSeconds(answer.ms);
  switch (action) {
    case 'start':
      return `${name} started (pid ${answer.pid}), healthy in ${seconds}`;
    case 'kill':
      return `${name} killed (SIGKILL, pid ${answer.pid})`;
    case 'stop': {
      const exit = answer.exit ? (answer.exit.signal ? `signal ${answer.exit.signal}` : `exit code ${answer.exit.code}`) : 'still running';
      return `${name} stopped (SIGTERM, pid ${answer.pid}; ${exit}) in ${seconds}`;
    }
    case 'pause':
      return `${name} paused (SIGSTOP, pid ${answer.pid}); \`trent resume ${name.replace(' node-', '/')}\` continues it`;
    case 'resume':
      return `${name} resumed (SIGCONT, pid ${answer.pid})`;
  }
}

const REGION_VERBS: Record<NodeAction, string> = {
  kill: 'killed',
  stop: 'stopped',
  start: 'started',
  pause: 'paused',
  resume: 'resumed',
};

/**
 * A headline with the time taken, then one line per process of the Region:
 *
 *     us-east-1 killed (SIGKILL) in 0.1 s:
 *       nats-server  pid 4321  killed (signal SIGKILL)
 *       node-1       pid 4322  killed (signal SIGKILL)
 */
export function describeRegionAnswer(action: NodeAction, answer: RegionAnswer): string {
  const signal = answer.signal ? ` (${answer.signal})` : '';
  const leader = answer.leader ? `, leader node-${answer.leader}` : '';
  const lines = [`${answer.region} ${REGION_VERBS[action]}${signal} in ${formatSeconds(answer.ms)}${leader}:`];
  const width = Math.max(...answer.processes.map((process) => process.name.length));
  for (const process of answer.processes) {
    const pid = `pid ${process.pid ?? '-'}`.padEnd(10);
    lines.push(`  ${process.name.padEnd(width)}  ${pid}  ${describeProcessOutcome(action, process, answer)}`);
  }
  if (action === 'kill' || action === 'stop') lines.push(`\`trent start ${answer.region}\` brings it back.`);
  if (action === 'pause') lines.push(`\`trent resume ${answer.region}\` continues it.`);
  return lines.join('\n');
}

function describeProcessOutcome(action: NodeAction, process: RegionAnswer['processes'][number], answer: RegionAnswer): string {
  if (process.skipped) return `left alone (${process.skipped})`;
  const exit = process.exit ? (process.exit.signal ? `signal ${process.exit.signal}` : `exit code ${process.exit.code}`) : undefined;
  switch (action) {
    case 'kill':
    case 'stop':
      return process.state === 'exited' ? `${REGION_VERBS[action]} (${exit})` : `still ${process.state}`;
    case 'pause':
    case 'resume':
      return process.state;
    case 'start':
      if (process.name !== 'nats-server') return process.state === 'running' ? 'started, healthy' : process.state;
      return `started, gateways to ${answer.gateways && answer.gateways.length > 0 ? answer.gateways.join(', ') : 'no other Region yet'}`;
  }
}
