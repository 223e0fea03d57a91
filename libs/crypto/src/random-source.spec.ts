import { seededRandom, systemRandom } from './random-source';

describe(seededRandom.name, () => {
  it('replays the same stream for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);

    expect([a.bytes(3), a.bytes(17), a.bytes(0)]).toEqual([b.bytes(3), b.bytes(17), b.bytes(0)]);
  });

  it('gives different streams for different seeds, and does not repeat within a stream', () => {
    const sut = seededRandom(1);

    expect(sut.bytes(32)).not.toEqual(seededRandom(2).bytes(32));
    expect(sut.bytes(32)).not.toEqual(sut.bytes(32));
  });

  it('looks roughly uniform (every byte value shows up in 64 KiB)', () => {
    const seen = new Set(seededRandom(7).bytes(65536));

    expect(seen.size).toBe(256);
  });

  it('refuses a negative or fractional length', () => {
    expect(() => seededRandom(1).bytes(-1)).toThrow(RangeError);
    expect(() => seededRandom(1).bytes(1.5)).toThrow(RangeError);
  });
});

describe('systemRandom', () => {
  it('returns the requested number of bytes', () => {
    expect(systemRandom.bytes(28)).toHaveLength(28);
  });
});
