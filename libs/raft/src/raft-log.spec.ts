import { MemoryStorage } from './memory-storage';
import { RaftLog } from './raft-log';
import { entry, logWithTerms } from './testing/raft-network';

describe(RaftLog.name, () => {
  const make = (terms: number[], commit = 0) => new RaftLog(MemoryStorage.from(logWithTerms(...terms), { commit }));

  it('appends after a matching (prevIndex, prevTerm) and refuses a mismatch', () => {
    const sut = make([1, 1, 2]);
    expect(sut.maybeAppend(3, 2, 0, [entry(4, 2, 'x')])).toBe(4);
    expect(sut.maybeAppend(4, 3, 0, [entry(5, 3, 'y')])).toBeUndefined();
    expect(sut.lastIndex()).toBe(4);
  });

  it('truncates only the conflicting suffix and keeps a longer matching log', () => {
    const sut = make([1, 1, 2, 2]);
    expect(sut.maybeAppend(1, 1, 0, [entry(2, 1, 'e2')])).toBe(2); // all present: nothing cut
    expect(sut.lastIndex()).toBe(4);
    expect(sut.maybeAppend(2, 1, 0, [entry(3, 3, 'n')])).toBe(3);
    expect(sut.lastIndex()).toBe(3);
    expect(sut.term(3)).toBe(3);
  });

  it('commits no further than the last entry the leader proved we share', () => {
    const sut = make([1, 1, 1, 1]);
    sut.maybeAppend(1, 1, 4, []);
    expect(sut.committed).toBe(1);
  });

  it('refuses to overwrite committed entries', () => {
    const sut = make([1, 1, 2], 3);
    expect(() => sut.maybeAppend(1, 1, 3, [entry(2, 3, 'x')])).toThrow(/committed/);
  });

  it('never moves commit backwards', () => {
    const sut = make([1, 1, 1], 3);
    expect(sut.commitTo(2)).toBe(false);
    expect(sut.committed).toBe(3);
    expect(() => sut.commitTo(9)).toThrow();
  });

  it('finds the largest index at or below a probe with a term no greater than given', () => {
    const sut = make([1, 1, 2, 2, 4, 4]);
    expect(sut.findConflictByTerm(6, 3)).toEqual({ index: 4, term: 2 });
    expect(sut.findConflictByTerm(6, 4)).toEqual({ index: 6, term: 4 });
    expect(sut.findConflictByTerm(6, 0)).toEqual({ index: 0, term: 0 });
  });

  it('ignores a stale stableTo after the entry was overwritten', () => {
    const storage = MemoryStorage.from(logWithTerms(1));
    const sut = new RaftLog(storage);
    sut.append([entry(2, 1, 'a')]);
    sut.append([entry(2, 2, 'b')]);
    sut.stableTo(2, 1);
    expect(sut.unstableEntries().map((e) => e.term)).toEqual([2]);
    expect(sut.persistedIndex()).toBe(1);
    sut.stableTo(2, 2);
    expect(sut.unstableEntries()).toEqual([]);
    expect(sut.persistedIndex()).toBe(2);
  });

  it('reads across the durable and unstable parts, overwritten storage hidden', () => {
    const storage = MemoryStorage.from(logWithTerms(1, 1, 1));
    const sut = new RaftLog(storage);
    sut.append([entry(3, 2, 'new'), entry(4, 2, 'n4')]);
    expect(sut.slice(1, 5)!.map((e) => e.term)).toEqual([1, 1, 2, 2]);
    expect(sut.persistedIndex()).toBe(2);
  });

  it('judges up-to-dateness by last term, then length (Raft §5.4.1)', () => {
    const sut = make([1, 2]);
    expect(sut.isUpToDate(1, 3)).toBe(true);
    expect(sut.isUpToDate(5, 1)).toBe(false);
    expect(sut.isUpToDate(2, 2)).toBe(true);
    expect(sut.isUpToDate(1, 2)).toBe(false);
  });

  describe('snapshot as base', () => {
    const snap = { meta: { index: 5, term: 3, conf: { voters: ['1'], learners: [] } }, data: new Uint8Array(0) };

    it('should start after a restored snapshot, whose last entry term is known', () => {
      const sut = make([1, 1], 1);
      sut.restore(snap);
      expect(sut.firstIndex()).toBe(6);
      expect(sut.lastIndex()).toBe(5);
      expect(sut.term(5)).toBe(3);
      expect(sut.term(4)).toBeUndefined();
      expect(sut.committed).toBe(5);
      expect(sut.maybeAppend(5, 3, 6, [entry(6, 3, 'x')])).toBe(6);
    });

    it('should hand out no committed entries until the snapshot is stable, then count it applied', () => {
      const sut = make([1, 1], 1);
      sut.restore(snap);
      expect(sut.hasNextCommitted()).toBe(false);
      sut.stableSnapTo(5);
      expect(sut.unstableSnapshot()).toBeUndefined();
      expect(sut.applied).toBe(5);
    });

    it('should start from the storage snapshot: committed and applied at least its index', () => {
      const storage = new MemoryStorage();
      storage.applySnapshot(snap);
      const sut = new RaftLog(storage);
      expect(sut).toMatchObject({ committed: 5, applied: 5 });
      expect(sut.lastTerm()).toBe(3);
    });
  });
});
