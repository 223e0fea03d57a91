import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, EncryptCommand, KMSClient, ListResourceTagsCommand, TagResourceCommand } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:http';
import { awsError, REPO_ROOT, TrentNode } from '../support/trent-node';

/** The node's HTTP workers: pids of the primary's children. */
function workerPids(node: TrentNode): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(node.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Until `n` distinct workers answer on fresh connections (forked is not enough: they must listen). */
async function untilServing(node: TrentNode, n: number): Promise<void> {
  const seen = new Set<number>();
  await until(async () => {
    try {
      const res = await fetch(`${node.endpoint}/_trent/status`, { headers: { connection: 'close' } });
      seen.add(((await res.json()) as { worker: number }).worker);
    } catch {
      // no worker listening at this instant
    }
    return workerPids(node).length === n && seen.size >= n;
  }, `${n} serving workers`);
}

/** Clients with their own connections: node:cluster hands each new connection to the next worker. */
function spreadClients(node: TrentNode, n: number): KMSClient[] {
  return Array.from({ length: n }, () =>
    new KMSClient({
      region: node.region,
      endpoint: node.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }), requestTimeout: 8_000, throwOnRequestTimeout: true }),
    }),
  );
}

// The primary waits up to 5 s for a worker to apply an entry before stopping it; tests here outlast that.
jest.setTimeout(30_000);

describe('node workers (one primary, N HTTP workers with state replicas)', () => {
  let node: TrentNode;
  let clients: KMSClient[];
  let keyId: string;

  beforeAll(async () => {
    node = await TrentNode.start({ env: { TRENT_WORKERS: '2' } });
    clients = spreadClients(node, 8);
    keyId = (await clients[0].send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  });

  afterAll(async () => {
    for (const c of clients ?? []) c.destroy();
    await node?.dispose();
  });

  it('should serve from two workers', async () => {
    await until(() => workerPids(node).length === 2, 'two workers');
    const answered = new Set<number>();
    for (let i = 0; i < 20 && answered.size < 2; i++) {
      // A fresh connection each time lands on the next worker.
      const status = (await (await fetch(`${node.endpoint}/_trent/status`, { headers: { connection: 'close' } })).json()) as { worker: number };
      answered.add(status.worker);
    }
    expect(answered.size).toBe(2);
  });

  it('should let no worker encrypt under a key once DisableKey has returned, and every worker once EnableKey has', async () => {
    const plaintext = Buffer.from('linearizable');
    for (let round = 0; round < 15; round++) {
      await clients[round % clients.length].send(new DisableKeyCommand({ KeyId: keyId }));
      const refused = await Promise.all(clients.map((c) => awsError(() => c.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext })))));
      expect(refused.map((e) => e.name)).toEqual(clients.map(() => 'DisabledException'));

      await clients[(round + 3) % clients.length].send(new EnableKeyCommand({ KeyId: keyId }));
      const served = await Promise.all(clients.map((c) => c.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }))));
      expect(served.every((r) => r.CiphertextBlob!.length > plaintext.length)).toBe(true);
    }
  });

  it('should replace a worker that dies, and keep acknowledging writes', async () => {
    const [victim] = workerPids(node);
    process.kill(victim, 'SIGKILL');
    await until(() => !alive(victim), 'the killed worker to exit');
    const fresh = spreadClients(node, 2);
    try {
      await fresh[0].send(new DisableKeyCommand({ KeyId: keyId }));
      await fresh[1].send(new EnableKeyCommand({ KeyId: keyId }));
      await until(() => workerPids(node).length === 2 && !workerPids(node).includes(victim), 'a replacement worker');
    } finally {
      fresh.forEach((c) => c.destroy());
    }
  });

  it('should stop a worker that no longer applies entries instead of waiting for it forever', async () => {
    const [frozen] = workerPids(node);
    process.kill(frozen, 'SIGSTOP');
    try {
      const started = Date.now();
      // Connections handed to the frozen worker time out; those on the live worker reach the primary,
      // whose write waits for the frozen replica's acknowledgement until the bound, then stops it.
      const results = await Promise.allSettled(spreadClients(node, 4).map((c) => c.send(new DisableKeyCommand({ KeyId: keyId })).finally(() => c.destroy())));
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      expect(Date.now() - started).toBeLessThan(12_000);
      await until(() => !alive(frozen), 'the frozen worker to be stopped');
    } finally {
      if (alive(frozen)) process.kill(frozen, 'SIGCONT');
    }
  });

  it('should survive workers being killed again and again under write load, losing no acknowledged write', async () => {
    const writers = spreadClients(node, 16);
    // Per writer: the sequence number of its last acknowledged write and of its last attempt.
    const lastAcked = writers.map(() => -1);
    const lastTried = writers.map(() => -1);
    let stop = false;
    const load = writers.map(async (c, i) => {
      for (let n = 0; !stop; n++) {
        lastTried[i] = n;
        try {
          await c.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: `k${i}`, TagValue: String(n) }] }));
          lastAcked[i] = n;
        } catch {
          // A request on a killed worker's connection fails; it may still have been committed.
        }
      }
    });
    try {
      for (let k = 0; k < 8; k++) {
        await new Promise((r) => setTimeout(r, 250));
        const [victim] = workerPids(node);
        if (victim) process.kill(victim, 'SIGKILL');
      }
    } finally {
      stop = true;
      await Promise.all(load);
      writers.forEach((c) => c.destroy());
    }
    if (!node.alive) throw new Error(`the primary died:\n${node.log().split('\n').filter((l) => /error|fatal|Error/.test(l)).slice(-8).join('\n')}`);
    await untilServing(node, 2);
    // No acknowledged write is lost: every worker shows, per writer, its last acknowledged value or
    // a later attempt (whose acknowledgement died with a worker), never an older one.
    const readers = spreadClients(node, 4);
    try {
      for (const r of readers) {
        const { Tags } = await r.send(new ListResourceTagsCommand({ KeyId: keyId }));
        writers.forEach((_, i) => {
          if (lastAcked[i] < 0) return;
          const stored = Number(Tags!.find((t) => t.TagKey === `k${i}`)?.TagValue ?? -1);
          expect(stored).toBeGreaterThanOrEqual(lastAcked[i]);
          expect(stored).toBeLessThanOrEqual(lastTried[i]);
        });
      }
    } finally {
      readers.forEach((c) => c.destroy());
    }
    expect(lastAcked.reduce((a, n) => a + n + 1, 0)).toBeGreaterThan(50);
  });

  it('should take its workers down when the primary is killed', async () => {
    const workers = workerPids(node);
    expect(workers.length).toBeGreaterThan(0);
    await node.stop('SIGKILL');
    await until(() => workers.every((pid) => !alive(pid)), 'orphaned workers to exit');
  });
});

describe('node start-up failures', () => {
  it('should exit with an error instead of restarting workers that cannot start', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    const dir = mkdtempSync(join(tmpdir(), 'trent-e2e-'));
    try {
      const port = String((busy.address() as { port: number }).port);
      const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/apps/node/src/main.js')], {
        env: { ...process.env, TRENT_REGION: 'us-east-1', TRENT_PORT: port, TRENT_DATA_DIR: join(dir, 'node-1'), TRENT_WORKERS: '2', TRENT_LOG_LEVEL: 'fatal' },
        stdio: 'ignore',
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).not.toBe(0);
    } finally {
      busy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
