import { createHmac, timingSafeEqual } from 'node:crypto';
import { macHash } from './key-specs';

/** HMAC (RFC 2104) with the hash `algorithm` names (HMAC_SHA_224 … HMAC_SHA_512); the full-length tag. */
export function computeMac(algorithm: string, material: Buffer, message: Buffer): Buffer {
  return createHmac(macHash(algorithm), material).update(message).digest();
}

/** Constant time in the message's content; false on a length mismatch (a truncated tag never verifies). */
export function verifyMac(algorithm: string, material: Buffer, message: Buffer, mac: Buffer): boolean {
  const expected = computeMac(algorithm, material, message);
  return mac.length === expected.length && timingSafeEqual(expected, mac);
}
