import { ClusterError } from '@trent/cluster';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './cli-error';
import { clockCommand } from './commands/clock.command';
import { downCommand } from './commands/down.command';
import { failoverCommand } from './commands/failover.command';
import { nodeCommand } from './commands/node.command';
import { nodeMembershipCommand } from './commands/node-membership.command';
import { statusCommand } from './commands/status.command';
import { transferLeaderCommand } from './commands/transfer-leader.command';
import { upCommand } from './commands/up.command';
import { processIo, type CliIo } from './io';
import { MAIN_USAGE } from './usage';

const COMMANDS: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = {
  up: upCommand,
  status: statusCommand,
  down: downCommand,
  clock: clockCommand,
  kill: nodeCommand('kill'),
  stop: nodeCommand('stop'),
  start: nodeCommand('start'),
  pause: nodeCommand('pause'),
  resume: nodeCommand('resume'),
  'transfer-leader': transferLeaderCommand,
  node: nodeMembershipCommand,
  failover: failoverCommand,
};

/** Runs one `trent` command line; resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === '--help' || command === '-h' || command === 'help') {
      io.out(MAIN_USAGE);
      return EXIT_OK;
    }
    if (command === undefined) throw new UsageError('no command given', MAIN_USAGE);
    const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!handler) throw new UsageError(`unknown command "${command}"`, MAIN_USAGE);
    return await handler(rest, io);
  } catch (err) {
    return reportFailure(err, io);
  }
}

/** One line on stderr; the stack only with TRENT_DEBUG=1. */
function reportFailure(err: unknown, io: CliIo): number {
  if (err instanceof UsageError) {
    io.err(`trent: ${err.message}\n\n${err.usage}`);
    return EXIT_USAGE;
  }
  if (err instanceof ClusterError) {
    io.err(`trent: ${err.message}`);
    return EXIT_FAILURE;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(`trent: ${message}`);
  if (process.env.TRENT_DEBUG === '1' && err instanceof Error && err.stack) io.err(err.stack);
  return EXIT_FAILURE;
}

/** Runs the process's own command line and exits once stdout and stderr are flushed. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  void run(argv).then((code) => {
    process.exitCode = code;
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}

if (require.main === module) main();
