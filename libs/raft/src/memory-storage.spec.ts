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
});
