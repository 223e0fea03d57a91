import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  applyOverrides,
  applySavedMembership,
  ClusterError,
  dataLayout,
  defaultIdentitiesFile,
  defaultTopologyFile,
  displayPath,
  fileSize,
  formatEndpointBlock,
  Launcher,
  loadTopology,
  nodeEntryPoint,
  parseRegionList,
  readClusterRecord,
  readIdentities,
  readLogTail,
  requestJson,
  type ClusterRecord,
  type Identity,
  type LauncherReport,
  type Topology,
} from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, integerOption, parseCommandLine, stringOption } from '../args';
import { EXIT_OK, UsageError } from '../cli-error';
import type { CliIo } from '../io';
import { UP_USAGE } from '../usage';

const OPTIONS = {
  ...COMMON_OPTIONS,
  regions: { type: 'string' },
  nodes: { type: 'string' },
  port: { type: 'string' },
  identities: { type: 'string' },
  topology: { type: 'string' },
  detach: { type: 'boolean' },
} as const;

const READY_TIMEOUT_MS = 30_000;
/** Set on the background supervisor that `up --detach` starts. */
const SUPERVISED_ENV = 'TRENT_SUPERVISED';

export async function upCommand(args: readonly string[], terminal: CliIo): Promise<number> {
  const { values } = parseCommandLine(args, OPTIONS, UP_USAGE);
  if (values.help) {
    terminal.out(UP_USAGE);
    return EXIT_OK;
  }
  const supervised = process.env[SUPERVISED_ENV] === '1';
  // A Region whose membership `trent node add|remove` changed must start as it was left (said
  // once: a background supervisor started by --detach reads the same file).
  const topology = applySavedMembership(resolveTopology(values), resolve(dataDirOf(values)), (line) => supervised || terminal.err(`note: ${line}`));
  const identitiesFile = resolve(stringOption(values, 'identities') ?? defaultIdentitiesFile());
  const identity = readIdentities(identitiesFile)[0];
  const io = supervised ? timestamped(terminal) : terminal;
  const launcher = new Launcher({
    topology,
    dataDir: dataDirOf(values),
    identitiesFile,
    // TRENT_NODE_ENTRY swaps the node program (a different build, or the tests' fake node).
    entryPoint: process.env.TRENT_NODE_ENTRY ?? nodeEntryPoint(),
    devMode: !['0', 'false'].includes(process.env.TRENT_DEV_MODE ?? ''),
    logLevel: process.env.TRENT_LOG_LEVEL ?? 'info',
    readyTimeoutMs: READY_TIMEOUT_MS,
    report: reportTo(io),
  });

  if (values.detach) return upInBackground(args, launcher, identity, io);
  return upInForeground(launcher, identity, io, supervised);
}

function resolveTopology(values: Record<string, string | boolean | undefined>): Topology {
  const file = stringOption(values, 'topology');
  const base = loadTopology(file ? resolve(file) : defaultTopologyFile());
  const regionList = stringOption(values, 'regions');
  try {
    return applyOverrides(base, {
      regions: regionList === undefined ? undefined : parseRegionList(regionList),
      nodes: integerOption(values, 'nodes', UP_USAGE),
      port: integerOption(values, 'port', UP_USAGE),
    });
  } catch (err) {
    if (err instanceof ClusterError) throw new UsageError(err.message, UP_USAGE);
    throw err;
  }
}

/**
 * The supervisor runs in this process until a signal: the first SIGINT/SIGTERM/SIGHUP stops
 * the cluster gracefully, a second one kills the nodes at once.
 */
async function upInForeground(launcher: Launcher, identity: Identity, io: CliIo, supervised: boolean): Promise<number> {
  let signals = 0;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      const hint = signal === 'SIGINT' ? '; press Ctrl-C again to kill the nodes at once' : '';
      io.out(`${supervised ? '' : '\n'}Stopping Trent (${signal})${hint}…`);
      launcher.stop().then(
        () => {
          io.out('Trent stopped.');
          finish(EXIT_OK);
        },
        (err: unknown) => {
          io.err(`trent: stopping failed: ${err instanceof Error ? err.message : String(err)}`);
          finish(1);
        },
      );
    } else {
      launcher.killNow();
      io.err('Nodes killed.');
      finish(130);
    }
  };
  const signalNames: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  signalNames.forEach((name) => process.on(name, onSignal));
  try {
    let record: ClusterRecord;
    try {
      record = await launcher.start();
    } catch (err) {
      if (signals > 0) return await finished; // Interrupted while starting: the stop reports.
      throw err;
    }
    // In the background the `up --detach` that started us prints the endpoint block.
    io.out(supervised ? `Trent is ready: ${record.gateway.url}` : formatEndpointBlock(record, identity, true));
    return await finished;
  } finally {
    signalNames.forEach((name) => process.off(name, onSignal));
  }
}

/**
 * Starts this same command again, without --detach, as a detached supervisor writing to
 * `<data>/logs/supervisor.log`, waits for its gateway to report healthy, prints the endpoint
 * and leaves it running.
 */
async function upInBackground(
  args: readonly string[],
  launcher: Launcher,
  identity: Identity,
  io: CliIo,
): Promise<number> {
  await launcher.preflight();
  const dataDir = launcher.dataDir;
  const logFile = dataLayout.supervisorLog(dataDir);
  mkdirSync(dataLayout.logsDir(dataDir), { recursive: true });
  const logStart = fileSize(logFile);
  const log = openSync(logFile, 'a');
  const supervisor = spawn(process.execPath, [process.argv[1], 'up', ...args.filter((arg) => arg !== '--detach')], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, [SUPERVISED_ENV]: '1' },
  });
  closeSync(log);
  supervisor.unref();
  let exit: string | undefined;
  supervisor.once('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `exit code ${code}`));
  supervisor.once('error', (err) => (exit = err.message));

  io.out(`Starting Trent in the background (supervisor pid ${supervisor.pid}, log ${displayPath(logFile)})…`);
  // The supervisor's own bound on node health, plus room for it to boot and open the gateway.
  const waitMs = READY_TIMEOUT_MS + 15_000;
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (exit !== undefined) {
      const tail = readLogTail(logFile, logStart, 15);
      if (tail) io.err(tail.replace(/^/gm, '  | '));
      throw new ClusterError(`the background supervisor stopped while starting (${exit}); see ${displayPath(logFile)}`);
    }
    const record = readRecordQuietly(dataDir);
    if (record?.state === 'running' && record.supervisorPid === supervisor.pid) {
      const health = await requestJson(`${record.gateway.url}/_trent/health`, { timeoutMs: 1_000 }).catch(() => undefined);
      if (health?.status === 200) {
        // The supervisor's per-Region progress lines (nodes, leader, time), without their timestamps.
        const progress = readLogTail(logFile, logStart, 200)
          .split('\n')
          .map((line) => line.replace(/^\S+Z /, ''))
          .filter((line) => / up {2}\d+ nodes? \(/.test(line) || line.startsWith('warning: '));
        if (progress.length > 0) io.out(progress.join('\n'));
        io.out(formatEndpointBlock(record, identity, false));
        return EXIT_OK;
      }
    }
    if (Date.now() > deadline) {
      supervisor.kill('SIGTERM');
      throw new ClusterError(
        `Trent did not become ready within ${waitMs / 1000} s; see ${displayPath(logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function readRecordQuietly(dataDir: string): ClusterRecord | undefined {
  try {
    return readClusterRecord(dataDir);
  } catch {
    return undefined; // Mid-write or damaged: look again on the next round.
  }
}

function reportTo(io: CliIo): LauncherReport {
  return { info: (line) => io.out(line), warn: (line) => io.err(line) };
}

/** The background supervisor's log gets a time on every line. */
function timestamped(io: CliIo): CliIo {
  const stamp = (text: string): string => text.replace(/^(?=.)/gm, `${new Date().toISOString()} `);
  return { out: (text) => io.out(stamp(text)), err: (text) => io.err(stamp(text)) };
}
