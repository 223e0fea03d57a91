import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Launcher, type LauncherOptions, type LauncherReport } from '../src/launcher';
import { defaultIdentitiesFile } from '../src/paths';
import { isPortFree } from '../src/ports';
import { layOut } from '../src/topology';

/** The FAKE node program the launcher tests start instead of the real node. */
export const FAKE_NODE = join(__dirname, 'fake-node.js');

const tempDirs: string[] = [];

/** A fresh data directory under the system temp dir; {@link removeTempDataDirs} deletes them all. */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trent-test-'));
  tempDirs.push(dir);
  return dir;
}

/** Call from afterAll, once every process using the directories has stopped. */
export function removeTempDataDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const handedOut = new Set<number>();

/**
 * The ports of the first draw that are all free on 127.0.0.1 right now and that this process has
 * not handed out before. A draw is claimed before the check, so concurrent calls never overlap.
 * Every draw stays below Linux's ephemeral range (32768+): there the kernel picks the local ports
 * of outgoing connections, and one could take a port between this check and the server's bind (a
 * nats-server or node then fails to start).
 */
async function claimFreePorts(draw: () => number[], attempts: number, what: string): Promise<number[]> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const ports = draw();
    if (ports.some((port) => handedOut.has(port))) continue;
    ports.forEach((port) => handedOut.add(port));
    const free = await Promise.all(ports.map((port) => isPortFree('127.0.0.1', port)));
    if (free.every(Boolean)) return ports;
  }
  throw new Error(`no free ${what} found`);
}

/**
 * A gateway port P such that P … P+count, the Raft ports P+1001 … P+count+1000, and the NATS ports
 * of `regions` Regions (P+2000+i, P+3000+i, P+4000+i; see NATS_PORT_OFFSETS) are all free right now
 * and none was handed out before (see claimFreePorts).
 */
export async function freePortBlock(count: number, regions = count): Promise<number> {
  const block = (): number[] => {
    const base = 20_000 + Math.floor(Math.random() * 8_000);
    const ports = Array.from({ length: count + 1 }, (_, i) => base + i);
    ports.push(...ports.slice(1).map((port) => port + 1000));
    for (let i = 0; i < regions; i++) ports.push(base + 2000 + i, base + 3000 + i, base + 4000 + i);
    return ports;
  };
  return (await claimFreePorts(block, 50, 'block of ports'))[0];
}

/**
 * One port for a server a test starts a moment later, free now and not handed out before (see
 * claimFreePorts), from 10000–19999: below the blocks of {@link freePortBlock}.
 */
export async function freePort(): Promise<number> {
  const one = (): number[] => [10_000 + Math.floor(Math.random() * 10_000)];
  return (await claimFreePorts(one, 500, 'port in 10000–19999'))[0];
}

/** Polls `check` until it holds or `ms` pass; every wait in these tests is bounded. */
export async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A Launcher of fake nodes (not started) on a free block of ports: `nodes` per Region of `regions`,
 * the short timeouts the launcher specs use; `overrides` win over everything else.
 */
export async function fakeLauncher(opts: { regions: readonly string[]; nodes: number; report?: LauncherReport } & Partial<LauncherOptions>): Promise<Launcher> {
  const { regions, nodes, ...overrides } = opts;
  return new Launcher({
    topology: layOut('127.0.0.1', await freePortBlock(regions.length * nodes, regions.length), regions, regions.map(() => nodes)),
    dataDir: tempDataDir(),
    identitiesFile: defaultIdentitiesFile(),
    entryPoint: FAKE_NODE,
    readyTimeoutMs: 10_000,
    stopGraceMs: 2_000,
    gatewayHealthIntervalMs: 200,
    ...overrides,
  });
}
