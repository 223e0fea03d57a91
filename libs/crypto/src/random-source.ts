import { randomFillSync } from 'node:crypto';

/**
 * Every random byte Trent uses comes through one of these, so services can be unit-tested with a
 * replayable stream. The caller owns the returned buffer.
 */
export interface RandomSource {
  bytes(n: number): Buffer;
}

/** Bytes drawn from OpenSSL per refill of the pool; one call per refill instead of one per request. */
const POOL_SIZE = 4096;

/**
 * OpenSSL's CSPRNG (`crypto.randomFillSync`), drawn a pool at a time: every Encrypt needs 28 random
 * bytes, and one OpenSSL call per 4 KiB costs a fraction of one call per request. Each byte is handed
 * out once and wiped from the pool as it leaves. The only source a node may run with.
 */
export const systemRandom: RandomSource = (() => {
  const pool = Buffer.alloc(POOL_SIZE);
  let used = POOL_SIZE;
  return {
    bytes(n: number): Buffer {
      const out = Buffer.allocUnsafe(n);
      if (n > POOL_SIZE / 4) return randomFillSync(out);
      if (used + n > POOL_SIZE) {
        randomFillSync(pool);
        used = 0;
      }
      pool.copy(out, 0, used, used + n);
      pool.fill(0, used, used + n);
      used += n;
      return out;
    },
  };
})();

/**
 * A deterministic byte stream for tests and simulations. NOT CRYPTOGRAPHIC: the whole stream follows
 * from a 32-bit seed and the generator (xoshiro128**, seeded through splitmix32) is predictable from a
 * few outputs. Never wire it into a running node.
 */
export function seededRandom(seed: number): RandomSource {
  let sm = seed >>> 0;
  const splitmix32 = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix32();
  let s1 = splitmix32();
  let s2 = splitmix32();
  let s3 = splitmix32();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // Invariant: xoshiro state is never all zero.

  const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };

  return {
    bytes(n: number): Buffer {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`byte count must be a non-negative integer, got ${n}`);
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i += 4) {
        const word = next();
        for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
      }
      return out;
    },
  };
}
