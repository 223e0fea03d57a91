import { constants, createCipheriv, createDecipheriv, KeyObject, privateDecrypt, publicEncrypt } from 'node:crypto';
import { RandomSource, systemRandom } from '../random-source';
import { wrappingKeySpecOf } from './wrapping-key';

/**
 * How a client protects key material for ImportKeyMaterial, in token-code order (code = index + 1).
 * Append only: the codes are stored in import tokens. RSAES_PKCS1_V1_5 is deliberately absent (AWS
 * deprecated it; PKCS #1 v1.5 decryption is a padding oracle).
 */
export const WRAPPING_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'] as const;
export type WrappingAlgorithm = (typeof WRAPPING_ALGORITHMS)[number];

export const isWrappingAlgorithm = (s: unknown): s is WrappingAlgorithm => (WRAPPING_ALGORITHMS as readonly unknown[]).includes(s);

/**
 * RSAES_OAEP_*: EncryptedKeyMaterial = RSA-OAEP(material).
 * RSA_AES_KEY_WRAP_*: EncryptedKeyMaterial = RSA-OAEP(32-byte AES key) || AES-256 key wrap with padding(material).
 * OAEP uses the named hash for both the label digest and MGF1, with an empty label (RFC 8017 §7.1;
 * OpenSSL takes the MGF1 digest from the OAEP digest unless told otherwise).
 */
const SCHEMES: Readonly<Record<WrappingAlgorithm, { hash: 'sha1' | 'sha256'; aesKeyWrap: boolean }>> = {
  RSAES_OAEP_SHA_1: { hash: 'sha1', aesKeyWrap: false },
  RSAES_OAEP_SHA_256: { hash: 'sha256', aesKeyWrap: false },
  RSA_AES_KEY_WRAP_SHA_1: { hash: 'sha1', aesKeyWrap: true },
  RSA_AES_KEY_WRAP_SHA_256: { hash: 'sha256', aesKeyWrap: true },
};

const AES_KEY_LENGTH = 32;
const AES_KEY_WRAP_CIPHER = 'id-aes256-wrap-pad';
/** RFC 5649 §3 alternative initial value; OpenSSL's default for the -pad wrap ciphers, and what the AWS guide passes as -iv. */
const AES_KEY_WRAP_AIV = Buffer.from('a65959a6', 'hex');
/** RFC 5649 output is the padded material plus an 8-byte integrity block, so at least 16 bytes and a multiple of 8. */
const AES_KEY_WRAP_MIN_LENGTH = 16;

/**
 * The key material a client wrapped under `privateKey`'s public half, or `undefined` when it cannot be
 * recovered: wrong key or algorithm, bad OAEP padding, wrong lengths, an AES key that is not 32 bytes,
 * an RFC 5649 integrity failure, or empty material. Never throws on hostile bytes; every failure looks
 * the same to the caller (AWS answers InvalidCiphertextException for all of them).
 */
export function unwrapKeyMaterial(privateKey: KeyObject, algorithm: WrappingAlgorithm, encrypted: Buffer): Buffer | undefined {
  if (!isWrappingAlgorithm(algorithm) || privateKey.type !== 'private' || wrappingKeySpecOf(privateKey) === undefined) return undefined;
  const { hash, aesKeyWrap } = SCHEMES[algorithm];
  const modulusLength = modulusBytes(privateKey);

  if (!aesKeyWrap) {
    if (encrypted.length !== modulusLength) return undefined;
    const material = oaepDecrypt(privateKey, hash, encrypted);
    return material && material.length > 0 ? material : undefined;
  }

  const wrapped = encrypted.subarray(modulusLength);
  if (encrypted.length < modulusLength || wrapped.length < AES_KEY_WRAP_MIN_LENGTH || wrapped.length % 8 !== 0) return undefined;
  const aesKey = oaepDecrypt(privateKey, hash, encrypted.subarray(0, modulusLength));
  if (!aesKey) return undefined;
  try {
    return aesKey.length === AES_KEY_LENGTH ? aesKeyUnwrap(aesKey, wrapped) : undefined;
  } finally {
    aesKey.fill(0);
  }
}

/**
 * The client's side of ImportKeyMaterial: `material` wrapped under an RSA wrapping public key exactly
 * as the AWS developer guide's openssl steps do it. For tests and tools; the service only unwraps.
 */
export function wrapKeyMaterial(publicKey: KeyObject, algorithm: WrappingAlgorithm, material: Buffer, rng: RandomSource = systemRandom): Buffer {
  if (!isWrappingAlgorithm(algorithm)) throw new RangeError(`unknown wrapping algorithm ${String(algorithm)}`);
  const { hash, aesKeyWrap } = SCHEMES[algorithm];
  const oaep = (data: Buffer): Buffer => publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
  if (!aesKeyWrap) return oaep(material);

  const aesKey = rng.bytes(AES_KEY_LENGTH);
  try {
    const cipher = createCipheriv(AES_KEY_WRAP_CIPHER, aesKey, AES_KEY_WRAP_AIV);
    return Buffer.concat([oaep(aesKey), cipher.update(material), cipher.final()]);
  } finally {
    aesKey.fill(0);
  }
}

const modulusBytes = (key: KeyObject): number => Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);

function oaepDecrypt(privateKey: KeyObject, hash: string, block: Buffer): Buffer | undefined {
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, block);
  } catch {
    return undefined; // OpenSSL's OAEP decoding fails in constant time; which check failed is not exposed.
  }
}

/** RFC 5649 unwrap. OpenSSL checks the integrity block inside `update`, so a failure throws there. */
function aesKeyUnwrap(aesKey: Buffer, wrapped: Buffer): Buffer | undefined {
  let material: Buffer | undefined;
  try {
    const decipher = createDecipheriv(AES_KEY_WRAP_CIPHER, aesKey, AES_KEY_WRAP_AIV);
    material = decipher.update(wrapped);
    const tail = decipher.final();
    if (tail.length > 0) {
      const whole = Buffer.concat([material, tail]);
      material.fill(0);
      tail.fill(0);
      material = whole;
    }
    return material.length > 0 ? material : undefined;
  } catch {
    material?.fill(0);
    return undefined;
  }
}
