import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlainMaterial, SyncPayload } from '@trent/kms';
import { NatsBus } from './nats-bus';
import { Replicator } from './replicator';
import { FakeReplicationHost } from './testing/fake-replication-host';
import { capturingLogger, regionFixtures } from './testing/region-fixtures';
import { SECRET_HEX, secretMaterial, syncFixture } from './testing/sync-fixtures';

/**
 * Two Regions, each its own nats-server, joined by a gateway as the launcher joins them: a sync
 * crosses, the destination's server dies, the sender retries, the server returns, the sync arrives.
 * Needs the real nats-server (Debian package `nats-server`; CI installs it).
 */

const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';
const US = 'us-east-1';
const EU = 'eu-west-1';
const KEY_ID = 'mrk-00000000000000000000000000000001';

jest.setTimeout(60_000);

const payload = (version: number): SyncPayload => syncFixture({ keyId: KEY_ID, version, primary: US, replicas: [EU] });
const material = (): PlainMaterial[] => secretMaterial();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function until(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      }).once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One Region's nats-server; `start` again after `kill` brings it back on the same ports. */
class RegionServer {
  private proc?: ChildProcess;
  output = '';

  constructor(
    readonly region: string,
    readonly clientPort: number,
    private readonly config: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.clientPort}`;
  }

  async start(): Promise<void> {
    const proc = spawn(NATS_SERVER, ['-c', this.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.proc = proc;
    await listening(this.clientPort, 10_000);
  }

  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }
}

describe(`${NatsBus.name} between two Regions joined by a NATS gateway`, () => {
  let dir: string;
  const servers: Record<string, RegionServer> = {};
  const replicators: Replicator[] = [];

  beforeAll(async () => {
    if (!existsSync(NATS_SERVER)) {
      throw new Error(`nats-server not found at ${NATS_SERVER}: install the Debian package nats-server (or set NATS_SERVER)`);
    }
    dir = mkdtempSync(join(tmpdir(), 'trent-nats-'));
    const ports: Record<string, { client: number; gateway: number }> = { [US]: { client: await freePort(), gateway: await freePort() }, [EU]: { client: await freePort(), gateway: await freePort() } };
    // Every server lists every Region's gateway, itself included (NATS ignores the self entry).
    const gateways = [US, EU].map((r) => `    { name: "${r}", url: "nats://127.0.0.1:${ports[r].gateway}" }`).join('\n');
    for (const region of [US, EU]) {
      const config = join(dir, `${region}.conf`);
      writeFileSync(
        config,
        [
          `server_name: "${region}-nats"`,
          `listen: "127.0.0.1:${ports[region].client}"`,
          'gateway {',
          `  name: "${region}"`,
          `  listen: "127.0.0.1:${ports[region].gateway}"`,
          '  gateways: [',
          gateways,
          '  ]',
          '}',
          '',
        ].join('\n'),
      );
      servers[region] = new RegionServer(region, ports[region].client, config);
    }
    await Promise.all(Object.values(servers).map((s) => s.start()));
  });

  afterAll(async () => {
    await Promise.all(replicators.map((r) => r.close()));
    await Promise.all(Object.values(servers).map((s) => s.kill()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('should deliver a sync across the gateway, retry while the destination is down, and deliver once it is back', async () => {
    const fx = regionFixtures([US, EU]);
    const nodes = Object.fromEntries(
      [US, EU].map((region) => {
        const host = new FakeReplicationHost(region);
        const logs = capturingLogger();
        const bus = new NatsBus({ region, servers: servers[region].url, log: logs.log, name: `trent-${region}-test`, reconnectWaitMs: 100 });
        const sut = new Replicator({ host, keys: fx.keys(region), bus, log: logs.log, retry: { initialMs: 100, maxMs: 400, requestTimeoutMs: 500, tickMs: 200 } });
        replicators.push(sut);
        return [region, { host, bus, logs, sut }];
      }),
    );
    try {
      await Promise.all(Object.values(nodes).map((n) => n.bus.start()));
      for (const n of Object.values(nodes)) n.sut.start();

      nodes[US].host.publish(payload(1), material());
      await until(() => nodes[US].host.owed.length === 0, 'first sync acknowledged across the gateway', 15_000);
      expect(nodes[EU].host.syncs).toEqual([{ from: US, payload: payload(1), material: material() }]);
      expect(nodes[US].sut.status()).toMatchObject({ nats: 'connected', server: expect.stringContaining(String(servers[US].clientPort)), sent: 1 });

      await servers[EU].kill();
      await until(() => nodes[EU].bus.state() !== 'connected', 'eu-west-1 sees its server gone', 5000);
      const failures = () => nodes[US].logs.lines.filter((l) => String(l.msg).includes(`no answer from ${EU}`)).length;
      nodes[US].host.publish(payload(2), material());
      await until(() => failures() >= 3, 'three failed attempts while eu-west-1 is down', 15_000);
      expect(nodes[US].sut.status()).toMatchObject({ backlog: 1, backlogByRegion: { [EU]: 1 }, lastError: { to: EU } });
      expect(nodes[EU].host.syncs).toHaveLength(1);

      await servers[EU].start();
      await until(() => nodes[US].host.owed.length === 0, 'second sync acknowledged after eu-west-1 returned', 20_000);
      expect(nodes[EU].host.syncs.map((s) => s.payload.version)).toEqual([1, 2]);
      expect(nodes[EU].bus.state()).toBe('connected');
      for (const n of Object.values(nodes)) expect(n.logs.text()).not.toContain(SECRET_HEX);
    } catch (err) {
      for (const s of Object.values(servers)) process.stderr.write(`--- ${s.region} nats-server output ---\n${s.output}\n`);
      throw err;
    }
  });
});
