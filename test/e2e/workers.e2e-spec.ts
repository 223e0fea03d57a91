import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { execFileSync } from 'node:child_process';
import { Agent } from 'node:http';
import { awsError, TrentNode } from '../support/trent-node';

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

  it('should take its workers down when the primary is killed', async () => {
    const workers = workerPids(node);
    expect(workers.length).toBeGreaterThan(0);
    await node.stop('SIGKILL');
    await until(() => workers.every((pid) => !alive(pid)), 'orphaned workers to exit');
  });
});
