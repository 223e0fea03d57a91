import type { PlainMaterial, SyncPayload } from '@trent/kms';
import { EnvelopeCodec } from './envelope';
import { generateRegionKeys, RegionKeys } from './region-keys';
import { Rejections } from './rejections';
import { Replicator, RetryOptions } from './replicator';
import { FakeReplicationHost } from './testing/fake-replication-host';
import { MemoryNetwork } from './testing/memory-network';
import { capturingLogger, regionFixtures } from './testing/region-fixtures';
import { SECRET_HEX, secretMaterial, syncFixture } from './testing/sync-fixtures';

const US = 'us-east-1';
const EU = 'eu-west-1';
const AP = 'ap-southeast-2';
const ACCOUNT = '111122223333';
const keyId = (n: number) => `mrk-${n.toString(16).padStart(32, '0')}`;

const payload = (id: string, version: number, replicas = [EU]): SyncPayload => syncFixture({ keyId: id, version, primary: US, replicas });
const material = (): PlainMaterial[] => secretMaterial();

const FAST: Partial<RetryOptions> = { initialMs: 10, maxMs: 40, requestTimeoutMs: 30, tickMs: 50 };

async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function world(regions = [US, EU], retry: Partial<RetryOptions> = FAST) {
  const fx = regionFixtures(regions);
  const network = new MemoryNetwork();
  const nodes: Record<string, { host: FakeReplicationHost; sut: Replicator; logs: ReturnType<typeof capturingLogger> }> = {};
  for (const region of regions) {
    const host = new FakeReplicationHost(region);
    const logs = capturingLogger();
    nodes[region] = { host, logs, sut: new Replicator({ host, keys: fx.keys(region), bus: network.connect(region), log: logs.log, retry }) };
  }
  const all = Object.values(nodes);
  return {
    fx,
    network,
    nodes,
    start: () => all.forEach((n) => n.sut.start()),
    close: () => Promise.all(all.map((n) => n.sut.close())),
    logText: () => all.map((n) => n.logs.text()).join(''),
  };
}

describe(Replicator.name, () => {
  let w: ReturnType<typeof world> | undefined;
  afterEach(async () => {
    if (w) {
      // Whatever a test did, no plaintext material reached a log line.
      expect(w.logText()).not.toContain(SECRET_HEX);
      await w.close();
    }
    w = undefined;
  });

  it('should deliver a sync with its material and hand the verified ack back to the primary', async () => {
    w = world([US, EU, AP]);
    const { nodes, start } = w;
    nodes[US].host.publish(payload(keyId(1), 1, [EU, AP]), material());
    start();
    await until(() => nodes[US].host.owed.length === 0, 'both replicas acknowledged');
    for (const r of [EU, AP]) {
      expect(nodes[r].host.syncs).toEqual([{ from: US, payload: payload(keyId(1), 1, [EU, AP]), material: material() }]);
    }
    expect(nodes[US].host.acks.map((a) => [a.from, a.ack.outcome])).toEqual(expect.arrayContaining([[EU, 'applied'], [AP, 'applied']]));
    expect(nodes[US].sut.status()).toMatchObject({ enabled: true, nats: 'connected', sending: true, backlog: 0, sent: 2, rejected: 0 });
    expect(nodes[EU].sut.status()).toMatchObject({ received: 1, rejected: 0 });
  });

  it('should keep retrying while the destination is unreachable, and deliver once it is back', async () => {
    w = world();
    const { nodes, network, start } = w;
    network.down(EU);
    nodes[US].host.publish(payload(keyId(1), 1), material());
    start();
    await until(() => network.log.filter((l) => l.outcome === 'down').length >= 3, 'three failed attempts');
    expect(nodes[US].sut.status()).toMatchObject({ backlog: 1, backlogByRegion: { [EU]: 1 }, lastError: { to: EU, message: expect.stringContaining('no-responders') } });
    // The outage is logged once, not per attempt.
    expect(nodes[US].logs.lines.filter((l) => l.level === 40 && String(l.msg).includes('no answer'))).toHaveLength(1);

    network.up(EU);
    await until(() => nodes[US].host.owed.length === 0, 'delivery after the outage');
    expect(nodes[EU].host.syncs).toHaveLength(1);
  });

  it('should back off exponentially up to the ceiling between attempts', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    try {
      w = world([US, EU], { initialMs: 100, maxMs: 800, jitter: 0, tickMs: 10_000, requestTimeoutMs: 50 });
      const { nodes, network, start } = w;
      network.down(EU);
      nodes[US].host.publish(payload(keyId(1), 1), material());
      start();
      await jest.advanceTimersByTimeAsync(3000);
      const at = network.log.map((l) => l.at);
      const gaps = at.slice(1).map((t, i) => t - at[i]);
      expect(gaps).toEqual([100, 200, 400, 800, 800]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('should send an item at once when its version changed, whatever its backoff', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    try {
      w = world([US, EU], { initialMs: 60_000, maxMs: 60_000, jitter: 0, tickMs: 60_000, requestTimeoutMs: 50 });
      const { nodes, network, start } = w;
      network.down(EU);
      nodes[US].host.publish(payload(keyId(1), 1), material());
      start();
      await jest.advanceTimersByTimeAsync(100);
      expect(network.log).toHaveLength(1);
      nodes[US].host.publish(payload(keyId(1), 2), material());
      await jest.advanceTimersByTimeAsync(10);
      expect(network.log).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(1000);
      expect(network.log).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('should send only while its node leads the Region', async () => {
    w = world();
    const { nodes, network, start } = w;
    nodes[US].host.leader = false;
    nodes[US].host.publish(payload(keyId(1), 1), material());
    start();
    await new Promise((r) => setTimeout(r, 150));
    expect(network.log).toEqual([]);
    expect(nodes[US].sut.status()).toMatchObject({ sending: false, backlog: 1 });

    nodes[US].host.leader = true;
    nodes[US].host.changed();
    await until(() => nodes[US].host.owed.length === 0, 'delivery by the new leader');
  });

  it('should never send anything about a key that is not multi-Region', async () => {
    w = world();
    const { nodes, network, start } = w;
    const single = '1234abcd-12ab-34cd-56ef-1234567890ab';
    nodes[US].host.keys.set(single, { payload: { ...payload(single, 1) }, material: material() });
    nodes[US].host.owe({ kind: 'sync', to: EU, accountId: ACCOUNT, keyId: single, epoch: 1, version: 1 });
    nodes[US].host.owe({ kind: 'gone', to: EU, accountId: ACCOUNT, keyId: 'mrk-NOT-HEX', epoch: 1 });
    nodes[US].host.publish(payload(keyId(2), 1), material());
    start();
    await until(() => nodes[EU].host.syncs.length === 1, 'the mrk- key delivered');
    await new Promise((r) => setTimeout(r, 150));
    expect(network.log).toHaveLength(1);
    expect(nodes[EU].host.syncs.map((s) => s.payload.keyId)).toEqual([keyId(2)]);
    expect(nodes[EU].host.gones).toEqual([]);
    const errors = nodes[US].logs.lines.filter((l) => l.level === 50).map((l) => l.msg);
    // Logged once each, not once per tick.
    expect(errors).toEqual([expect.stringContaining(single), expect.stringContaining('mrk-NOT-HEX')]);
  });

  it('should ignore a forged or replayed ack, and deliver on a later attempt', async () => {
    w = world([US, EU, AP]);
    const { fx, nodes, network, start } = w;
    // A forger: a genuine key of another trusted Region (ap-southeast-2), or keys claiming to be eu-west-1.
    const impostorKeys = (() => {
      const g = generateRegionKeys(EU);
      return RegionKeys.from(g.keyFile, { regions: { ...fx.trustFile.regions, [EU]: g.trustEntry } });
    })();
    const forgers = [fx.keys(AP), impostorKeys].map((keys) => new EnvelopeCodec({ keys, rejections: new Rejections(capturingLogger().log) }));
    let firstReply: Uint8Array | undefined;
    let replies = 0;
    network.intercept = (hop) => {
      if (hop.direction !== 'reply') return hop.data;
      replies++;
      if (replies === 1) {
        firstReply = hop.data;
        return forgers[0].seal({ kind: 'gone-reply', to: US, inReplyTo: '00000000-0000-4000-8000-000000000000', body: {} }).bytes;
      }
      if (replies === 2) {
        const inReplyTo = (JSON.parse(JSON.parse(Buffer.from(firstReply!).toString()).msg) as { inReplyTo: string }).inReplyTo;
        return forgers[1].seal({ kind: 'ack', to: US, inReplyTo, body: { accountId: ACCOUNT, keyId: keyId(1), epoch: 9, version: 9, outcome: 'applied' } }).bytes;
      }
      if (replies === 3) return firstReply!; // a genuine ack, but to an earlier request
      return hop.data;
    };
    nodes[US].host.publish(payload(keyId(1), 1), material());
    start();
    await until(() => nodes[US].host.owed.length === 0, 'delivery on the fourth attempt');
    expect(nodes[US].host.acks).toHaveLength(1);
    expect(nodes[US].host.acks[0].ack).toMatchObject({ epoch: 1, version: 1, outcome: 'duplicate' });
    expect(nodes[US].sut.status()).toMatchObject({ rejected: 3, sent: 1 });
    expect(nodes[US].logs.lines.filter((l) => l.reason).map((l) => l.reason)).toEqual(['not the reply to our request', 'bad signature', 'not the reply to our request']);
  });

  it('should not answer while its host cannot apply, so the sender retries', async () => {
    w = world();
    const { nodes, network, start } = w;
    nodes[EU].host.failWith = new Error('no Raft quorum');
    nodes[US].host.publish(payload(keyId(1), 1), material());
    start();
    await until(() => network.log.filter((l) => l.outcome === 'no-reply').length >= 2, 'two unanswered attempts');
    expect(nodes[US].host.acks).toEqual([]);
    expect(nodes[EU].logs.lines).toContainEqual(expect.objectContaining({ level: 40, from: US, kind: 'sync', err: 'no Raft quorum' }));

    nodes[EU].host.failWith = undefined;
    await until(() => nodes[US].host.owed.length === 0, 'delivery once the host applies again');
    expect(nodes[US].host.acks[0].ack.outcome).toBe('applied');
  });

  it('should carry a replica deletion to the primary until the primary confirms it', async () => {
    w = world();
    const { nodes, start } = w;
    nodes[EU].host.owe({ kind: 'gone', to: US, accountId: ACCOUNT, keyId: keyId(3), epoch: 2 });
    start();
    await until(() => nodes[EU].host.owed.length === 0, 'the gone confirmed');
    expect(nodes[US].host.gones).toEqual([{ from: EU, gone: { accountId: ACCOUNT, keyId: keyId(3), epoch: 2 } }]);
    expect(nodes[EU].host.goneReplies).toEqual([{ from: US, reply: { accountId: ACCOUNT, keyId: keyId(3), removed: true } }]);
  });

  it('should refuse garbage and badly shaped payloads without answering or crashing', async () => {
    w = world();
    const { fx, nodes, network, start } = w;
    start();
    const raw = network.connect(US);
    const us = new EnvelopeCodec({ keys: fx.keys(US), rejections: new Rejections(capturingLogger().log) });
    const bad = [
      Buffer.from('not json at all'),
      Buffer.from('{"v":1,"msg":"{}","sig":"x"}'),
      us.seal({ kind: 'gone', to: EU, body: { accountId: ACCOUNT, keyId: 'alias/foo', epoch: 1 } }).bytes,
      us.seal({ kind: 'sync', to: EU, body: { ...payload(keyId(1), 1), epoch: -1 }, material: material() }).bytes,
      us.seal({ kind: 'sync', to: EU, body: { ...payload(keyId(1), 1), shared: null } as unknown as SyncPayload, material: material() }).bytes,
    ];
    for (const b of bad) await expect(raw.request(EU, b, 10)).rejects.toMatchObject({ reason: 'timeout' });
    expect(nodes[EU].sut.status()).toMatchObject({ rejected: bad.length, lastRejection: { from: US, reason: 'body.shared: expected an object' } });
    expect(nodes[EU].host.syncs).toEqual([]);
    expect(nodes[EU].host.gones).toEqual([]);
  });

  it('should keep no more requests in flight than its bound', async () => {
    w = world([US, EU], { ...FAST, maxInFlight: 4 });
    const { nodes, start } = w;
    nodes[EU].host.applyDelayMs = 10;
    let now = 0;
    let peak = 0;
    const receive = nodes[EU].host.receiveSync.bind(nodes[EU].host);
    nodes[EU].host.receiveSync = async (...args) => {
      peak = Math.max(peak, ++now);
      try {
        return await receive(...args);
      } finally {
        now--;
      }
    };
    for (let i = 1; i <= 20; i++) nodes[US].host.publish(payload(keyId(i), 1), material());
    start();
    await until(() => nodes[US].host.owed.length === 0, 'all 20 keys delivered');
    expect(peak).toBe(4);
  });
});
