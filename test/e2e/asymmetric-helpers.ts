import { CreateKeyCommand, GetPublicKeyCommand, KeyMetadata, KMSClient, KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Helpers shared by the asymmetric and HMAC e2e suites: AWS's key spec × key usage table and the
 * algorithm lists DescribeKey shows for each, digests and ML-DSA's µ as a client computes them, just
 * enough DER to read a SubjectPublicKeyInfo Node 20 cannot parse (ML-DSA), and an openssl workdir.
 */

export type AlgorithmList = 'EncryptionAlgorithms' | 'SigningAlgorithms' | 'MacAlgorithms' | 'KeyAgreementAlgorithms';
export const ALGORITHM_LISTS: readonly AlgorithmList[] = ['EncryptionAlgorithms', 'SigningAlgorithms', 'MacAlgorithms', 'KeyAgreementAlgorithms'];

const RSA_ENCRYPTION = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
const RSA_SIGNING = ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'];

export interface KeyCase {
  spec: KeySpec;
  usage: KeyUsageType;
  /** The one algorithm list DescribeKey and GetPublicKey show for this spec and usage (AWS key spec reference). */
  lists: Partial<Record<AlgorithmList, string[]>>;
}

const keyCase = (spec: KeySpec, usage: KeyUsageType, list: AlgorithmList, algorithms: string[]): KeyCase => ({ spec, usage, lists: { [list]: algorithms } });

/** Every KeySpec × KeyUsage AWS allows, except SM2 (China Regions only) and SYMMETRIC_DEFAULT. */
export const KEY_CASES: readonly KeyCase[] = [
  keyCase('RSA_2048', 'ENCRYPT_DECRYPT', 'EncryptionAlgorithms', RSA_ENCRYPTION),
  keyCase('RSA_2048', 'SIGN_VERIFY', 'SigningAlgorithms', RSA_SIGNING),
  keyCase('RSA_3072', 'ENCRYPT_DECRYPT', 'EncryptionAlgorithms', RSA_ENCRYPTION),
  keyCase('RSA_3072', 'SIGN_VERIFY', 'SigningAlgorithms', RSA_SIGNING),
  keyCase('RSA_4096', 'ENCRYPT_DECRYPT', 'EncryptionAlgorithms', RSA_ENCRYPTION),
  keyCase('RSA_4096', 'SIGN_VERIFY', 'SigningAlgorithms', RSA_SIGNING),
  keyCase('ECC_NIST_P256', 'SIGN_VERIFY', 'SigningAlgorithms', ['ECDSA_SHA_256']),
  keyCase('ECC_NIST_P256', 'KEY_AGREEMENT', 'KeyAgreementAlgorithms', ['ECDH']),
  keyCase('ECC_NIST_P384', 'SIGN_VERIFY', 'SigningAlgorithms', ['ECDSA_SHA_384']),
  keyCase('ECC_NIST_P384', 'KEY_AGREEMENT', 'KeyAgreementAlgorithms', ['ECDH']),
  keyCase('ECC_NIST_P521', 'SIGN_VERIFY', 'SigningAlgorithms', ['ECDSA_SHA_512']),
  keyCase('ECC_NIST_P521', 'KEY_AGREEMENT', 'KeyAgreementAlgorithms', ['ECDH']),
  keyCase('ECC_SECG_P256K1', 'SIGN_VERIFY', 'SigningAlgorithms', ['ECDSA_SHA_256']),
  keyCase('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY', 'SigningAlgorithms', ['ED25519_SHA_512', 'ED25519_PH_SHA_512']),
  keyCase('ML_DSA_44', 'SIGN_VERIFY', 'SigningAlgorithms', ['ML_DSA_SHAKE_256']),
  keyCase('ML_DSA_65', 'SIGN_VERIFY', 'SigningAlgorithms', ['ML_DSA_SHAKE_256']),
  keyCase('ML_DSA_87', 'SIGN_VERIFY', 'SigningAlgorithms', ['ML_DSA_SHAKE_256']),
  keyCase('HMAC_224', 'GENERATE_VERIFY_MAC', 'MacAlgorithms', ['HMAC_SHA_224']),
  keyCase('HMAC_256', 'GENERATE_VERIFY_MAC', 'MacAlgorithms', ['HMAC_SHA_256']),
  keyCase('HMAC_384', 'GENERATE_VERIFY_MAC', 'MacAlgorithms', ['HMAC_SHA_384']),
  keyCase('HMAC_512', 'GENERATE_VERIFY_MAC', 'MacAlgorithms', ['HMAC_SHA_512']),
];

/** One of the algorithm lists of a KeyMetadata or GetPublicKey answer (GetPublicKey has no MacAlgorithms). */
export const listed = (answer: object, list: AlgorithmList): unknown => (answer as Record<string, unknown>)[list];

export const caseName = (spec: string, usage: string): string => `${spec}/${usage}`;

/** [spec, algorithm] for every signing algorithm every SIGN_VERIFY key spec lists. */
export const SIGNING_CASES: [KeySpec, SigningAlgorithmSpec][] = KEY_CASES.filter((c) => c.usage === 'SIGN_VERIFY').flatMap((c) =>
  c.lists.SigningAlgorithms!.map((a): [KeySpec, SigningAlgorithmSpec] => [c.spec, a as SigningAlgorithmSpec]),
);

/** Creates one key per [spec, usage], all at once; answers them by caseName(spec, usage). */
export async function createKeys(kms: KMSClient, cases: readonly { spec: KeySpec; usage: KeyUsageType }[]): Promise<Map<string, KeyMetadata>> {
  const created = await Promise.all(
    cases.map(async ({ spec, usage }) => (await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage, Description: `e2e ${spec} ${usage}` }))).KeyMetadata!),
  );
  return new Map(created.map((k) => [caseName(k.KeySpec!, k.KeyUsage!), k]));
}

/** The DER SubjectPublicKeyInfo GetPublicKey answers for a key. */
export async function publicKeyDer(kms: KMSClient, keyId: string): Promise<Buffer> {
  return Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey!);
}

/** The message types AWS accepts for a signing algorithm. */
export function messageTypesOf(algorithm: string): MessageType[] {
  if (algorithm === 'ED25519_SHA_512') return ['RAW'];
  if (algorithm === 'ED25519_PH_SHA_512') return ['DIGEST'];
  if (algorithm === 'ML_DSA_SHAKE_256') return ['RAW', 'EXTERNAL_MU'];
  return ['RAW', 'DIGEST'];
}

/** The hash a signing algorithm applies to a RAW message (its name's suffix). */
export function hashOf(algorithm: string): 'sha256' | 'sha384' | 'sha512' {
  const bits = /SHA_(256|384|512)$/.exec(algorithm)?.[1];
  if (!bits) throw new Error(`${algorithm} has no SHA-2 hash`);
  return `sha${bits}` as 'sha256' | 'sha384' | 'sha512';
}

export const digestOf = (algorithm: string, message: Uint8Array): Buffer => createHash(hashOf(algorithm)).update(message).digest();

/** ML-DSA's message representative µ for pure signing with an empty context (FIPS 204 Algorithm 7, lines 6–7). */
export function mlDsaMu(rawPublicKey: Uint8Array, message: Uint8Array): Buffer {
  const tr = createHash('shake256', { outputLength: 64 }).update(rawPublicKey).digest();
  return createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.from([0, 0])).update(message).digest();
}

/** The form of `message` a Sign or Verify request of this message type carries. */
export function messageAs(messageType: MessageType, algorithm: string, message: Uint8Array, rawPublicKey?: Uint8Array): Buffer {
  if (messageType === 'RAW') return Buffer.from(message);
  if (messageType === 'DIGEST') return digestOf(algorithm, message);
  return mlDsaMu(rawPublicKey!, message);
}

/** Signature sizes that do not vary (RSA: the modulus; ML-DSA: FIPS 204 Table 2). */
export const SIGNATURE_LENGTH: Partial<Record<KeySpec, number>> = {
  RSA_2048: 256,
  RSA_3072: 384,
  RSA_4096: 512,
  ECC_NIST_EDWARDS25519: 64,
  ML_DSA_44: 2420,
  ML_DSA_65: 3309,
  ML_DSA_87: 4627,
};

/** ML-DSA's OIDs (NIST CSOR, 2.16.840.1.101.3.4.3.17–19) and raw public key sizes (FIPS 204 Table 2). */
export const ML_DSA: Partial<Record<KeySpec, { oid: string; publicKeyLength: number; noble: 'ml_dsa44' | 'ml_dsa65' | 'ml_dsa87' }>> = {
  ML_DSA_44: { oid: '2.16.840.1.101.3.4.3.17', publicKeyLength: 1312, noble: 'ml_dsa44' },
  ML_DSA_65: { oid: '2.16.840.1.101.3.4.3.18', publicKeyLength: 1952, noble: 'ml_dsa65' },
  ML_DSA_87: { oid: '2.16.840.1.101.3.4.3.19', publicKeyLength: 2592, noble: 'ml_dsa87' },
};

/** A copy of `bytes` with one bit flipped in the middle. */
export function tampered(bytes: Uint8Array): Buffer {
  const copy = Buffer.from(bytes);
  copy[copy.length >> 1] ^= 0x01;
  return copy;
}

interface Tlv {
  tag: number;
  content: Buffer;
  end: number;
}

function readTlv(der: Buffer, at: number): Tlv {
  const tag = der[at];
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i];
    start += octets;
  }
  if (start + length > der.length) throw new Error(`DER element at ${at} runs past the end`);
  return { tag, content: der.subarray(start, start + length), end: start + length };
}

function oidOf(content: Buffer): string {
  const arcs = [Math.floor(content[0] / 40), content[0] % 40];
  let value = 0;
  for (const byte of content.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

/**
 * SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE { OID, params? }, subjectPublicKey BIT STRING }
 * (RFC 5280 §4.1): the algorithm's OID, whether it has parameters, and the key bytes.
 */
export function parseSpki(der: Uint8Array): { oid: string; hasParameters: boolean; key: Buffer } {
  const buf = Buffer.from(der);
  const spki = readTlv(buf, 0);
  if (spki.tag !== 0x30 || spki.end !== buf.length) throw new Error('not one DER SEQUENCE');
  const algorithm = readTlv(spki.content, 0);
  const oid = readTlv(algorithm.content, 0);
  const bits = readTlv(spki.content, algorithm.end);
  if (algorithm.tag !== 0x30 || oid.tag !== 0x06 || bits.tag !== 0x03 || bits.end !== spki.content.length) throw new Error('not a SubjectPublicKeyInfo');
  if (bits.content[0] !== 0) throw new Error('subjectPublicKey has unused bits');
  return { oid: oidOf(oid.content), hasParameters: oid.end < algorithm.content.length, key: bits.content.subarray(1) };
}

/** A temporary directory for openssl's inputs and outputs; `dispose()` removes it. */
export class OpensslWorkdir {
  readonly dir = mkdtempSync(join(tmpdir(), 'trent-e2e-openssl-'));

  /** Writes `data` to `name` in the workdir; returns its path. */
  write(name: string, data: Uint8Array | string): string {
    const path = join(this.dir, name);
    writeFileSync(path, data);
    return path;
  }

  /** Runs /usr/bin/openssl in the workdir; throws (with its stderr) unless it exits 0. */
  run(args: string[]): Buffer {
    return execFileSync('openssl', args, { cwd: this.dir, timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /**
   * True when an openssl pkeyutl -verify or dgst -verify says the signature verified, false when it
   * exits 1 saying it did not; throws on anything else (a key or file openssl could not read).
   */
  verifies(args: string[]): boolean {
    try {
      return /^(Signature Verified Successfully|Verified OK)$/m.test(this.run(args).toString());
    } catch (e) {
      const err = e as { status?: number; stdout?: Buffer };
      if (err.status === 1 && /Verification Failure/i.test(String(err.stdout))) return false;
      throw e;
    }
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
