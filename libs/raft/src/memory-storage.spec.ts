import { MemoryStorage } from './memory-storage';
import { entry, logWithTerms } from './testing/raft-network';

describe(MemoryStorage.name, () => {
  it('overwrites the suffix from the first appended index', () => {
    const sut = MemoryStorage.from(logWithTerms(1, 1, 1));
    sut.append([entry(2, 2, 'x')]);
    expect(sut.lastIndex()).toBe(2);
    expect(sut.term(2)).toBe(2);
  });

  it('keeps the term of the last compacted entry', () => {
    const sut = MemoryStorage.from(logWithTerms(1, 2, 3));
    sut.compact(2);
    expect(sut.firstIndex()).toBe(3);
    expect(sut.term(2)).toBe(2);
    expect(sut.term(1)).toBe('compacted');
    expect(sut.entries(2, 4)).toBe('compacted');
    expect(sut.snapshotMeta()).toEqual({ index: 2, term: 2 });
  });

  it('limits entries by size but returns at least one', () => {
    const sut = MemoryStorage.from(logWithTerms(1, 1, 1));
    expect(sut.entries(1, 4, 1)).toHaveLength(1);
    expect(sut.entries(1, 4, 4)).toHaveLength(2);
  });

  it('refuses a gap', () => {
    expect(() => new MemoryStorage().append([entry(3, 1, 'x')])).toThrow();
  });

  describe('snapshots', () => {
    const conf = { voters: ['1', '2'], learners: ['3'] };
    const data = new TextEncoder().encode('image');

    it('should record a snapshot at an index of its log, with that entry\'s term', () => {
      const sut = MemoryStorage.from(logWithTerms(1, 2, 2));
      const snap = sut.createSnapshot(2, conf, data);
      expect(snap.meta).toEqual({ index: 2, term: 2, conf });
      expect(sut.snapshot()).toBe(snap);
      expect(() => sut.createSnapshot(4, conf, data)).toThrow();
    });

    it('should keep the newer snapshot when asked to record an older one', () => {
      const sut = MemoryStorage.from(logWithTerms(1, 2, 2));
      const newer = sut.createSnapshot(3, conf, data);
      expect(sut.createSnapshot(2, conf, data)).toBe(newer);
    });

    it('should replace the whole log and the conf state when a snapshot is installed', () => {
      const sut = MemoryStorage.from(logWithTerms(1, 1, 1, 1));
      const snap = { meta: { index: 3, term: 2, conf }, data };
      expect(sut.applySnapshot(snap)).toBe(true);
      expect(sut.firstIndex()).toBe(4);
      expect(sut.lastIndex()).toBe(3);
      expect(sut.term(3)).toBe(2);
      expect(sut.initialState().confState).toEqual(conf);
      expect(sut.snapshot()).toBe(snap);
    });

    it('should ignore an installed snapshot not newer than its own', () => {
      const sut = new MemoryStorage();
      sut.applySnapshot({ meta: { index: 5, term: 2, conf }, data });
      expect(sut.applySnapshot({ meta: { index: 5, term: 2, conf }, data })).toBe(false);
      expect(sut.applySnapshot({ meta: { index: 4, term: 2, conf }, data })).toBe(false);
    });
  });
});
