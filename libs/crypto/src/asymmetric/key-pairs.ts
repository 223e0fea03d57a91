import { createPrivateKey, createPublicKey, generateKeyPair, KeyObject, sign as opensslSign, verify as opensslVerify } from 'node:crypto';
import { BACKING_KEY_LENGTH } from '../key-material';
import { RandomSource } from '../random-source';
import { DerError, parsePkcs8, readWhole, TAG } from './der';
import { DataKeyPairSpec, hmacKeyLengths, KeySpec, keySpecInfo, rsaModulusBits } from './key-specs';
import { ML_DSA_PARAMS, ML_DSA_SEED_LENGTH, MlDsaSpec, mlDsaExpandedPkcs8, mlDsaPublicKeyFromExpanded, mlDsaSeedPkcs8, mlDsaSpki, mlDsaSpecForOid, parseMlDsaPkcs8 } from './ml-dsa-keys';
import { describeKeyType, EC_CURVES, keyObjectMismatch, preparePrivateKey } from './prepared-keys';

/** Private material as Trent stores it (wrapped): PKCS#8 DER for RSA/ECC/Ed25519/ML-DSA; raw key bytes for HMAC and SYMMETRIC_DEFAULT. publicKey: SPKI DER (asymmetric only). */
export interface GeneratedKey {
  material: Buffer;
  publicKey?: Buffer;
}

export type MaterialCheck = { ok: true; material: Buffer; publicKey?: Buffer } | { ok: false; reason: string };

type DerPair = { privateKey: Buffer; publicKey: Buffer };
const DER_PAIR = { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } } as const;

/** A fresh OpenSSL key pair; generation runs on libuv's thread pool, so RSA-4096 never stalls the event loop. */
function opensslKeyPair(spec: KeySpec): Promise<DerPair> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: Buffer, privateKey: Buffer): void => (err ? reject(err) : resolve({ privateKey, publicKey }));
    const bits = rsaModulusBits(spec);
    const curve = EC_CURVES[spec];
    if (bits !== undefined) generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001, ...DER_PAIR }, done);
    else if (curve) generateKeyPair('ec', { namedCurve: curve.name, ...DER_PAIR }, done);
    else if (spec === 'ECC_NIST_EDWARDS25519') generateKeyPair('ed25519', DER_PAIR, done);
    else reject(new RangeError(`${spec} is not an OpenSSL key pair spec`));
  });
}

/**
 * New key material for a key of `spec`. RSA, ECC and Ed25519 keys come from OpenSSL's generator;
 * HMAC and symmetric keys, and the 32-byte ML-DSA seed (FIPS 204 ξ), from `rng`.
 */
export async function generateKeyMaterial(spec: KeySpec, rng: RandomSource): Promise<GeneratedKey> {
  const family = keySpecInfo(spec)?.family;
  switch (family) {
    case 'symmetric':
      return { material: takeBytes(rng, BACKING_KEY_LENGTH) };
    case 'hmac':
      return { material: takeBytes(rng, hmacKeyLengths(spec).generated) };
    case 'ml-dsa': {
      const seed = takeBytes(rng, ML_DSA_SEED_LENGTH);
      try {
        const { publicKey } = ML_DSA_PARAMS[spec as MlDsaSpec].internal.keygen(seed);
        return { material: mlDsaSeedPkcs8(spec as MlDsaSpec, seed), publicKey: mlDsaSpki(spec as MlDsaSpec, publicKey) };
      } finally {
        seed.fill(0);
      }
    }
    case 'rsa':
    case 'ecc':
    case 'ed25519': {
      const { privateKey, publicKey } = await opensslKeyPair(spec);
      return { material: privateKey, publicKey };
    }
    default:
      throw new RangeError(`unknown key spec ${spec}`);
  }
}

function takeBytes(rng: RandomSource, n: number): Buffer {
  const bytes = rng.bytes(n);
  if (bytes.length !== n) throw new RangeError(`random source returned ${bytes.length} bytes, wanted ${n}`);
  return bytes;
}

/** SPKI DER public key of stored asymmetric material; throws for symmetric and HMAC specs. */
export function publicKeyFromMaterial(spec: KeySpec, material: Buffer): Buffer {
  return Buffer.from(preparePrivateKey(spec, material).spki);
}

/** A data key pair as GenerateDataKeyPair returns it: PKCS#8 DER private key, SPKI DER public key. */
export async function generateDataKeyPair(spec: DataKeyPairSpec): Promise<{ privateKey: Buffer; publicKey: Buffer }> {
  return opensslKeyPair(spec);
}

/**
 * Key material a user imports (after unwrapping): symmetric exactly 32 bytes; HMAC within
 * hmacKeyLengths; asymmetric: a PKCS#8 DER private key of exactly this spec (RSA modulus size, EC
 * curve, Ed25519, ML-DSA parameter set). `material` is the normalised form Trent stores (re-exported
 * PKCS#8 DER), `reason` is a human sentence for an error message.
 */
export function checkImportedMaterial(spec: KeySpec, bytes: Buffer): MaterialCheck {
  const family = keySpecInfo(spec)?.family;
  switch (family) {
    case 'symmetric':
      return bytes.length === BACKING_KEY_LENGTH
        ? { ok: true, material: Buffer.from(bytes) }
        : { ok: false, reason: `${spec} key material must be exactly ${BACKING_KEY_LENGTH} bytes, but it is ${bytes.length} bytes.` };
    case 'hmac': {
      const { min, max } = hmacKeyLengths(spec);
      return bytes.length >= min && bytes.length <= max
        ? { ok: true, material: Buffer.from(bytes) }
        : { ok: false, reason: `${spec} key material must be ${min} to ${max} bytes, but it is ${bytes.length} bytes.` };
    }
    case 'ml-dsa':
      return checkMlDsa(spec as MlDsaSpec, bytes);
    case 'rsa':
    case 'ecc':
    case 'ed25519':
      return checkOpensslKey(spec, bytes);
    default:
      return { ok: false, reason: `Trent cannot import key material for key spec ${spec}.` };
  }
}

const NOT_PKCS8 = 'The key material is not a DER-encoded PKCS#8 private key.';

function checkOpensslKey(spec: KeySpec, bytes: Buffer): MaterialCheck {
  let key: KeyObject;
  try {
    const info = parsePkcs8(bytes); // Also refuses trailing bytes, which OpenSSL would ignore.
    const mlDsa = mlDsaSpecForOid(info.algorithm.oid);
    if (mlDsa) return { ok: false, reason: `${spec} cannot take ${mlDsa} key material.` };
    key = createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
  } catch {
    return { ok: false, reason: NOT_PKCS8 };
  }
  const mismatch = keyObjectMismatch(spec, key);
  if (mismatch) return { ok: false, reason: mismatch };
  const publicKey = createPublicKey(key);
  if (!pairwiseConsistent(key, publicKey)) return { ok: false, reason: 'The private key is damaged: its signatures do not verify with its own public key.' };
  return { ok: true, material: key.export({ format: 'der', type: 'pkcs8' }), publicKey: publicKey.export({ format: 'der', type: 'spki' }) };
}

const PAIRWISE_MESSAGE = Buffer.from('trent/import-pairwise-check/v1');

/** A signature with the private key verifies with the derived public key (FIPS 140-3 IG 10.3.A's pairwise test). */
function pairwiseConsistent(privateKey: KeyObject, publicKey: KeyObject): boolean {
  try {
    const hash = privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return opensslVerify(hash, PAIRWISE_MESSAGE, publicKey, opensslSign(hash, PAIRWISE_MESSAGE, privateKey));
  } catch {
    return false;
  }
}

function checkMlDsa(spec: MlDsaSpec, bytes: Buffer): MaterialCheck {
  let parsed: ReturnType<typeof parseMlDsaPkcs8>;
  try {
    readWhole(bytes, TAG.SEQUENCE);
    parsed = parseMlDsaPkcs8(bytes);
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    const other = otherKeyType(bytes);
    return { ok: false, reason: other ? `${spec} needs an ML-DSA key, but the key material is ${other}.` : `The key material is not a DER-encoded ML-DSA PKCS#8 private key (${e.message}).` };
  }
  if (parsed.spec !== spec) return { ok: false, reason: `${spec} cannot take ${parsed.spec} key material.` };
  const { internal } = ML_DSA_PARAMS[spec];
  const { seed, expanded } = parsed.key;
  if (seed) {
    const { publicKey, secretKey } = internal.keygen(seed);
    if (expanded && !Buffer.from(secretKey).equals(expanded)) {
      return { ok: false, reason: `The ${spec} expanded key in the key material does not match its seed.` };
    }
    return { ok: true, material: mlDsaSeedPkcs8(spec, seed), publicKey: mlDsaSpki(spec, publicKey) };
  }
  const publicKey = mlDsaPublicKeyFromExpanded(spec, expanded);
  if (!publicKey) return { ok: false, reason: `The ${spec} expanded key in the key material is damaged: its parts do not belong together.` };
  return { ok: true, material: mlDsaExpandedPkcs8(spec, expanded), publicKey: mlDsaSpki(spec, publicKey) };
}

function otherKeyType(bytes: Buffer): string | undefined {
  try {
    return describeKeyType(createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' }).asymmetricKeyType);
  } catch {
    return undefined;
  }
}
