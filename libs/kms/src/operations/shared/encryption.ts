import { canonicalEncryptionContext, openSymmetric, parseCiphertextHeader, rsaDecrypt, rsaEncrypt, RsaEncryptionAlgorithm, rsaPlaintextLimit, sealSymmetric } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { currentMaterial, KeyMaterialVersion, KeyRecord } from '../../model/key-record';
import { assertKeyStateAllows, RuledOperation } from '../../rules/key-state-rules';
import { KmsContext, RequestScope } from '../../kms-context';
import { assertAlgorithm, currentSecret, publicKeyOf } from './asymmetric';
import { resolveKey } from './key-resolver';
import { usableKey } from './operation';

type EncryptOperation = Extract<RuledOperation, 'Encrypt' | 'Decrypt' | 'ReEncrypt'>;
type DataKeyOperation = Extract<RuledOperation, 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext' | 'GenerateDataKeyPair' | 'GenerateDataKeyPairWithoutPlaintext'>;

const SYMMETRIC = 'SYMMETRIC_DEFAULT';

/**
 * A key that may encrypt now with `algorithm`: resolved (alias allowed), in a usable state, an
 * ENCRYPT_DECRYPT key that lists the algorithm. Symmetric keys default to SYMMETRIC_DEFAULT; RSA
 * keys need the algorithm named.
 */
export function encryptionKey(ctx: KmsContext, scope: RequestScope, keyRef: string, operation: EncryptOperation, algorithm?: string): { key: KeyRecord; arn: string; algorithm: string } {
  const { key, arn } = usableKey(ctx, scope, keyRef, operation, { allowAlias: true });
  return { key, arn, algorithm: assertEncryptionUse(key, arn, operation, algorithm) };
}

/** The symmetric encryption key GenerateDataKey* and GenerateDataKeyPair* encrypt under. */
export function dataKeyEncryptionKey(ctx: KmsContext, scope: RequestScope, keyRef: string, operation: DataKeyOperation): { key: KeyRecord; arn: string } {
  const { key, arn } = usableKey(ctx, scope, keyRef, operation, { allowAlias: true });
  if (key.keyUsage !== 'ENCRYPT_DECRYPT') throw Errors.invalidKeyUsage(arn, key.keyUsage, operation);
  if (key.keySpec !== SYMMETRIC) throw new KmsError('InvalidKeyUsageException', `${arn} key spec is ${key.keySpec} which is not valid for ${operation}.`);
  return { key, arn };
}

function assertEncryptionUse(key: KeyRecord, arn: string, operation: string, algorithm: string | undefined): string {
  if (key.keyUsage !== 'ENCRYPT_DECRYPT') throw Errors.invalidKeyUsage(arn, key.keyUsage, operation);
  if (key.keySpec === SYMMETRIC) {
    if (algorithm !== undefined && algorithm !== SYMMETRIC) {
      throw new KmsError('InvalidKeyUsageException', `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`);
    }
    return SYMMETRIC;
  }
  // Left out, the algorithm is SYMMETRIC_DEFAULT, which no RSA key lists.
  assertAlgorithm(key, arn, 'EncryptionAlgorithms', algorithm ?? SYMMETRIC);
  return algorithm!;
}

/**
 * Encrypts under the key's current material: the symmetric ciphertext blob, or for an RSA key the
 * bare RSAES-OAEP ciphertext (what AWS returns, so anyone with the private key can decrypt it).
 */
export function seal(ctx: KmsContext, key: KeyRecord, algorithm: string, plaintext: Buffer, encryptionContext?: Record<string, string>): { blob: Buffer; material: KeyMaterialVersion } {
  const material = currentMaterial(key);
  if (!material) throw Errors.pendingImport(keyArn(ctx.region, key.accountId, key.keyId));
  if (algorithm !== SYMMETRIC) {
    assertNoContext(encryptionContext, algorithm);
    const limit = rsaPlaintextLimit(key.keySpec as any, algorithm as RsaEncryptionAlgorithm);
    if (plaintext.length > limit) {
      throw Errors.validation(`Algorithm ${algorithm} and key spec ${key.keySpec} cannot encrypt data larger than ${limit} bytes.`);
    }
    return { blob: rsaEncrypt(publicKeyOf(key), algorithm as RsaEncryptionAlgorithm, plaintext), material };
  }
  const backing = ctx.materials.plaintext(key, material.version);
  // Invariant (key states): an Enabled key holds its current material. Checked, not assumed.
  if (!backing) throw Errors.pendingImport(keyArn(ctx.region, key.accountId, key.keyId));
  const blob = sealSymmetric(backing, { keyId: key.keyId, version: material.version }, plaintext, canonicalEncryptionContext(encryptionContext), ctx.random);
  return { blob, material };
}

/**
 * RSA encryption has no authenticated data for an encryption context to bind to. AWS documents
 * that it is not supported but not the error; ValidationException is provisional.
 */
function assertNoContext(encryptionContext: Record<string, string> | undefined, algorithm: string): void {
  if (encryptionContext !== undefined && Object.keys(encryptionContext).length > 0) {
    throw Errors.validation(`EncryptionContext is not supported with ${algorithm}: only symmetric encryption keys take an encryption context.`);
  }
}

/** KeyMaterialId, SourceKeyMaterialId, DestinationKeyMaterialId: present only when a symmetric key did the work. */
export const materialIdField = (name: string, key: KeyRecord, material: KeyMaterialVersion): Record<string, string> =>
  key.keySpec === SYMMETRIC ? { [name]: material.materialId } : {};

/**
 * Decrypts a ciphertext. A symmetric blob names its key; a KeyId in the request must name that
 * same key (IncorrectKeyException otherwise). RSA ciphertext names nothing: the request must give
 * the KeyId and the algorithm. Any mismatch of blob, key version, key or encryption context is
 * InvalidCiphertextException, with AWS's empty message.
 */
export function open(
  ctx: KmsContext,
  scope: RequestScope,
  blob: Buffer,
  encryptionContext: Record<string, string> | undefined,
  keyRef: string | undefined,
  operation: 'Decrypt' | 'ReEncrypt',
  algorithm?: string,
): { key: KeyRecord; arn: string; plaintext: Buffer; material: KeyMaterialVersion; algorithm: string } {
  const named = keyRef === undefined ? undefined : resolveKey(ctx.state, ctx.region, scope.caller.accountId, keyRef, { allowAlias: true });
  const header = parseCiphertextHeader(blob);
  // A symmetric ciphertext with another key named is IncorrectKeyException, whatever that key is;
  // only a request that asks for an RSA algorithm, or a blob that is not Trent's, goes the RSA way.
  const symmetricBlob = header !== undefined && (algorithm === undefined || algorithm === SYMMETRIC);
  if (named && named.keySpec !== SYMMETRIC && !symmetricBlob) return openAsymmetric(ctx, named, blob, encryptionContext, operation, algorithm);
  if (!header) throw Errors.invalidCiphertext();
  if (named && named.keyId !== header.keyId) throw Errors.incorrectKey();
  const key = named ?? ctx.state.key(scope.caller.accountId, header.keyId);
  if (!key) {
    throw new KmsError('AccessDeniedException', 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.');
  }
  const arn = keyArn(ctx.region, key.accountId, key.keyId);
  assertKeyStateAllows(operation, key, arn);
  assertEncryptionUse(key, arn, operation, algorithm);
  const material = key.materials.find((m) => m.version === header.version);
  const backing = material && ctx.materials.plaintext(key, material.version);
  const plaintext = backing && openSymmetric(backing, blob, canonicalEncryptionContext(encryptionContext));
  if (!material || !plaintext) throw Errors.invalidCiphertext();
  return { key, arn, plaintext, material, algorithm: SYMMETRIC };
}

function openAsymmetric(ctx: KmsContext, key: KeyRecord, blob: Buffer, encryptionContext: Record<string, string> | undefined, operation: 'Decrypt' | 'ReEncrypt', algorithm: string | undefined) {
  const arn = keyArn(ctx.region, key.accountId, key.keyId);
  assertKeyStateAllows(operation, key, arn);
  const chosen = assertEncryptionUse(key, arn, operation, algorithm);
  assertNoContext(encryptionContext, chosen);
  const { secret, material } = currentSecret(ctx, key);
  const plaintext = rsaDecrypt(key.keySpec as any, secret, chosen as RsaEncryptionAlgorithm, blob);
  if (!plaintext) throw Errors.invalidCiphertext();
  return { key, arn, plaintext, material, algorithm: chosen };
}

/** GenerateDataKey*: exactly one of KeySpec and NumberOfBytes. */
export function dataKeyLength(input: { KeySpec?: string; NumberOfBytes?: number }): number {
  if ((input.KeySpec === undefined) === (input.NumberOfBytes === undefined)) {
    throw Errors.validation('Please specify either number of bytes or key spec.');
  }
  if (input.NumberOfBytes !== undefined) return input.NumberOfBytes;
  return input.KeySpec === 'AES_128' ? 16 : 32;
}
