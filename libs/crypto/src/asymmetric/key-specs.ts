export type KeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'RSA_2048'
  | 'RSA_3072'
  | 'RSA_4096'
  | 'ECC_NIST_P256'
  | 'ECC_NIST_P384'
  | 'ECC_NIST_P521'
  | 'ECC_SECG_P256K1'
  | 'ECC_NIST_EDWARDS25519'
  | 'ML_DSA_44'
  | 'ML_DSA_65'
  | 'ML_DSA_87'
  | 'HMAC_224'
  | 'HMAC_256'
  | 'HMAC_384'
  | 'HMAC_512';

export type KeyUsageName = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';
export type KeyFamily = 'symmetric' | 'rsa' | 'ecc' | 'ed25519' | 'ml-dsa' | 'hmac';
export type MessageType = 'RAW' | 'DIGEST' | 'EXTERNAL_MU';

/** The KeyPairSpec values GenerateDataKeyPair* take outside China (SM2 is China-only). */
export type DataKeyPairSpec = Extract<KeySpec, `RSA_${string}` | `ECC_${string}`>;

export interface KeySpecInfo {
  spec: KeySpec;
  family: KeyFamily;
  usages: readonly KeyUsageName[];
}

export interface AlgorithmLists {
  EncryptionAlgorithms?: string[];
  SigningAlgorithms?: string[];
  MacAlgorithms?: string[];
  KeyAgreementAlgorithms?: string[];
}

const RSA_ENCRYPTION = { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] };
const RSA_SIGNING = {
  SigningAlgorithms: [
    'RSASSA_PKCS1_V1_5_SHA_256',
    'RSASSA_PKCS1_V1_5_SHA_384',
    'RSASSA_PKCS1_V1_5_SHA_512',
    'RSASSA_PSS_SHA_256',
    'RSASSA_PSS_SHA_384',
    'RSASSA_PSS_SHA_512',
  ],
};
const ECDH = { KeyAgreementAlgorithms: ['ECDH'] };
const ML_DSA = { SigningAlgorithms: ['ML_DSA_SHAKE_256'] };

interface SpecRow {
  family: KeyFamily;
  /** Usage → the algorithm lists DescribeKey shows for a key of this spec and usage; the keys are the allowed usages. */
  usages: Partial<Record<KeyUsageName, AlgorithmLists>>;
}

/**
 * Every key spec Trent supports, its usages and the algorithms AWS lists for each (AWS KMS Developer
 * Guide, "Key spec reference"). SM2 is China-Regions only and deliberately absent.
 */
const SPECS: Readonly<Record<KeySpec, SpecRow>> = {
  SYMMETRIC_DEFAULT: { family: 'symmetric', usages: { ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } } },
  RSA_2048: { family: 'rsa', usages: { ENCRYPT_DECRYPT: RSA_ENCRYPTION, SIGN_VERIFY: RSA_SIGNING } },
  RSA_3072: { family: 'rsa', usages: { ENCRYPT_DECRYPT: RSA_ENCRYPTION, SIGN_VERIFY: RSA_SIGNING } },
  RSA_4096: { family: 'rsa', usages: { ENCRYPT_DECRYPT: RSA_ENCRYPTION, SIGN_VERIFY: RSA_SIGNING } },
  ECC_NIST_P256: { family: 'ecc', usages: { SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_256'] }, KEY_AGREEMENT: ECDH } },
  ECC_NIST_P384: { family: 'ecc', usages: { SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_384'] }, KEY_AGREEMENT: ECDH } },
  ECC_NIST_P521: { family: 'ecc', usages: { SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_512'] }, KEY_AGREEMENT: ECDH } },
  ECC_SECG_P256K1: { family: 'ecc', usages: { SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_256'] } } },
  ECC_NIST_EDWARDS25519: { family: 'ed25519', usages: { SIGN_VERIFY: { SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] } } },
  ML_DSA_44: { family: 'ml-dsa', usages: { SIGN_VERIFY: ML_DSA } },
  ML_DSA_65: { family: 'ml-dsa', usages: { SIGN_VERIFY: ML_DSA } },
  ML_DSA_87: { family: 'ml-dsa', usages: { SIGN_VERIFY: ML_DSA } },
  HMAC_224: { family: 'hmac', usages: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_224'] } } },
  HMAC_256: { family: 'hmac', usages: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_256'] } } },
  HMAC_384: { family: 'hmac', usages: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_384'] } } },
  HMAC_512: { family: 'hmac', usages: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_512'] } } },
};

const INFO: ReadonlyMap<string, KeySpecInfo> = new Map(
  (Object.keys(SPECS) as KeySpec[]).map((spec) => [
    spec,
    Object.freeze({ spec, family: SPECS[spec].family, usages: Object.freeze(Object.keys(SPECS[spec].usages) as KeyUsageName[]) }),
  ]),
);

/** `undefined` for SM2 and anything else Trent does not know. */
export function keySpecInfo(spec: string): KeySpecInfo | undefined {
  return INFO.get(spec);
}

/** A key pair (RSA, ECC, Ed25519, ML-DSA): material is a PKCS#8 private key with a public half. */
export function isAsymmetricSpec(spec: string): boolean {
  const family = keySpecInfo(spec)?.family;
  return family !== undefined && family !== 'symmetric' && family !== 'hmac';
}

/** Exactly the algorithm list member(s) DescribeKey shows for a key of `spec` and `usage`; fresh arrays. */
export function algorithmLists(spec: KeySpec, usage: KeyUsageName): AlgorithmLists {
  const lists = SPECS[spec]?.usages[usage];
  if (!lists) throw new RangeError(`${spec} keys cannot have key usage ${usage}`);
  const out: AlgorithmLists = {};
  for (const [name, algorithms] of Object.entries(lists) as [keyof AlgorithmLists, string[]][]) out[name] = [...algorithms];
  return out;
}

/** The signing algorithms of `spec` (empty if it cannot sign), without copying. */
export function signingAlgorithms(spec: KeySpec): readonly string[] {
  return SPECS[spec]?.usages.SIGN_VERIFY?.SigningAlgorithms ?? [];
}

export type HashName = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Byte length of each hash's output (FIPS 180-4). */
export const HASH_LENGTH: Readonly<Record<HashName, number>> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

const RSA_MODULUS_BITS: Partial<Record<KeySpec, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

/** Modulus size in bits of an RSA spec, `undefined` for other specs. */
export function rsaModulusBits(spec: KeySpec): number | undefined {
  return RSA_MODULUS_BITS[spec];
}

/** Largest plaintext RSAES-OAEP takes: k − 2·hLen − 2 bytes (RFC 8017 §7.1.1). */
export function rsaPlaintextLimit(spec: KeySpec, algorithm: 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256'): number {
  const bits = RSA_MODULUS_BITS[spec];
  if (bits === undefined) throw new RangeError(`${spec} is not an RSA key spec`);
  return bits / 8 - 2 * HASH_LENGTH[algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256'] - 2;
}

interface SigningAlgorithmRow {
  /** The hash the algorithm applies to a RAW message; `undefined` where the scheme hashes internally. */
  hash?: HashName;
  /** Byte length a DIGEST message must have; absent where DIGEST is not allowed. */
  digestLength?: number;
  messageTypes: readonly MessageType[];
}

const RAW_OR_DIGEST: readonly MessageType[] = Object.freeze(['RAW', 'DIGEST']);

/** AWS KMS API Reference, Sign: MessageType. EXTERNAL_MU is FIPS 204's 64-byte μ. */
const SIGNING_ALGORITHMS: Readonly<Record<string, SigningAlgorithmRow>> = {
  RSASSA_PKCS1_V1_5_SHA_256: { hash: 'sha256', digestLength: 32, messageTypes: RAW_OR_DIGEST },
  RSASSA_PKCS1_V1_5_SHA_384: { hash: 'sha384', digestLength: 48, messageTypes: RAW_OR_DIGEST },
  RSASSA_PKCS1_V1_5_SHA_512: { hash: 'sha512', digestLength: 64, messageTypes: RAW_OR_DIGEST },
  RSASSA_PSS_SHA_256: { hash: 'sha256', digestLength: 32, messageTypes: RAW_OR_DIGEST },
  RSASSA_PSS_SHA_384: { hash: 'sha384', digestLength: 48, messageTypes: RAW_OR_DIGEST },
  RSASSA_PSS_SHA_512: { hash: 'sha512', digestLength: 64, messageTypes: RAW_OR_DIGEST },
  ECDSA_SHA_256: { hash: 'sha256', digestLength: 32, messageTypes: RAW_OR_DIGEST },
  ECDSA_SHA_384: { hash: 'sha384', digestLength: 48, messageTypes: RAW_OR_DIGEST },
  ECDSA_SHA_512: { hash: 'sha512', digestLength: 64, messageTypes: RAW_OR_DIGEST },
  ED25519_SHA_512: { messageTypes: Object.freeze(['RAW']) },
  ED25519_PH_SHA_512: { hash: 'sha512', digestLength: 64, messageTypes: Object.freeze(['DIGEST']) },
  ML_DSA_SHAKE_256: { messageTypes: Object.freeze(['RAW', 'EXTERNAL_MU']) },
};

/** Length of an EXTERNAL_MU message: μ is 512 bits (FIPS 204 Algorithm 7, line 6). */
export const ML_DSA_MU_LENGTH = 64;

/** Bytes a DIGEST message must have for `algorithm`; `undefined` where DIGEST is not allowed or the name is unknown. */
export function signingDigestLength(algorithm: string): number | undefined {
  return Object.hasOwn(SIGNING_ALGORITHMS, algorithm) ? SIGNING_ALGORITHMS[algorithm].digestLength : undefined;
}

/** The message types Sign/Verify accept with `algorithm`; empty for an unknown name. */
export function messageTypesFor(algorithm: string): readonly MessageType[] {
  return Object.hasOwn(SIGNING_ALGORITHMS, algorithm) ? SIGNING_ALGORITHMS[algorithm].messageTypes : [];
}

/** The hash a signing algorithm applies to RAW messages (RSA, ECDSA, Ed25519ph); throws for others. */
export function signingHash(algorithm: string): HashName {
  const hash = Object.hasOwn(SIGNING_ALGORITHMS, algorithm) ? SIGNING_ALGORITHMS[algorithm].hash : undefined;
  if (!hash) throw new RangeError(`${algorithm} does not name a hash`);
  return hash;
}

const HMAC_KEYS: Partial<Record<KeySpec, { hash: HashName; generated: number; min: number; max: number }>> = {
  HMAC_224: { hash: 'sha224', generated: 28, min: 28, max: 64 },
  HMAC_256: { hash: 'sha256', generated: 32, min: 32, max: 64 },
  HMAC_384: { hash: 'sha384', generated: 48, min: 48, max: 128 },
  HMAC_512: { hash: 'sha512', generated: 64, min: 64, max: 128 },
};

/**
 * HMAC key sizes in bytes: what Trent generates (the hash length) and the range an import may have
 * (AWS KMS Developer Guide, "Requirements for imported key material": at least the hash length, at
 * most the hash's block size).
 */
export function hmacKeyLengths(spec: KeySpec): { generated: number; min: number; max: number } {
  const row = HMAC_KEYS[spec];
  if (!row) throw new RangeError(`${spec} is not an HMAC key spec`);
  return { generated: row.generated, min: row.min, max: row.max };
}

/** The one MAC algorithm of an HMAC spec: HMAC_256 → HMAC_SHA_256. */
export function macAlgorithmFor(spec: KeySpec): string {
  const lists = SPECS[spec]?.usages.GENERATE_VERIFY_MAC;
  if (!lists?.MacAlgorithms) throw new RangeError(`${spec} is not an HMAC key spec`);
  return lists.MacAlgorithms[0];
}

const MAC_HASHES: Readonly<Record<string, HashName>> = {
  HMAC_SHA_224: 'sha224',
  HMAC_SHA_256: 'sha256',
  HMAC_SHA_384: 'sha384',
  HMAC_SHA_512: 'sha512',
};

/** The hash behind a MAC algorithm name; throws for an unknown name. */
export function macHash(algorithm: string): HashName {
  if (!Object.hasOwn(MAC_HASHES, algorithm)) throw new RangeError(`unknown MAC algorithm ${algorithm}`);
  return MAC_HASHES[algorithm];
}
