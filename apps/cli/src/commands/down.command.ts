import { displayPath, isProcessAlive, readClusterRecord, removeClusterRecord } from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, parseCommandLine } from '../args';
import { EXIT_FAILURE, EXIT_OK } from '../cli-error';
import type { CliIo } from '../io';
import { DOWN_USAGE } from '../usage';

/** The supervisor gives each node 10 s after SIGTERM; allow for that plus its own exit. */
const SUPERVISOR_GRACE_MS = 15_000;
const NODE_GRACE_MS = 10_000;

export async function downCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(args, COMMON_OPTIONS, DOWN_USAGE);
  if (values.help) {
    io.out(DOWN_USAGE);
    return EXIT_OK;
  }
  const dataDir = dataDirOf(values);
  const record = readClusterRecord(dataDir);
  if (!record) {
    io.out(`Trent is not running in ${displayPath(dataDir)}; nothing to stop.`);
    return EXIT_OK;
  }

  const stopped: string[] = [];
  const nodesAlive = record.nodes.filter((node) => isProcessAlive(node.pid, node.entryPoint));
  const natsAlive = (record.nats ?? []).filter((nats) => isProcessAlive(nats.pid, nats.confFile));

  if (isProcessAlive(record.supervisorPid, record.supervisorCommand)) {
    // The supervisor stops its nodes gracefully and removes cluster.json itself.
    await terminate(record.supervisorPid, SUPERVISOR_GRACE_MS, () => isProcessAlive(record.supervisorPid, record.supervisorCommand));
    stopped.push(`supervisor (pid ${record.supervisorPid})`);
  }
  // Whatever is still alive lost its supervisor (killed, or too slow): stop it directly.
  await Promise.all(
    record.nodes
      .filter((node) => isProcessAlive(node.pid, node.entryPoint))
      .map((node) => terminate(node.pid!, NODE_GRACE_MS, () => isProcessAlive(node.pid, node.entryPoint))),
  );
  stopped.push(...nodesAlive.map((node) => `${node.region} node-${node.nodeId} (pid ${node.pid})`));
  // The nodes are gone; now their nats-servers.
  await Promise.all(
    natsAlive
      .filter((nats) => isProcessAlive(nats.pid, nats.confFile))
      .map((nats) => terminate(nats.pid!, NODE_GRACE_MS, () => isProcessAlive(nats.pid, nats.confFile))),
  );
  stopped.push(...natsAlive.map((nats) => `${nats.region} nats-server (pid ${nats.pid})`));
  removeClusterRecord(dataDir);

  const survivors = [
    ...record.nodes.filter((node) => isProcessAlive(node.pid, node.entryPoint)),
    ...(record.nats ?? []).filter((nats) => isProcessAlive(nats.pid, nats.confFile)),
  ];
  if (survivors.length > 0) {
    io.err(`trent: could not stop ${survivors.map((survivor) => `pid ${survivor.pid}`).join(', ')}`);
    return EXIT_FAILURE;
  }
  io.out(
    stopped.length > 0
      ? `Stopped Trent in ${displayPath(dataDir)}: ${stopped.join(', ')}.`
      : `Trent was not running in ${displayPath(dataDir)}; removed its stale cluster.json.`,
  );
  return EXIT_OK;
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL and wait a little more. */
async function terminate(pid: number, graceMs: number, alive: () => boolean): Promise<void> {
  signal(pid, 'SIGTERM');
  // A paused node (`trent pause`) would hold the SIGTERM until resumed.
  signal(pid, 'SIGCONT');
  if (await waitUntilGone(alive, graceMs)) return;
  signal(pid, 'SIGKILL');
  await waitUntilGone(alive, 2_000);
}

async function waitUntilGone(alive: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
