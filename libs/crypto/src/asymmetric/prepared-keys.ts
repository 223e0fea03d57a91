import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { parseSpki } from './der';
import { KeyCache } from './key-cache';
import { KeyFamily, KeySpec, keySpecInfo, rsaModulusBits } from './key-specs';
import { ML_DSA_PARAMS, MlDsaSpec, mlDsaPublicKeyFromExpanded, mlDsaSpki, parseMlDsaPkcs8 } from './ml-dsa-keys';

export type AsymmetricFamily = Exclude<KeyFamily, 'symmetric' | 'hmac'>;

/** OpenSSL's name for each EC spec's curve (as `asymmetricKeyDetails.namedCurve` reports it) and its OID. */
export const EC_CURVES: Readonly<Partial<Record<KeySpec, { name: string; oid: string; fieldBytes: number }>>> = {
  ECC_NIST_P256: { name: 'prime256v1', oid: '1.2.840.10045.3.1.7', fieldBytes: 32 },
  ECC_NIST_P384: { name: 'secp384r1', oid: '1.3.132.0.34', fieldBytes: 48 },
  ECC_NIST_P521: { name: 'secp521r1', oid: '1.3.132.0.35', fieldBytes: 66 },
  ECC_SECG_P256K1: { name: 'secp256k1', oid: '1.3.132.0.10', fieldBytes: 32 },
};

/** A private key parsed once: OpenSSL's object, or for ML-DSA noble's expanded key. */
export interface PreparedPrivateKey {
  spec: KeySpec;
  family: AsymmetricFamily;
  /** SPKI DER of the matching public key. */
  spki: Buffer;
  /** Absent for ML-DSA. */
  keyObject?: KeyObject;
  /** RSA only: modulus length in bytes (k in RFC 8017). */
  modulusBytes?: number;
  /** ML-DSA only: FIPS 204 skEncode bytes. */
  mlDsaSecretKey?: Uint8Array;
  /** The raw private scalar (ECC) or seed (Ed25519) for @noble, extracted on first use. */
  raw(): Uint8Array;
  /** Zeroes the secret bytes this module holds (the ML-DSA key, a raw key once extracted). */
  erase(): void;
}

export interface PreparedPublicKey {
  spec: KeySpec;
  /** Absent for ML-DSA. */
  keyObject?: KeyObject;
  /** The SPKI's BIT STRING: EC point, Ed25519 A, ML-DSA pkEncode bytes. */
  raw: Buffer;
  modulusBytes?: number;
}

/** Distinct keys a node keeps parsed; beyond this the least recently used is parsed again on next use. */
const CACHE_CAPACITY = 1024;
const privateKeys = new KeyCache<PreparedPrivateKey>(CACHE_CAPACITY);
const publicKeys = new KeyCache<PreparedPublicKey>(CACHE_CAPACITY);

export function asymmetricFamily(spec: KeySpec): AsymmetricFamily {
  const family = keySpecInfo(spec)?.family;
  if (family === undefined || family === 'symmetric' || family === 'hmac') throw new RangeError(`${spec} is not an asymmetric key spec`);
  return family;
}

/**
 * Why an OpenSSL key object cannot be a key of `spec`, or `undefined` if it can. The sentence is
 * meant for a client's error message.
 */
export function keyObjectMismatch(spec: KeySpec, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  switch (asymmetricFamily(spec)) {
    case 'rsa': {
      if (type !== 'rsa') return `${spec} needs an RSA key, but the key material is ${describeKeyType(type)}.`;
      const bits = key.asymmetricKeyDetails?.modulusLength;
      if (bits !== rsaModulusBits(spec)) return `${spec} needs a ${rsaModulusBits(spec)}-bit RSA key, but the key material is a ${bits}-bit RSA key.`;
      return undefined;
    }
    case 'ecc': {
      const curve = EC_CURVES[spec]!.name;
      if (type !== 'ec') return `${spec} needs an elliptic curve key on ${curve}, but the key material is ${describeKeyType(type)}.`;
      const actual = key.asymmetricKeyDetails?.namedCurve;
      if (actual !== curve) return `${spec} needs an elliptic curve key on ${curve}, but the key material is on ${actual ?? 'an unnamed curve'}.`;
      return undefined;
    }
    case 'ed25519':
      return type === 'ed25519' ? undefined : `${spec} needs an Ed25519 key, but the key material is ${describeKeyType(type)}.`;
    case 'ml-dsa':
      return `${spec} needs an ML-DSA key, but the key material is ${describeKeyType(type)}.`;
  }
}

/** 'an RSA key', 'an ed448 key', …: the key type as a sentence fragment. */
export function describeKeyType(type: string | undefined): string {
  switch (type) {
    case 'rsa':
      return 'an RSA key';
    case 'rsa-pss':
      return 'an RSA-PSS-only key';
    case 'ec':
      return 'an elliptic curve key';
    case undefined:
      return 'not an asymmetric key';
    default:
      return `an ${type} key`;
  }
}

/** Parses (once per distinct material) key material Trent stored for `spec`; throws if it is not such a key. */
export function preparePrivateKey(spec: KeySpec, material: Buffer): PreparedPrivateKey {
  return privateKeys.get(spec, material, () => buildPrivateKey(spec, material));
}

/**
 * Drops the parsed form of a private key whose material is gone (key deleted, imported material
 * deleted or expired), zeroing the bytes this module holds; OpenSSL frees its copy when the key
 * object is collected. Call it before zeroing `material` itself.
 */
export function forgetPrivateKey(spec: KeySpec, material: Buffer): void {
  const prepared = privateKeys.delete(spec, material);
  prepared?.erase();
}

function buildPrivateKey(spec: KeySpec, material: Buffer): PreparedPrivateKey {
  const family = asymmetricFamily(spec);
  if (family === 'ml-dsa') {
    const { spec: actual, key } = parseMlDsaPkcs8(material);
    if (actual !== spec) throw new RangeError(`key material is ${actual}, not ${spec}`);
    const params = ML_DSA_PARAMS[spec as MlDsaSpec];
    let secretKey: Uint8Array;
    let publicKey: Uint8Array | undefined;
    if (key.seed) ({ secretKey, publicKey } = params.internal.keygen(key.seed));
    else {
      secretKey = key.expanded;
      publicKey = mlDsaPublicKeyFromExpanded(spec as MlDsaSpec, secretKey);
      if (!publicKey) throw new RangeError(`${spec} expanded key is inconsistent`);
    }
    return { spec, family, spki: mlDsaSpki(spec as MlDsaSpec, publicKey), mlDsaSecretKey: secretKey, raw: () => secretKey, erase: () => secretKey.fill(0) };
  }
  const keyObject = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
  const mismatch = keyObjectMismatch(spec, keyObject);
  if (mismatch) throw new RangeError(mismatch);
  let raw: Uint8Array | undefined;
  return {
    spec,
    family,
    keyObject,
    spki: createPublicKey(keyObject).export({ format: 'der', type: 'spki' }),
    modulusBytes: family === 'rsa' ? keyObject.asymmetricKeyDetails!.modulusLength! / 8 : undefined,
    raw: () => (raw ??= rawPrivate(spec, family, keyObject)),
    erase: () => raw?.fill(0),
  };
}

/** JWK's `d`: the EC scalar left-padded to the field size (RFC 7518 §6.2.2.1), or the Ed25519 seed (RFC 8037 §2). */
function rawPrivate(spec: KeySpec, family: AsymmetricFamily, key: KeyObject): Uint8Array {
  if (family !== 'ecc' && family !== 'ed25519') throw new RangeError(`no raw private key for ${spec}`);
  return Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url');
}

/** Parses (once per distinct key) an SPKI DER public key of `spec`; throws if it is not one. */
export function preparePublicKey(spec: KeySpec, spki: Buffer): PreparedPublicKey {
  return publicKeys.get(spec, spki, () => buildPublicKey(spec, spki));
}

const RSA_SPECS: Readonly<Record<number, KeySpec>> = { 2048: 'RSA_2048', 3072: 'RSA_3072', 4096: 'RSA_4096' };

/** An RSA SPKI of any size Trent supports, its spec read from the modulus (Encrypt has only the public key). */
export function prepareRsaPublicKey(spki: Buffer): PreparedPublicKey {
  return publicKeys.get('rsa', spki, () => {
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const spec = key.asymmetricKeyType === 'rsa' ? RSA_SPECS[key.asymmetricKeyDetails?.modulusLength ?? 0] : undefined;
    if (!spec) throw new RangeError('not an RSA_2048, RSA_3072 or RSA_4096 public key');
    return buildPublicKey(spec, spki);
  });
}

function buildPublicKey(spec: KeySpec, spki: Buffer): PreparedPublicKey {
  const family = asymmetricFamily(spec);
  const parsed = parseSpki(spki);
  if (family === 'ml-dsa') {
    const params = ML_DSA_PARAMS[spec as MlDsaSpec];
    if (parsed.algorithm.oid !== params.oid || parsed.algorithm.parameters || parsed.publicKey.length !== params.publicKeyLength) {
      throw new RangeError(`not an ${spec} public key`);
    }
    return { spec, raw: parsed.publicKey };
  }
  const keyObject = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const mismatch = keyObjectMismatch(spec, keyObject);
  if (mismatch) throw new RangeError(mismatch);
  return {
    spec,
    keyObject,
    raw: parsed.publicKey,
    modulusBytes: family === 'rsa' ? keyObject.asymmetricKeyDetails!.modulusLength! / 8 : undefined,
  };
}
