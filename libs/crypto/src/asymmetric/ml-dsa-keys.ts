import { shake128, shake256 } from '@noble/hashes/sha3';
import { genCrystals } from '@noble/post-quantum/_crystals';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa';
import { DerError, encodePkcs8, encodeSpki, encodeTlv, parsePkcs8, readChildren, readTlv, TAG } from './der';

export type MlDsaSpec = 'ML_DSA_44' | 'ML_DSA_65' | 'ML_DSA_87';

/** noble's FIPS 204 internal functions; `externalMu` (its fourth/last argument) is missing from its typings. */
export interface MlDsaInternal {
  keygen(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array };
  sign(secretKey: Uint8Array, message: Uint8Array, random: Uint8Array, externalMu?: boolean): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, externalMu?: boolean): boolean;
}

interface MlDsaParams {
  oid: string;
  /** Matrix A is k × l (FIPS 204 Table 1). */
  k: number;
  l: number;
  eta: 2 | 4;
  publicKeyLength: number;
  secretKeyLength: number;
  signatureLength: number;
  internal: MlDsaInternal;
}

/** FIPS 204 Tables 1–2; OIDs from NIST's CSOR (id-ml-dsa-44/65/87), as RFC 9881 uses them. */
export const ML_DSA_PARAMS: Readonly<Record<MlDsaSpec, MlDsaParams>> = {
  ML_DSA_44: { oid: '2.16.840.1.101.3.4.3.17', k: 4, l: 4, eta: 2, publicKeyLength: 1312, secretKeyLength: 2560, signatureLength: 2420, internal: ml_dsa44.internal as unknown as MlDsaInternal },
  ML_DSA_65: { oid: '2.16.840.1.101.3.4.3.18', k: 6, l: 5, eta: 4, publicKeyLength: 1952, secretKeyLength: 4032, signatureLength: 3309, internal: ml_dsa65.internal as unknown as MlDsaInternal },
  ML_DSA_87: { oid: '2.16.840.1.101.3.4.3.19', k: 8, l: 7, eta: 2, publicKeyLength: 2592, secretKeyLength: 4896, signatureLength: 4627, internal: ml_dsa87.internal as unknown as MlDsaInternal },
};

export const ML_DSA_SEED_LENGTH = 32;

export function mlDsaSpecForOid(oid: string): MlDsaSpec | undefined {
  return (Object.keys(ML_DSA_PARAMS) as MlDsaSpec[]).find((spec) => ML_DSA_PARAMS[spec].oid === oid);
}

/** SubjectPublicKeyInfo with the parameter set's OID and no parameters (RFC 9881 §4). */
export function mlDsaSpki(spec: MlDsaSpec, publicKey: Uint8Array): Buffer {
  return encodeSpki(ML_DSA_PARAMS[spec].oid, publicKey);
}

/** PKCS#8 with the seed-only private key CHOICE, `[0] IMPLICIT OCTET STRING (SIZE (32))` (RFC 9881 §6). */
export function mlDsaSeedPkcs8(spec: MlDsaSpec, seed: Uint8Array): Buffer {
  if (seed.length !== ML_DSA_SEED_LENGTH) throw new RangeError(`ML-DSA seed must be ${ML_DSA_SEED_LENGTH} bytes`);
  return encodePkcs8(ML_DSA_PARAMS[spec].oid, encodeTlv(TAG.CONTEXT_0, seed));
}

/** PKCS#8 with the expandedKey CHOICE (the FIPS 204 skEncode bytes as an OCTET STRING). */
export function mlDsaExpandedPkcs8(spec: MlDsaSpec, secretKey: Uint8Array): Buffer {
  return encodePkcs8(ML_DSA_PARAMS[spec].oid, encodeTlv(TAG.OCTET_STRING, secretKey));
}

/** The three shapes of RFC 9881's ML-DSA-PrivateKey CHOICE. */
export type MlDsaPrivateKey = { seed: Buffer; expanded?: undefined } | { seed?: undefined; expanded: Buffer } | { seed: Buffer; expanded: Buffer };

/**
 * Reads an ML-DSA PKCS#8 key. Throws `DerError` if the bytes are not one; returns the parameter set the
 * OID names (which the caller must compare) and the private key with its lengths checked.
 */
export function parseMlDsaPkcs8(der: Buffer): { spec: MlDsaSpec; key: MlDsaPrivateKey } {
  const info = parsePkcs8(der);
  const spec = mlDsaSpecForOid(info.algorithm.oid);
  if (!spec) throw new DerError(`algorithm ${info.algorithm.oid} is not ML-DSA`);
  if (info.algorithm.parameters) throw new DerError('ML-DSA AlgorithmIdentifier must not have parameters');
  if (info.extra.length) throw new DerError('ML-DSA PKCS#8 with attributes or a public key is not supported');
  const { secretKeyLength } = ML_DSA_PARAMS[spec];
  const choice = readTlv(info.privateKey);
  if (choice.end !== info.privateKey.length) throw new DerError('trailing bytes after the ML-DSA private key');
  const expectLength = (what: string, bytes: Buffer, n: number): Buffer => {
    if (bytes.length !== n) throw new DerError(`ML-DSA ${what} is ${bytes.length} bytes, not ${n}`);
    return bytes;
  };
  switch (choice.tag) {
    case TAG.CONTEXT_0:
      return { spec, key: { seed: expectLength('seed', choice.content, ML_DSA_SEED_LENGTH) } };
    case TAG.OCTET_STRING:
      return { spec, key: { expanded: expectLength('expanded key', choice.content, secretKeyLength) } };
    case TAG.SEQUENCE: {
      const parts = readChildren(choice.content);
      if (parts.length !== 2 || parts[0].tag !== TAG.OCTET_STRING || parts[1].tag !== TAG.OCTET_STRING) throw new DerError('malformed ML-DSA both form');
      return { spec, key: { seed: expectLength('seed', parts[0].content, ML_DSA_SEED_LENGTH), expanded: expectLength('expanded key', parts[1].content, secretKeyLength) } };
    }
    default:
      throw new DerError(`unknown ML-DSA private key form (tag 0x${choice.tag.toString(16)})`);
  }
}

// FIPS 204 §2.5 / Table 1.
const N = 256;
const Q = 8380417;
const D = 13;
const { NTT } = genCrystals({ N, Q, F: 8347681, ROOT_OF_UNITY: 1753, newPoly: (n: number) => new Int32Array(n), isKyber: false, brvBits: 8 });
const modQ = (a: number): number => ((a % Q) + Q) % Q;

/** BitUnpack of one polynomial, `bits` bits per coefficient, little-endian bit order (FIPS 204 Algorithm 19). */
function unpackBits(bytes: Uint8Array, bits: number): Int32Array {
  const out = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    let v = 0;
    for (let j = 0; j < bits; j++) {
      const bit = i * bits + j;
      v |= ((bytes[bit >> 3] >> (bit & 7)) & 1) << j;
    }
    out[i] = v;
  }
  return out;
}

function packBits(poly: Int32Array, bits: number): Uint8Array {
  const out = new Uint8Array((N * bits) / 8);
  for (let i = 0; i < N; i++) for (let j = 0; j < bits; j++) if ((poly[i] >> j) & 1) out[(i * bits + j) >> 3] |= 1 << ((i * bits + j) & 7);
  return out;
}

/** RejNTTPoly(ρ || s || r) (FIPS 204 Algorithms 30, 32): entry Â[r][s] of the public matrix. */
function matrixEntry(rho: Uint8Array, r: number, s: number): Int32Array {
  const xof = shake128.create({}).update(rho).update(new Uint8Array([s, r]));
  const out = new Int32Array(N);
  for (let j = 0; j < N; ) {
    const block = xof.xof(168 * 3);
    for (let i = 0; j < N && i + 3 <= block.length; i += 3) {
      const z = block[i] | (block[i + 1] << 8) | ((block[i + 2] & 0x7f) << 16);
      if (z < Q) out[j++] = z;
    }
  }
  return out;
}

/**
 * The public key of an expanded ML-DSA secret key: t = A·s1 + s2, t1 = Power2Round(t).hi (FIPS 204
 * Algorithm 6, lines 5–6). `undefined` unless the key is internally consistent: s1/s2 coefficients
 * in [−η, η], t0 equal to Power2Round(t).lo and tr = H(pk, 64) — so a damaged or spliced key is refused.
 */
export function mlDsaPublicKeyFromExpanded(spec: MlDsaSpec, secretKey: Uint8Array): Buffer | undefined {
  const { k, l, eta, secretKeyLength } = ML_DSA_PARAMS[spec];
  if (secretKey.length !== secretKeyLength) return undefined;
  const etaBits = eta === 2 ? 3 : 4;
  const etaBytes = (N * etaBits) / 8;
  const rho = secretKey.subarray(0, 32);
  const tr = secretKey.subarray(64, 128);
  let at = 128;
  const readEta = (): Int32Array | undefined => {
    const poly = unpackBits(secretKey.subarray(at, (at += etaBytes)), etaBits);
    for (let i = 0; i < N; i++) {
      if (poly[i] > 2 * eta) return undefined;
      poly[i] = eta - poly[i];
    }
    return poly;
  };
  const s1: Int32Array[] = [];
  const s2: Int32Array[] = [];
  for (let i = 0; i < l; i++) s1.push(readEta() ?? new Int32Array(0));
  for (let i = 0; i < k; i++) s2.push(readEta() ?? new Int32Array(0));
  if ([...s1, ...s2].some((p) => p.length !== N)) return undefined;
  const t0Bytes = (N * D) / 8;

  const s1Hat = s1.map((p) => NTT.encode(Int32Array.from(p, modQ)));
  const t1Packed: Uint8Array[] = [];
  for (let r = 0; r < k; r++) {
    const t = new Int32Array(N);
    for (let s = 0; s < l; s++) {
      const a = matrixEntry(rho, r, s);
      for (let i = 0; i < N; i++) t[i] = (t[i] + ((a[i] * s1Hat[s][i]) % Q)) % Q;
    }
    NTT.decode(t);
    const t0 = unpackBits(secretKey.subarray(at + r * t0Bytes, at + (r + 1) * t0Bytes), D);
    const t1 = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      const full = modQ(t[i] + s2[r][i]);
      const lo = ((full + (1 << (D - 1)) - 1) & ((1 << D) - 1)) - ((1 << (D - 1)) - 1); // full mod± 2^d
      if ((1 << (D - 1)) - t0[i] !== lo) return undefined;
      t1[i] = (full - lo) >> D;
    }
    t1Packed.push(packBits(t1, 10));
  }
  const publicKey = Buffer.concat([rho, ...t1Packed]);
  const expectedTr = shake256(publicKey, { dkLen: 64 });
  return Buffer.from(expectedTr).equals(tr) ? publicKey : undefined;
}
