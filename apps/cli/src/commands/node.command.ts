import { parseNodeName, type ControlAnswer, type NodeSignal } from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, parseCommandLine } from '../args';
import { EXIT_OK, UsageError } from '../cli-error';
import { formatSeconds } from '../duration';
import type { CliIo } from '../io';
import { askSupervisor, requireNode, requireSupervisor } from '../running-cluster';
import { NODE_USAGES } from '../usage';

/** The commands that act on one node through the supervisor. */
export type NodeAction = 'kill' | 'stop' | 'start' | 'pause' | 'resume';

const SIGNALS: Record<Exclude<NodeAction, 'start'>, NodeSignal> = {
  kill: 'SIGKILL',
  stop: 'SIGTERM',
  pause: 'SIGSTOP',
  resume: 'SIGCONT',
};

/** `trent kill|stop|start|pause|resume <region>/<id>` */
export function nodeCommand(action: NodeAction): (args: readonly string[], io: CliIo) => Promise<number> {
  const usage = NODE_USAGES[action];
  return async (args, io) => {
    const { values, positionals } = parseCommandLine(args, COMMON_OPTIONS, usage, true);
    if (values.help) {
      io.out(usage);
      return EXIT_OK;
    }
    const [nameText, ...extra] = positionals;
    if (nameText === undefined) throw new UsageError('say which node, e.g. us-east-1/2', usage);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, usage);

    if (!parseNodeName(nameText)) throw new UsageError(`"${nameText}" is not a node name; use <region>/<id>, e.g. us-east-1/2`, usage);

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
