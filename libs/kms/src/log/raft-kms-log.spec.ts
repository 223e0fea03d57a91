import { KmsError } from '@trent/protocol';
import { Message, RaftNode } from '@trent/raft';
import { MemoryKvStore, StoreOp } from '@trent/storage';
import { APPLIERS } from '../operations/appliers';
import { Command } from '../state/command';
import { KmsState } from '../state/kms-state';
import { KmsStateMachine } from '../state/kms-state-machine';
import { RaftKmsLog } from './raft-kms-log';

const clock = (deltaMs: number, requestId: string, now = 1_000): Command => ({ requestId, now, accountId: '-', body: { type: 'AdvanceClock', deltaMs } });
const OPTIONS = { requestTimeoutMs: 1_000, leaderlessFailFastMs: 300, reproposeMs: 500 };

/** One KMS log per node id, wired to in-process Raft nodes; `cut` isolates nodes. */
async function region(ids: string[], stores = ids.map(() => new MemoryKvStore())) {
  const cut = new Set<string>();
  const fatal: Error[] = [];
  const nodes = new Map<string, RaftNode>();
  const logs = new Map<string, RaftKmsLog>();
  const states = new Map<string, KmsState>();
  for (const [i, id] of ids.entries()) {
    const state = await KmsState.load(stores[i]);
    const log = new RaftKmsLog(new KmsStateMachine(state, { region: 'us-east-1' }, APPLIERS), OPTIONS);
    const node = await RaftNode.open({ id, peers: ids, store: stores[i], stateMachine: log, applied: state.appliedIndex, tickMs: 5, electionTicks: 10, heartbeatTicks: 1, onFatal: (e) => fatal.push(e) });
    log.bind(node);
    nodes.set(id, node);
    logs.set(id, log);
    states.set(id, state);
  }
  const deliver = (ms: readonly Message[]) =>
    setImmediate(() => {
      for (const m of ms) if (!cut.has(m.from) && !cut.has(m.to)) nodes.get(m.to)?.step(m);
    });
  for (const n of nodes.values()) n.connect({ send: deliver });
  if (ids.length === 1) nodes.get(ids[0])!.campaign();
  const leader = async () => {
    for (let i = 0; i < 400; i++) {
      const l = [...nodes.values()].find((n) => n.isLeader() && !cut.has(n.id));
      if (l) return l.id;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('no leader');
  };
  return { nodes, logs, states, stores, cut, fatal, leader, close: () => Promise.all([...logs.values()].map((l) => l.close())) };
}

describe(RaftKmsLog.name, () => {
  it('should apply proposals in order and make them durable before resolving', async () => {
    const r = await region(['1']);
    const log = r.logs.get('1')!;
    const results = await Promise.all([log.propose(clock(5, 'a')), log.propose(clock(7, 'b')), log.propose(clock(11, 'c'))]);
    expect(results.map((x) => x.ok && (x.value as { clockOffsetMs: number }).clockOffsetMs)).toEqual([5, 12, 23]);
    expect(await r.stores[0].get('meta/clockOffset')).toBe(23);
    await r.close();
  });

  it('should apply a retried request id once and answer the first result', async () => {
    const r = await region(['1']);
    const log = r.logs.get('1')!;
    const first = await log.propose(clock(5, 'same'));
    const again = await log.propose(clock(5, 'same'));
    expect(again).toEqual(first);
    expect(r.states.get('1')!.clockOffsetMs).toBe(5);
    await r.close();
  });

  it('should replay committed entries into the state after a restart', async () => {
    const stores = [new MemoryKvStore()];
    const r = await region(['1'], stores);
    await r.logs.get('1')!.propose(clock(9, 'x'));
    await r.close();
    // Lose the applied state but keep the Raft log: the entry is applied again from the log.
    await stores[0].batch(stores[0].keys().filter((k) => k.startsWith('meta/') || k.startsWith('session/')).map((key): StoreOp => ({ type: 'del', key })));
    const again = await region(['1'], stores);
    await again.logs.get('1')!.propose(clock(1, 'y'));
    expect(again.states.get('1')!.clockOffsetMs).toBe(10);
    await again.close();
  });

  it('should stop and refuse everything after a storage failure', async () => {
    const r = await region(['1']);
    await r.leader();
    const broken = new Error('disk full');
    r.stores[0].batch = async () => {
      throw broken;
    };
    await expect(r.logs.get('1')!.propose(clock(1, 'a'))).rejects.toBe(broken);
    expect(r.fatal).toEqual([broken]);
    await expect(r.logs.get('1')!.propose(clock(1, 'b'))).rejects.toBe(broken);
    await expect(r.logs.get('1')!.readBarrier()).rejects.toBe(broken);
    await r.close();
  });

  it('should take a write at a follower and answer it there once applied', async () => {
    const r = await region(['1', '2', '3']);
    const leader = await r.leader();
    const follower = ['1', '2', '3'].find((id) => id !== leader)!;
    await new Promise((res) => setTimeout(res, 50)); // the follower learns who leads
    const result = await r.logs.get(follower)!.propose(clock(4, 'f'));
    expect(result).toEqual({ ok: true, value: { clockOffsetMs: 4 } });
    expect(r.states.get(follower)!.clockOffsetMs).toBe(4);
    await r.close();
  });

  it('should not let a read at a follower miss a write acknowledged by the leader', async () => {
    const r = await region(['1', '2', '3']);
    const leader = await r.leader();
    const follower = ['1', '2', '3'].find((id) => id !== leader)!;
    await new Promise((res) => setTimeout(res, 50));
    for (let i = 0; i < 20; i++) {
      await r.logs.get(leader)!.propose(clock(1, `w${i}`));
      await r.logs.get(follower)!.readBarrier();
      expect(r.states.get(follower)!.clockOffsetMs).toBe(i + 1);
    }
    await r.close();
  });

  it('should fail fast with KMSInternalException when the Region has no quorum', async () => {
    const r = await region(['1', '2', '3']);
    const leader = await r.leader();
    const isolated = ['1', '2', '3'].find((id) => id !== leader)!;
    for (const id of ['1', '2', '3']) if (id !== isolated) r.cut.add(id);
    // Until it gives up on the leader the request waits; after the bound it fails at once.
    const started = Date.now();
    const err = await r.logs.get(isolated)!.propose(clock(1, 'lost')).catch((e: KmsError) => e);
    expect(err).toBeInstanceOf(KmsError);
    expect(['KMSInternalException', 'DependencyTimeoutException']).toContain((err as KmsError).code);
    expect(Date.now() - started).toBeLessThan(OPTIONS.requestTimeoutMs + 500);
    await new Promise((res) => setTimeout(res, OPTIONS.leaderlessFailFastMs + 200));
    const t0 = Date.now();
    await expect(r.logs.get(isolated)!.readBarrier()).rejects.toMatchObject({ code: 'KMSInternalException' });
    // At once, not after waiting out the request timeout (a bound loose enough for a busy machine).
    expect(Date.now() - t0).toBeLessThan(OPTIONS.requestTimeoutMs / 2);
    await r.close();
  });

  it('should not time a write out once it is applied, while the local replicas still apply it', async () => {
    const r = await region(['1']);
    const log = r.logs.get('1')!;
    // The replicas take longer than the request bound (the node's own bound on them then applies).
    log.onApplied(() => new Promise((res) => setTimeout(res, OPTIONS.requestTimeoutMs + 300)));
    await expect(log.propose(clock(3, 'slow-replicas'))).resolves.toEqual({ ok: true, value: { clockOffsetMs: 3 } });
    await r.close();
  });
});
