import { MemoryKvStore, StorageError } from '@trent/storage';
import type { Entry, Ready } from '../types';
import { DurableLog, RaftKeys } from './durable-log';

const entry = (index: number, term: number, text = `e${index}`): Entry => ({ index, term, type: 'normal', data: Buffer.from(text) });
const ready = (entries: Entry[], hardState?: Ready['hardState']): Ready => ({ entries, hardState, committed: [], readStates: [], sendNow: [], sendAfterPersist: [], mustSync: true });

async function write(store: MemoryKvStore, log: DurableLog, rd: Ready) {
  await store.batch(log.opsFor(rd));
  log.stable(rd);
}

describe(DurableLog.name, () => {
  it('should reload entries and hard state exactly as written', async () => {
    const store = new MemoryKvStore();
    const log = await DurableLog.load(store);
    await write(store, log, ready([entry(1, 1), entry(2, 1)], { term: 1, vote: 'a', commit: 1 }));
    const again = await DurableLog.load(store);
    expect(again.view.lastIndex()).toBe(2);
    expect(again.view.initialState().hardState).toEqual({ term: 1, vote: 'a', commit: 1 });
    expect(Buffer.from((again.view.entries(2, 3) as Entry[])[0].data).toString()).toBe('e2');
  });

  it('should delete the suffix an overwrite replaces', async () => {
    const store = new MemoryKvStore();
    const log = await DurableLog.load(store);
    await write(store, log, ready([entry(1, 1), entry(2, 1), entry(3, 1)]));
    await write(store, log, ready([entry(2, 2)]));
    const again = await DurableLog.load(store);
    expect(again.view.lastIndex()).toBe(2);
    expect(again.view.term(2)).toBe(2);
  });

  it('should refuse a record whose checksum does not match', async () => {
    const store = new MemoryKvStore();
    const log = await DurableLog.load(store);
    await write(store, log, ready([entry(1, 1, 'original')]));
    let record: Uint8Array | undefined;
    for await (const [, bytes] of store.scanBytes(RaftKeys.entry(1))) record = bytes;
    const tampered = Buffer.from(record!);
    tampered[tampered.length - 1] ^= 1;
    await store.batch([{ type: 'put', key: RaftKeys.entry(1), bytes: tampered }]);
    await expect(DurableLog.load(store)).rejects.toThrow(StorageError);
  });

  it('should refuse a log with a gap', async () => {
    const store = new MemoryKvStore();
    const log = await DurableLog.load(store);
    await write(store, log, ready([entry(1, 1), entry(2, 1), entry(3, 1)]));
    await store.batch([{ type: 'del', key: RaftKeys.entry(2) }]);
    await expect(DurableLog.load(store)).rejects.toThrow(/gap/);
  });

  it('should reload a compacted log from its base', async () => {
    const store = new MemoryKvStore();
    const log = await DurableLog.load(store);
    await write(store, log, ready([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]));
    await store.batch(log.compactOps(2));
    const again = await DurableLog.load(store);
    expect(again.view.firstIndex()).toBe(3);
    expect(again.view.term(2)).toBe(1);
    expect(again.view.lastIndex()).toBe(4);
  });

  it('should replace the log and membership with an installed snapshot, durably', async () => {
    const store = new MemoryKvStore();
    const log = await DurableLog.load(store, { voters: ['a', 'b', 'c'], learners: [] });
    await write(store, log, ready([entry(1, 1), entry(2, 1)]));
    const conf = { voters: ['a', 'b', 'd'], learners: [] };
    await store.batch(log.installOps({ meta: { index: 9, term: 3, conf }, data: Buffer.from('image') }));
    const again = await DurableLog.load(store, { voters: ['a', 'b', 'c'], learners: [] });
    expect(again.view.firstIndex()).toBe(10);
    expect(again.view.term(9)).toBe(3);
    expect(again.view.initialState().confState).toEqual(conf);
    expect(store.keys().filter((k) => k.startsWith(RaftKeys.entryPrefix))).toEqual([]);
  });

  it('should refuse a record stored under another index', async () => {
    const store = new MemoryKvStore();
    const log = await DurableLog.load(store);
    await write(store, log, ready([entry(1, 1), entry(2, 1)]));
    const records: Uint8Array[] = [];
    for await (const [, bytes] of store.scanBytes(RaftKeys.entryPrefix)) records.push(bytes);
    await store.batch([{ type: 'put', key: RaftKeys.entry(2), bytes: records[0] }]);
    await expect(DurableLog.load(store)).rejects.toThrow(/corrupt/);
  });
});
