import { ed25519ph } from '@noble/curves/ed25519';
import { p256, p384, p521 } from '@noble/curves/nist';
import { secp256k1 } from '@noble/curves/secp256k1';
import { constants, sign as opensslSign, verify as opensslVerify } from 'node:crypto';
import { RandomSource } from '../random-source';
import { KeySpec, keySpecInfo, MessageType, messageTypesFor, ML_DSA_MU_LENGTH, signingAlgorithms, signingDigestLength, signingHash } from './key-specs';
import { ML_DSA_PARAMS, MlDsaSpec } from './ml-dsa-keys';
import { preparePrivateKey, preparePublicKey } from './prepared-keys';
import { pkcs1SignDigest, pkcs1VerifyDigest, pssSignDigest, pssVerifyDigest } from './rsa-digest-signatures';

export type { MessageType } from './key-specs';

/** @noble curves for ECDSA over a caller's digest, which OpenSSL cannot sign through Node's API. */
const NOBLE_ECDSA: Partial<Record<KeySpec, typeof p256>> = {
  ECC_NIST_P256: p256,
  ECC_NIST_P384: p384,
  ECC_NIST_P521: p521,
  ECC_SECG_P256K1: secp256k1,
};

/** Trent's ML-DSA message for pure signing with an empty context: 0x00 || |ctx| = 0 || M (FIPS 204 Algorithm 2, line 10). */
const pureMlDsaMessage = (message: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0]), message]);

/** Re-checks what the caller validated; a failure is a Trent bug, not a client error, hence RangeError. */
function assertUsable(spec: KeySpec, algorithm: string, messageType: MessageType, message: Buffer): void {
  if (!signingAlgorithms(spec).includes(algorithm)) throw new RangeError(`${spec} keys do not sign with ${algorithm}`);
  if (!messageTypesFor(algorithm).includes(messageType)) throw new RangeError(`${algorithm} does not take ${messageType} messages`);
  const expected = messageType === 'DIGEST' ? signingDigestLength(algorithm) : messageType === 'EXTERNAL_MU' ? ML_DSA_MU_LENGTH : undefined;
  if (expected !== undefined && message.length !== expected) throw new RangeError(`${algorithm} ${messageType} must be ${expected} bytes, got ${message.length}`);
}

/**
 * Inputs are pre-validated by the caller (algorithm fits the spec, message type allowed, digest length right).
 * Randomness: `rng` supplies the ML-DSA hedge, the PSS salt and the ECDSA extra entropy on the DIGEST
 * paths; OpenSSL's own generator serves the RAW ECDSA and PSS paths.
 */
export function sign(spec: KeySpec, material: Buffer, algorithm: string, messageType: MessageType, message: Buffer, rng: RandomSource): Buffer {
  assertUsable(spec, algorithm, messageType, message);
  const key = preparePrivateKey(spec, material);
  switch (key.family) {
    case 'rsa': {
      const hash = signingHash(algorithm);
      const pss = algorithm.startsWith('RSASSA_PSS_');
      if (messageType === 'RAW') {
        return opensslSign(hash, message, pss ? { key: key.keyObject!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : key.keyObject!);
      }
      return pss ? pssSignDigest(key.keyObject!, key.modulusBytes! * 8, hash, message, rng) : pkcs1SignDigest(key.keyObject!, hash, message);
    }
    case 'ecc': {
      if (messageType === 'RAW') return opensslSign(signingHash(algorithm), message, { key: key.keyObject!, dsaEncoding: 'der' });
      const signature = NOBLE_ECDSA[spec]!.sign(message, key.raw(), { prehash: false, lowS: false, extraEntropy: rng.bytes(32) });
      return Buffer.from(signature.toDERRawBytes());
    }
    case 'ed25519':
      if (algorithm === 'ED25519_SHA_512') return opensslSign(null, message, key.keyObject!);
      return Buffer.from(ed25519ph.sign(message, key.raw())); // AWS: the digest is Ed25519ph's message, prehashed again
    case 'ml-dsa': {
      const { internal } = ML_DSA_PARAMS[spec as MlDsaSpec];
      const random = rng.bytes(32); // FIPS 204 hedged signing: rnd ← {0,1}^256 (Algorithm 2, line 5)
      // A copy: noble wipes μ when it is done, and μ here is the caller's buffer.
      if (messageType === 'EXTERNAL_MU') return Buffer.from(internal.sign(key.mlDsaSecretKey!, Uint8Array.from(message), random, true));
      return Buffer.from(internal.sign(key.mlDsaSecretKey!, pureMlDsaMessage(message), random));
    }
  }
}

/** False for any malformed or wrong signature; never throws on hostile signature bytes (only on the caller bugs `sign` rejects). */
export function verify(spec: KeySpec, publicKey: Buffer, algorithm: string, messageType: MessageType, message: Buffer, signature: Buffer): boolean {
  assertUsable(spec, algorithm, messageType, message);
  try {
    return verifyUnchecked(spec, publicKey, algorithm, messageType, message, signature);
  } catch {
    return false;
  }
}

function verifyUnchecked(spec: KeySpec, publicKey: Buffer, algorithm: string, messageType: MessageType, message: Buffer, signature: Buffer): boolean {
  const key = preparePublicKey(spec, publicKey);
  switch (keySpecInfo(spec)!.family) {
    case 'rsa': {
      const hash = signingHash(algorithm);
      const pss = algorithm.startsWith('RSASSA_PSS_');
      if (signature.length !== key.modulusBytes) return false;
      if (messageType === 'RAW') {
        const options = pss ? { key: key.keyObject!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : key.keyObject!;
        return opensslVerify(hash, message, options, signature);
      }
      return pss ? pssVerifyDigest(key.keyObject!, key.modulusBytes! * 8, hash, message, signature) : pkcs1VerifyDigest(key.keyObject!, key.modulusBytes!, hash, message, signature);
    }
    case 'ecc':
      if (messageType === 'RAW') return opensslVerify(signingHash(algorithm), message, { key: key.keyObject!, dsaEncoding: 'der' }, signature);
      return NOBLE_ECDSA[spec]!.verify(signature, message, key.raw, { prehash: false, lowS: false, format: 'der' });
    case 'ed25519':
      if (signature.length !== 64) return false;
      if (algorithm === 'ED25519_SHA_512') return opensslVerify(null, message, key.keyObject!, signature);
      return ed25519ph.verify(signature, message, key.raw, { zip215: false }); // RFC 8032 §5.1.7, as OpenSSL checks
    case 'ml-dsa': {
      const { internal, signatureLength } = ML_DSA_PARAMS[spec as MlDsaSpec];
      if (signature.length !== signatureLength) return false;
      if (messageType === 'EXTERNAL_MU') return internal.verify(key.raw, message, signature, true);
      return internal.verify(key.raw, pureMlDsaMessage(message), signature);
    }
    default:
      return false;
  }
}
