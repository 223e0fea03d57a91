import type { Entry } from '../../types';
import { Prng } from './prng';
import { SimDisk } from './sim-disk';

const e = (index: number, term: number): Entry => ({ index, term, type: 'noop', data: new Uint8Array(0) });
const latency = { writeMin: 0, writeMean: 0, syncMin: 1, syncMean: 0, keepUnsyncedPrefix: 0 };

describe(SimDisk.name, () => {
  it('keeps only fsynced writes across a crash', () => {
    const sut = new SimDisk(new Prng(1), latency);
    sut.write({ entries: [e(1, 1)], hardState: { term: 1, vote: '1', commit: 0 } });
    sut.sync();
    sut.write({ entries: [e(2, 1)], hardState: { term: 1, vote: '1', commit: 2 } });
    expect(sut.lastIndex()).toBe(1);
    sut.crash();
    const rec = sut.recover();
    expect(rec.entries.map((x) => x.index)).toEqual([1]);
    expect(rec.hardState).toEqual({ term: 1, vote: '1', commit: 0 });
  });

  it('may keep a prefix of unsynced writes, never a later write without the earlier ones', () => {
    for (let seed = 1; seed < 50; seed++) {
      const sut = new SimDisk(new Prng(seed), { ...latency, keepUnsyncedPrefix: 1 });
      sut.write({ entries: [e(1, 1)] });
      sut.write({ entries: [e(2, 1)] });
      sut.write({ entries: [e(3, 1)] });
      sut.crash();
      const idx = sut.recover().entries.map((x) => x.index);
      expect([[], [1], [1, 2], [1, 2, 3]]).toContainEqual(idx);
    }
  });

  it('overwrites a suffix from the first written index', () => {
    const sut = new SimDisk(new Prng(1), latency);
    sut.write({ entries: [e(1, 1), e(2, 1), e(3, 1)] });
    sut.write({ entries: [e(2, 2)] });
    sut.sync();
    expect([sut.term(1), sut.term(2), sut.term(3)]).toEqual([1, 2, undefined]);
  });

  it('installs a snapshot (log, base, membership, state machine) and compacts in atomic batches', () => {
    const sut = new SimDisk(new Prng(1), latency);
    const conf = { voters: ['1', '2'], learners: [] };
    sut.write({ entries: [e(1, 1), e(2, 1), e(3, 1)], sm: { applied: 2, hash: 9, values: 1 }, conf });
    sut.write({ compact: { index: 2, term: 1 } });
    sut.sync();
    expect([sut.firstIndex(), sut.lastIndex(), sut.term(1), sut.term(2), sut.term(3)]).toEqual([3, 3, undefined, 1, 1]);
    sut.write({ snapshot: { base: { index: 5, term: 2 }, conf, sm: { applied: 5, hash: 7, values: 3 } }, entries: [e(6, 2)] });
    sut.sync();
    const rec = sut.recover();
    expect(rec.base).toEqual({ index: 5, term: 2 });
    expect(rec.entries.map((x) => x.index)).toEqual([6]);
    expect(rec.sm.applied).toBe(5);
    expect(rec.conf).toEqual(conf);
  });

  it('refuses a compaction past the durable applied index', () => {
    const sut = new SimDisk(new Prng(1), latency);
    sut.write({ entries: [e(1, 1), e(2, 1)], sm: { applied: 1, hash: 1, values: 0 } });
    sut.write({ compact: { index: 2, term: 1 } });
    expect(() => sut.sync()).toThrow(/beyond the applied index 1/);
  });
});
