import { MemoryKvStore, StorageError, StoreOp } from '@trent/storage';
import type { Entry, Message, NodeId, Snapshot } from '../types';
import { RaftNode } from './raft-node';

/** A tiny replicated state machine: the list of applied payloads, its length persisted. */
class ListMachine {
  readonly values: string[] = [];
  appliedIndex = 0;
  apply(entries: readonly Entry[]): StoreOp[] {
    for (const e of entries) {
      if (e.type === 'normal') this.values.push(Buffer.from(e.data).toString());
      this.appliedIndex = e.index;
    }
    return entries.length > 0 ? [{ type: 'put', key: 'applied', value: this.appliedIndex }] : [];
  }
  applied(): void {}
  snapshot() {
    return { index: this.appliedIndex, data: Buffer.from(JSON.stringify(this.values)) };
  }
  restore(snap: Snapshot): StoreOp[] {
    this.values.splice(0, this.values.length, ...(JSON.parse(Buffer.from(snap.data).toString()) as string[]));
    this.appliedIndex = snap.meta.index;
    this.restores++;
    return [{ type: 'put', key: 'applied', value: this.appliedIndex }];
  }
  restored(): void {}
  restores = 0;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function cluster(ids: NodeId[], stores = ids.map(() => new MemoryKvStore()), extra: { compactAfter?: number; trailingEntries?: number } = {}) {
  const nodes = new Map<NodeId, RaftNode>();
  const machines = new Map<NodeId, ListMachine>();
  const fatal: Error[] = [];
  const cut = new Set<NodeId>();
  for (const [i, id] of ids.entries()) {
    const machine = new ListMachine();
    machines.set(id, machine);
    nodes.set(id, await RaftNode.open({ id, peers: ids, store: stores[i], stateMachine: machine, applied: 0, tickMs: 5, electionTicks: 10, heartbeatTicks: 1, onFatal: (e) => fatal.push(e), ...extra }));
  }
  const deliver = (ms: readonly Message[]) =>
    setImmediate(() => {
      for (const m of ms) if (!cut.has(m.from) && !cut.has(m.to)) nodes.get(m.to)?.step(m);
    });
  for (const n of nodes.values()) n.connect({ send: deliver });
  const leader = () => [...nodes.values()].find((n) => n.isLeader() && !cut.has(n.id));
  return { nodes, machines, fatal, cut, leader, close: () => Promise.all([...nodes.values()].map((n) => n.close())) };
}

describe(RaftNode.name, () => {
  it('should elect a leader and replicate a proposal made at a follower to every node', async () => {
    const c = await cluster(['a', 'b', 'c']);
    await until(() => c.leader() !== undefined);
    const follower = [...c.nodes.values()].find((n) => !n.isLeader())!;
    await until(() => follower.status().leader !== null);
    expect(follower.propose(Buffer.from('x'))).toBe('ok');
    await until(() => [...c.machines.values()].every((m) => m.values.includes('x')));
    await c.close();
  });

  it('should answer a read index at a follower no lower than what was committed before it', async () => {
    const c = await cluster(['a', 'b', 'c']);
    await until(() => c.leader() !== undefined);
    const leader = c.leader()!;
    leader.propose(Buffer.from('w'));
    await until(() => c.machines.get(leader.id)!.values.includes('w'));
    const committed = leader.status().commit;
    const follower = [...c.nodes.values()].find((n) => !n.isLeader())!;
    await until(() => follower.status().leader !== null);
    await expect(follower.readIndex()).resolves.toBeGreaterThanOrEqual(committed);
    await c.close();
  });

  it('should refuse a read index when no leader is known', async () => {
    const c = await cluster(['a', 'b', 'c']);
    c.cut.add('a').add('b').add('c');
    await expect(c.nodes.get('a')!.readIndex()).rejects.toThrow(/no leader/);
    await c.close();
  });

  it('should stop and report when its store fails', async () => {
    const stores = ['a'].map(() => new MemoryKvStore());
    stores[0].batch = async () => {
      throw new StorageError('disk on fire');
    };
    const c = await cluster(['a'], stores);
    await until(() => c.fatal.length > 0);
    expect(c.fatal[0].message).toBe('disk on fire');
    expect(c.nodes.get('a')!.propose(Buffer.from('x'))).toBe('dropped');
    await c.close();
  });

  it('should recover its log and hard state from its store after a restart', async () => {
    const stores = ['a', 'b', 'c'].map(() => new MemoryKvStore());
    const c = await cluster(['a', 'b', 'c'], stores);
    await until(() => c.leader() !== undefined);
    c.leader()!.propose(Buffer.from('kept'));
    await until(() => [...c.machines.values()].every((m) => m.values.includes('kept')));
    const before = c.nodes.get('a')!.status();
    await c.close();
    const again = await cluster(['a', 'b', 'c'], stores);
    const st = again.nodes.get('a')!.status();
    expect(st.lastIndex).toBe(before.lastIndex);
    expect(st.term).toBe(before.term);
    // Nothing was applied on restart (applied: 0 was passed), so the log replays into the fresh machine.
    await until(() => again.machines.get('a')!.values.includes('kept'));
    await again.close();
  });

  it('should compact its log and bring a follower that fell behind the compaction point up to date with a snapshot', async () => {
    const stores = ['a', 'b', 'c'].map(() => new MemoryKvStore());
    const c = await cluster(['a', 'b', 'c'], stores, { compactAfter: 5, trailingEntries: 2 });
    await until(() => c.leader() !== undefined);
    const lagging = [...c.nodes.values()].find((n) => !n.isLeader())!.id;
    c.cut.add(lagging);
    const leader = c.leader()!;
    for (let i = 0; i < 30; i++) {
      leader.propose(Buffer.from(`v${i}`));
      await until(() => c.machines.get(leader.id)!.values.includes(`v${i}`));
    }
    expect(leader.status().lastIndex - stores[['a', 'b', 'c'].indexOf(leader.id)].keys().filter((k) => k.startsWith('raft/log/')).length).toBeGreaterThan(20);
    c.cut.delete(lagging);
    await until(() => c.machines.get(lagging)!.values.includes('v29'));
    expect(c.machines.get(lagging)!.restores).toBe(1);
    expect(c.machines.get(lagging)!.values).toEqual(c.machines.get(leader.id)!.values);
    await c.close();
  });
});
