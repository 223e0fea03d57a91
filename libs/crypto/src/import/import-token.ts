import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { isCryptoError } from '../crypto-error';
import { DomainKey, KeyBinding } from '../domain-key';
import { isWrappingAlgorithm, WRAPPING_ALGORITHMS, WrappingAlgorithm } from './unwrap-key-material';
import { generateWrappingKey, isWrappingKeySpec, WRAPPING_KEY_SPECS, WrappingKeySpec, wrappingKeySpecOf } from './wrapping-key';
import type { WrappingKeyPool } from './wrapping-key-pool';

/** What GetParametersForImport promised; ImportKeyMaterial checks expiry and key/account against it. */
export interface ImportTokenClaims {
  accountId: string;
  keyId: string;
  wrappingAlgorithm: WrappingAlgorithm;
  wrappingKeySpec: WrappingKeySpec;
  /** Cluster time in ms. */
  issuedAt: number;
  /** Cluster time in ms; the caller decides it (AWS: issuedAt + 24 h) and enforces it. */
  validTo: number;
}

export interface ImportParameters {
  /** The wrapping public key, DER-encoded SubjectPublicKeyInfo (what AWS returns as PublicKey). */
  publicKey: Buffer;
  importToken: Buffer;
}

/**
 * Import token, format 1. Trent stores nothing per token: the token carries its own wrapping private
 * key, sealed under the Region's domain key. All integers big-endian.
 *
 *   offset  size  field
 *        0     1  magic 0x49 ('I')
 *        1     1  format version 0x01
 *        2     1  A, account id length in bytes (1..255)
 *        3     A  account id, UTF-8
 *      3+A     1  K, key id length in bytes (1..255)
 *      4+A     K  key id, UTF-8
 *    4+A+K     m  DomainKey.wrap(payload, binding)
 *
 *   binding = { keyId: 'import-token:' + JSON.stringify([accountId, keyId]), version: 0 }
 *     No backing key has that id (key ids are UUIDs or mrk- ids), so a token never unwraps as key
 *     material nor the reverse; the JSON array makes the pair unambiguous and authenticates the clear header.
 *
 *   payload:
 *        0     1  wrapping algorithm code (index in WRAPPING_ALGORITHMS + 1)
 *        1     1  wrapping key spec code (index in WRAPPING_KEY_SPECS + 1)
 *        2     8  issuedAt, uint64 ms
 *       10     8  validTo, uint64 ms
 *       18     n  wrapping private key, PKCS #8 DER
 *
 * An RSA_4096 token is about 2.5 KB, well under AWS's 6144-byte CiphertextType limit.
 */
const MAGIC = 0x49;
const FORMAT_V1 = 0x01;
const MAX_ID_LENGTH = 0xff;
const PAYLOAD_HEADER_LENGTH = 18;
const BINDING_PREFIX = 'import-token:';

/** AWS's largest ImportToken (CiphertextType); every token Trent issues fits. */
export const IMPORT_TOKEN_MAX_LENGTH = 6144;

/**
 * A fresh RSA wrapping key pair for `claims.wrappingKeySpec` (from `pool` when given, else generated
 * now, off the event loop) and a token sealing `claims` with its private key under `domainKey`.
 * Throws RangeError for claims no token can carry (unknown algorithm or spec, ids empty or over 255
 * UTF-8 bytes, times that are not non-negative integers or end before they start).
 */
export async function createImportParameters(domainKey: DomainKey, claims: ImportTokenClaims, pool?: WrappingKeyPool): Promise<ImportParameters> {
  const accountId = encodeId('account id', claims.accountId);
  const keyId = encodeId('key id', claims.keyId);
  if (!isWrappingAlgorithm(claims.wrappingAlgorithm)) throw new RangeError(`unknown wrapping algorithm ${String(claims.wrappingAlgorithm)}`);
  if (!isWrappingKeySpec(claims.wrappingKeySpec)) throw new RangeError(`unknown wrapping key spec ${String(claims.wrappingKeySpec)}`);
  for (const t of [claims.issuedAt, claims.validTo]) {
    if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`token times must be non-negative integer ms, got ${t}`);
  }
  if (claims.validTo < claims.issuedAt) throw new RangeError('an import token cannot expire before it is issued');

  const privateKey = await (pool ? pool.take(claims.wrappingKeySpec) : generateWrappingKey(claims.wrappingKeySpec));
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const payload = Buffer.alloc(PAYLOAD_HEADER_LENGTH + der.length);
  try {
    payload[0] = WRAPPING_ALGORITHMS.indexOf(claims.wrappingAlgorithm) + 1;
    payload[1] = WRAPPING_KEY_SPECS.indexOf(claims.wrappingKeySpec) + 1;
    payload.writeBigUInt64BE(BigInt(claims.issuedAt), 2);
    payload.writeBigUInt64BE(BigInt(claims.validTo), 10);
    der.copy(payload, PAYLOAD_HEADER_LENGTH);
    const sealed = domainKey.wrap(payload, tokenBinding(claims.accountId, claims.keyId));
    const header = Buffer.from([MAGIC, FORMAT_V1, accountId.length, ...accountId, keyId.length, ...keyId]);
    return {
      publicKey: createPublicKey(privateKey).export({ format: 'der', type: 'spki' }),
      importToken: Buffer.concat([header, sealed]),
    };
  } finally {
    der.fill(0);
    payload.fill(0);
  }
}

/**
 * The claims and wrapping private key sealed in `token`, or `undefined` when `domainKey` did not seal
 * it (tampered, truncated, extended, another Region's, not a token at all). Never throws on hostile
 * bytes. Checks neither expiry nor which key or account presents it: that is the caller's, from the claims.
 */
export function openImportToken(domainKey: DomainKey, token: Buffer): { claims: ImportTokenClaims; privateKey: KeyObject } | undefined {
  if (token.length < 4 || token[0] !== MAGIC || token[1] !== FORMAT_V1) return undefined;
  const accountIdLength = token[2];
  const keyIdLengthAt = 3 + accountIdLength;
  if (token.length <= keyIdLengthAt) return undefined;
  const keyIdLength = token[keyIdLengthAt];
  const sealedAt = keyIdLengthAt + 1 + keyIdLength;
  if (token.length <= sealedAt) return undefined;
  const accountId = decodeId(token.subarray(3, keyIdLengthAt));
  const keyId = decodeId(token.subarray(keyIdLengthAt + 1, sealedAt));
  if (accountId === undefined || keyId === undefined) return undefined;

  let payload: Buffer;
  try {
    payload = domainKey.unwrap(token.subarray(sealedAt), tokenBinding(accountId, keyId));
  } catch (e) {
    if (isCryptoError(e)) return undefined;
    throw e;
  }
  try {
    return parsePayload(accountId, keyId, payload);
  } finally {
    payload.fill(0);
  }
}

/** Only ever sees bytes the domain key authenticated, but still trusts no length or code in them. */
function parsePayload(accountId: string, keyId: string, payload: Buffer): { claims: ImportTokenClaims; privateKey: KeyObject } | undefined {
  if (payload.length <= PAYLOAD_HEADER_LENGTH) return undefined;
  const wrappingAlgorithm = WRAPPING_ALGORITHMS[payload[0] - 1];
  const wrappingKeySpec = WRAPPING_KEY_SPECS[payload[1] - 1];
  const issuedAt = Number(payload.readBigUInt64BE(2));
  const validTo = Number(payload.readBigUInt64BE(10));
  if (!wrappingAlgorithm || !wrappingKeySpec || !Number.isSafeInteger(issuedAt) || !Number.isSafeInteger(validTo)) return undefined;

  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: payload.subarray(PAYLOAD_HEADER_LENGTH), format: 'der', type: 'pkcs8' });
  } catch {
    return undefined;
  }
  if (wrappingKeySpecOf(privateKey) !== wrappingKeySpec) return undefined;
  return { claims: { accountId, keyId, wrappingAlgorithm, wrappingKeySpec, issuedAt, validTo }, privateKey };
}

const tokenBinding = (accountId: string, keyId: string): KeyBinding => ({ keyId: BINDING_PREFIX + JSON.stringify([accountId, keyId]), version: 0 });

function encodeId(what: string, id: string): Buffer {
  const bytes = Buffer.from(id, 'utf8');
  if (bytes.length === 0 || bytes.length > MAX_ID_LENGTH) throw new RangeError(`${what} must be 1..${MAX_ID_LENGTH} UTF-8 bytes, got ${bytes.length}`);
  if (bytes.toString('utf8') !== id) throw new RangeError(`${what} is not well-formed Unicode`);
  return bytes;
}

/** The id, if `bytes` are its one canonical UTF-8 encoding; a decoder's replacement characters would let two headers name one binding. */
function decodeId(bytes: Buffer): string | undefined {
  if (bytes.length === 0) return undefined;
  const id = bytes.toString('utf8');
  return Buffer.from(id, 'utf8').equals(bytes) ? id : undefined;
}
