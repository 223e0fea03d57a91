import { MemoryKvStore, StoreOp } from '@trent/storage';
import { Command } from '../state/command';
import { KmsState } from '../state/kms-state';
import { ApplierTable, KmsStateMachine } from '../state/kms-state-machine';
import { APPLIERS } from '../operations/appliers';
import { SingleNodeLog } from './single-node-log';

const clock = (deltaMs: number, requestId: string, now = 1_000): Command => ({ requestId, now, accountId: '-', body: { type: 'AdvanceClock', deltaMs } });

async function open(store: MemoryKvStore, appliers: ApplierTable = APPLIERS) {
  const state = await KmsState.load(store);
  const machine = new KmsStateMachine(state, { region: 'us-east-1' }, appliers);
  const fatal = jest.fn();
  const sut = await SingleNodeLog.open(store, machine, '1', fatal);
  return { sut, state, fatal };
}

describe(SingleNodeLog.name, () => {
  it('should apply proposals in order and make them durable before resolving', async () => {
    const store = new MemoryKvStore();
    const { sut, state } = await open(store);
    const results = await Promise.all([sut.propose(clock(5, 'a')), sut.propose(clock(7, 'b')), sut.propose(clock(11, 'c'))]);
    expect(results.map((r) => r.ok && (r.value as { clockOffsetMs: number }).clockOffsetMs)).toEqual([5, 12, 23]);
    expect(state.appliedIndex).toBe(3);
    expect(await store.get('meta/clockOffset')).toBe(23);
    expect(store.keys().filter((k) => k.startsWith('log/'))).toEqual([]);
  });

  it('should group concurrent proposals into one durable write', async () => {
    const store = new MemoryKvStore();
    const { sut } = await open(store);
    await Promise.all(Array.from({ length: 50 }, (_, i) => sut.propose(clock(1, `r${i}`))));
    // One log write plus one state write per group; the first proposal may go alone.
    expect(store.batches).toBeLessThanOrEqual(4);
  });

  it('should apply a retried request id once and answer the first result', async () => {
    const store = new MemoryKvStore();
    const { sut, state } = await open(store);
    const first = await sut.propose(clock(5, 'same'));
    const again = await sut.propose(clock(5, 'same'));
    expect(again).toEqual(first);
    expect(state.clockOffsetMs).toBe(5);
    expect(state.appliedIndex).toBe(2);
  });

  it('should replay committed entries that a crash left unapplied', async () => {
    const store = new MemoryKvStore();
    const entry = { index: 1, term: 1, cmd: clock(9, 'x') };
    // A crash between the commit write and the apply write leaves exactly this on disk.
    await store.batch([{ type: 'put', key: 'log/0000000000000001', value: entry }]);
    const { state } = await open(store);
    expect(state.clockOffsetMs).toBe(9);
    expect(state.appliedIndex).toBe(1);
    expect(store.keys().filter((k) => k.startsWith('log/'))).toEqual([]);
  });

  it('should stop and refuse everything after a storage failure', async () => {
    const store = new MemoryKvStore();
    const { sut, fatal } = await open(store);
    const broken = new Error('disk full');
    jest.spyOn(store, 'batch').mockImplementation(async (_ops: readonly StoreOp[]) => {
      throw broken;
    });
    await expect(sut.propose(clock(1, 'a'))).rejects.toBe(broken);
    expect(fatal).toHaveBeenCalledWith(broken);
    await expect(sut.propose(clock(1, 'b'))).rejects.toBe(broken);
    await expect(sut.readBarrier()).rejects.toBe(broken);
  });
});
