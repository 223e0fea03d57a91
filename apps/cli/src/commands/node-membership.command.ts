import { parseNodeName, REGION_NAME_PATTERN, type MembershipAnswer } from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, parseCommandLine } from '../args';
import { EXIT_OK, UsageError } from '../cli-error';
import { formatSeconds } from '../duration';
import type { CliIo } from '../io';
import { askSupervisor, requireNode, requireRegion, requireSupervisor } from '../running-cluster';
import { NODE_MEMBERSHIP_USAGE } from '../usage';

const usage = NODE_MEMBERSHIP_USAGE;

/** `trent node add <region>` and `trent node remove <region>/<id>`: Region membership through the supervisor. */
export async function nodeMembershipCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(args, COMMON_OPTIONS, usage, true);
  if (values.help) {
    io.out(usage);
    return EXIT_OK;
  }
  const [action, target, ...extra] = positionals;
  if (action === undefined) throw new UsageError('say what to do: add <region> or remove <region>/<id>', usage);
  if (action !== 'add' && action !== 'remove') throw new UsageError(`unknown node action "${action}"; use add or remove`, usage);
  if (target === undefined) {
    throw new UsageError(action === 'add' ? 'say which Region, e.g. us-east-1' : 'say which node, e.g. us-east-1/2', usage);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, usage);

  if (action === 'add') {
    if (!REGION_NAME_PATTERN.test(target)) throw new UsageError(`"${target}" is not a Region name; use e.g. us-east-1`, usage);
    const record = requireSupervisor(dataDirOf(values));
    requireRegion(record, target);
    io.out(describeAdded(await askSupervisor<MembershipAnswer>(record, 'add', { region: target })));
    return EXIT_OK;
  }

  if (!parseNodeName(target)) throw new UsageError(`"${target}" is not a node name; use <region>/<id>, e.g. us-east-1/2`, usage);
  const record = requireSupervisor(dataDirOf(values));
  const node = requireNode(record, target, usage);
  io.out(describeRemoved(await askSupervisor<MembershipAnswer>(record, 'remove', { node: `${node.region}/${node.nodeId}` })));
  return EXIT_OK;
}

/** `us-east-1: node-4 added (pid 1234, :4570, raft :5570); voters 1 2 3 4, in 2.1 s` */
export function describeAdded(answer: MembershipAnswer): string {
  const { region, id } = split(answer.node);
  return (
    `${region}: node-${id} added (pid ${answer.pid}, :${answer.port}, raft :${answer.raftPort}); ` +
    `${describeMembers(answer)}, in ${formatSeconds(answer.ms)}`
  );
}

/** `us-east-1: node-2 removed; voters 1 3 4` */
export function describeRemoved(answer: MembershipAnswer): string {
  const { region, id } = split(answer.node);
  return `${region}: node-${id} removed; ${describeMembers(answer)}`;
}

function describeMembers(answer: MembershipAnswer): string {
  const learners = answer.learners.length > 0 ? `; learners ${answer.learners.join(' ')}` : '';
  return `voters ${answer.voters.join(' ')}${learners}`;
}

function split(name: string): { region: string; id: string } {
  const parsed = parseNodeName(name);
  return parsed ? { region: parsed.region, id: parsed.nodeId } : { region: name, id: '?' };
}
