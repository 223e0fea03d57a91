import { KeyCache } from './key-cache';

describe(KeyCache.name, () => {
  const bytes = (n: number): Buffer => Buffer.from([n]);

  it('builds once per distinct kind and bytes, equal bytes in another Buffer included', () => {
    const sut = new KeyCache<number>(4);
    const build = jest.fn(() => 7);

    sut.get('a', bytes(1), build);
    sut.get('a', Buffer.from(bytes(1)), build);
    sut.get('b', bytes(1), build);

    expect(build).toHaveBeenCalledTimes(2);
  });

  it('evicts the least recently used entry at capacity', () => {
    const sut = new KeyCache<number>(2);
    sut.get('k', bytes(1), () => 1);
    sut.get('k', bytes(2), () => 2);
    sut.get('k', bytes(1), () => -1); // 1 is now the most recent

    sut.get('k', bytes(3), () => 3);

    expect(sut.size).toBe(2);
    expect(sut.get('k', bytes(1), () => -1)).toBe(1);
    expect(sut.get('k', bytes(2), () => 22)).toBe(22);
  });

  it('caches nothing when the build throws', () => {
    const sut = new KeyCache<number>(2);

    expect(() => sut.get('k', bytes(1), () => { throw new Error('bad key'); })).toThrow('bad key');
    expect(sut.size).toBe(0);
  });
});
