import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { KeySpec } from './key-specs';
import { preparePrivateKey, prepareRsaPublicKey } from './prepared-keys';

export type RsaEncryptionAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';

const OAEP_HASH: Readonly<Record<RsaEncryptionAlgorithm, 'sha1' | 'sha256'>> = { RSAES_OAEP_SHA_1: 'sha1', RSAES_OAEP_SHA_256: 'sha256' };

/**
 * RSAES-OAEP (RFC 8017 §7.1) with MGF1 over the same hash and an empty label, as AWS's
 * RSAES_OAEP_SHA_* are. The output is the bare RSA ciphertext, modulus length, no header. Throws
 * RangeError for a plaintext over `rsaPlaintextLimit`.
 */
export function rsaEncrypt(publicKey: Buffer, algorithm: RsaEncryptionAlgorithm, plaintext: Buffer): Buffer {
  const key = prepareRsaPublicKey(publicKey);
  const hash = OAEP_HASH[algorithm];
  if (!hash) throw new RangeError(`unknown RSA encryption algorithm ${algorithm}`);
  const limit = key.modulusBytes! - 2 * (hash === 'sha1' ? 20 : 32) - 2;
  if (plaintext.length > limit) throw new RangeError(`${algorithm} takes at most ${limit} bytes with this key, got ${plaintext.length}`);
  // OpenSSL's MGF1 hash defaults to the OAEP hash when not set, which is what AWS uses.
  return publicEncrypt({ key: key.keyObject!, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext);
}

/** The plaintext, or `undefined` on any failure (wrong key, algorithm, length or damaged ciphertext). */
export function rsaDecrypt(spec: KeySpec, material: Buffer, algorithm: RsaEncryptionAlgorithm, ciphertext: Buffer): Buffer | undefined {
  const hash = OAEP_HASH[algorithm];
  if (!hash) throw new RangeError(`unknown RSA encryption algorithm ${algorithm}`);
  const key = preparePrivateKey(spec, material);
  if (key.family !== 'rsa') throw new RangeError(`${spec} is not an RSA key spec`);
  if (ciphertext.length !== key.modulusBytes) return undefined; // RFC 8017 §7.1.2 step 1b
  try {
    return privateDecrypt({ key: key.keyObject!, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
  } catch {
    return undefined;
  }
}
