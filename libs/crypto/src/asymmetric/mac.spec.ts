import { createHmac } from 'node:crypto';
import { computeMac, verifyMac } from './mac';

const key = Buffer.alloc(32, 0x0b);
const message = Buffer.from('Hi There');

describe(computeMac.name, () => {
  const sut = computeMac;

  it.each([
    ['HMAC_SHA_224', 'sha224', 28],
    ['HMAC_SHA_256', 'sha256', 32],
    ['HMAC_SHA_384', 'sha384', 48],
    ['HMAC_SHA_512', 'sha512', 64],
  ])('%s is full-length HMAC-%s', (algorithm, hash, length) => {
    const mac = sut(algorithm, key, message);

    expect(mac).toHaveLength(length);
    expect(mac).toEqual(createHmac(hash, key).update(message).digest());
  });

  it('matches RFC 4231 test case 2 (HMAC-SHA-256, key "Jefe")', () => {
    expect(sut('HMAC_SHA_256', Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('refuses an unknown algorithm', () => {
    expect(() => sut('HMAC_SHA_1', key, message)).toThrow(RangeError);
  });
});

describe(verifyMac.name, () => {
  const sut = verifyMac;
  const mac = computeMac('HMAC_SHA_384', key, message);

  it('accepts the right tag only', () => {
    const flipped = Buffer.from(mac);
    flipped[47] ^= 1;

    expect(sut('HMAC_SHA_384', key, message, mac)).toBe(true);
    expect(sut('HMAC_SHA_384', key, message, flipped)).toBe(false);
    expect(sut('HMAC_SHA_384', key, Buffer.from('Hi there'), mac)).toBe(false);
    expect(sut('HMAC_SHA_512', key, message, mac)).toBe(false);
  });

  it('gives false, not a throw, for a truncated, extended or empty tag', () => {
    expect(sut('HMAC_SHA_384', key, message, mac.subarray(0, 32))).toBe(false);
    expect(sut('HMAC_SHA_384', key, message, Buffer.concat([mac, Buffer.alloc(1)]))).toBe(false);
    expect(sut('HMAC_SHA_384', key, message, Buffer.alloc(0))).toBe(false);
  });
});
