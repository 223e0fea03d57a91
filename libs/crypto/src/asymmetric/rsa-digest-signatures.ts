import { constants, createHash, KeyObject, privateEncrypt, publicDecrypt, timingSafeEqual } from 'node:crypto';
import { RandomSource } from '../random-source';
import { encodeOid, encodeSequence, encodeTlv, TAG } from './der';
import { HASH_LENGTH, HashName } from './key-specs';

/**
 * RSA signatures over a digest the caller already computed (Sign with MessageType DIGEST). Node's
 * `crypto.sign` always hashes its input, so the encodings of RFC 8017 are applied here and only
 * the RSA primitive is left to OpenSSL.
 */

const HASH_OIDS: Readonly<Record<HashName, string>> = {
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};

/** DigestInfo ::= SEQUENCE { AlgorithmIdentifier { hash OID, NULL }, OCTET STRING digest } (RFC 8017 §9.2 step 2). */
export function digestInfo(hash: HashName, digest: Uint8Array): Buffer {
  return encodeSequence(encodeSequence(encodeOid(HASH_OIDS[hash]), encodeTlv(TAG.NULL, Buffer.alloc(0))), encodeTlv(TAG.OCTET_STRING, digest));
}

/** RSASSA-PKCS1-v1_5 over `digest`: OpenSSL applies the type-1 padding to DigestInfo (RFC 8017 §8.2.1). */
export function pkcs1SignDigest(key: KeyObject, hash: HashName, digest: Buffer): Buffer {
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo(hash, digest));
}

export function pkcs1VerifyDigest(key: KeyObject, modulusBytes: number, hash: HashName, digest: Buffer, signature: Buffer): boolean {
  if (signature.length !== modulusBytes) return false; // RFC 8017 §8.2.2 step 1
  const expected = digestInfo(hash, digest);
  const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  return recovered.length === expected.length && timingSafeEqual(recovered, expected);
}

/** MGF1 (RFC 8017 §B.2.1). */
function mgf1(hash: HashName, seed: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  for (let at = 0, i = 0; at < length; i++) {
    counter.writeUInt32BE(i);
    at += createHash(hash).update(seed).update(counter).digest().copy(out, at);
  }
  return out;
}

const PSS_PADDING1 = Buffer.alloc(8);

/** H(0x00·8 || mHash || salt), the M' hash of EMSA-PSS (RFC 8017 §9.1.1 steps 5–6). */
const pssHash = (hash: HashName, digest: Buffer, salt: Buffer): Buffer => createHash(hash).update(PSS_PADDING1).update(digest).update(salt).digest();

/**
 * RSASSA-PSS over `digest` with MGF1 of the same hash and salt length = hash length, as AWS's
 * RSASSA_PSS_SHA_* are: EMSA-PSS-ENCODE (RFC 8017 §9.1.1), then the raw private-key operation.
 */
export function pssSignDigest(key: KeyObject, modulusBits: number, hash: HashName, digest: Buffer, rng: RandomSource): Buffer {
  const hLen = HASH_LENGTH[hash];
  const emBits = modulusBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const salt = rng.bytes(hLen);
  if (salt.length !== hLen) throw new RangeError('random source returned the wrong number of bytes');
  const h = pssHash(hash, digest, salt);
  const db = Buffer.alloc(emLen - hLen - 1); // PS || 0x01 || salt
  db[db.length - hLen - 1] = 0x01;
  salt.copy(db, db.length - hLen);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  const modulusBytes = Math.ceil(modulusBits / 8);
  const em = Buffer.concat([Buffer.alloc(modulusBytes - emLen), db, h, Buffer.from([0xbc])]);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, em);
}

/** RSASSA-PSS-VERIFY over `digest` (RFC 8017 §8.1.2, §9.1.2) with sLen = hLen exactly. */
export function pssVerifyDigest(key: KeyObject, modulusBits: number, hash: HashName, digest: Buffer, signature: Buffer): boolean {
  const hLen = HASH_LENGTH[hash];
  const modulusBytes = Math.ceil(modulusBits / 8);
  if (signature.length !== modulusBytes) return false;
  const emBits = modulusBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const m = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature); // throws if s ≥ n
  if (m.length !== modulusBytes || (modulusBytes > emLen && m[0] !== 0)) return false;
  const em = m.subarray(modulusBytes - emLen);
  if (emLen < 2 * hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((maskedDb[0] & ~topMask) !== 0) return false;
  const db = mgf1(hash, h, maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] ^= maskedDb[i];
  db[0] &= topMask;
  const psEnd = db.length - hLen - 1;
  let bad = db[psEnd] ^ 0x01;
  for (let i = 0; i < psEnd; i++) bad |= db[i];
  if (bad !== 0) return false;
  return timingSafeEqual(pssHash(hash, digest, db.subarray(psEnd + 1)), h);
}
