import { canonicalEncryptionContext, openSymmetric, parseCiphertextHeader, sealSymmetric } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { currentMaterial, KeyMaterialVersion, KeyRecord } from '../../model/key-record';
import { assertKeyStateAllows, RuledOperation } from '../../rules/key-state-rules';
import { KmsContext, RequestScope } from '../../kms-context';
import { resolveKey } from './key-resolver';
import { usableKey } from './operation';

type SymmetricOperation = Extract<RuledOperation, 'Encrypt' | 'Decrypt' | 'ReEncrypt' | 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext'>;

/** A key that may encrypt now: resolved (alias allowed), in a usable state, symmetric. */
export function encryptionKey(ctx: KmsContext, scope: RequestScope, keyRef: string, operation: SymmetricOperation, algorithm?: string): { key: KeyRecord; arn: string } {
  const { key, arn } = usableKey(ctx, scope, keyRef, operation, { allowAlias: true });
  assertSymmetricUse(key, arn, operation, algorithm);
  return { key, arn };
}

function assertSymmetricUse(key: KeyRecord, arn: string, operation: string, algorithm: string | undefined): void {
  if (key.keyUsage !== 'ENCRYPT_DECRYPT') throw Errors.invalidKeyUsage(arn, key.keyUsage, operation);
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
    throw new KmsError('InvalidKeyUsageException', `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`);
  }
}

/** Encrypts under the key's current backing-key version. */
export function seal(ctx: KmsContext, key: KeyRecord, plaintext: Buffer, encryptionContext?: Record<string, string>): { blob: Buffer; material: KeyMaterialVersion } {
  const material = currentMaterial(key)!;
  const backing = ctx.materials.plaintext(key, material.version)!;
  const blob = sealSymmetric(backing, { keyId: key.keyId, version: material.version }, plaintext, canonicalEncryptionContext(encryptionContext), ctx.random);
  return { blob, material };
}

/**
 * Decrypts a symmetric ciphertext blob. The key comes from the blob; a KeyId in the request must
 * name that same key (IncorrectKeyException otherwise). Any mismatch of blob, key version or
 * encryption context is InvalidCiphertextException, with AWS's empty message.
 */
export function open(
  ctx: KmsContext,
  scope: RequestScope,
  blob: Buffer,
  encryptionContext: Record<string, string> | undefined,
  keyRef: string | undefined,
  operation: 'Decrypt' | 'ReEncrypt',
  algorithm?: string,
): { key: KeyRecord; arn: string; plaintext: Buffer; material: KeyMaterialVersion } {
  const header = parseCiphertextHeader(blob);
  const named = keyRef === undefined ? undefined : resolveKey(ctx.state, ctx.region, scope.caller.accountId, keyRef, { allowAlias: true });
  if (!header) throw Errors.invalidCiphertext();
  if (named && named.keyId !== header.keyId) throw Errors.incorrectKey();
  const key = named ?? ctx.state.key(scope.caller.accountId, header.keyId);
  if (!key) {
    throw new KmsError('AccessDeniedException', 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.');
  }
  const arn = keyArn(ctx.region, key.accountId, key.keyId);
  assertKeyStateAllows(operation, key, arn);
  assertSymmetricUse(key, arn, operation, algorithm);
  const material = key.materials.find((m) => m.version === header.version);
  const backing = material && ctx.materials.plaintext(key, material.version);
  const plaintext = backing && openSymmetric(backing, blob, canonicalEncryptionContext(encryptionContext));
  if (!material || !plaintext) throw Errors.invalidCiphertext();
  return { key, arn, plaintext, material };
}

/** GenerateDataKey*: exactly one of KeySpec and NumberOfBytes. */
export function dataKeyLength(input: { KeySpec?: string; NumberOfBytes?: number }): number {
  if ((input.KeySpec === undefined) === (input.NumberOfBytes === undefined)) {
    throw Errors.validation('Please specify either number of bytes or key spec.');
  }
  if (input.NumberOfBytes !== undefined) return input.NumberOfBytes;
  return input.KeySpec === 'AES_128' ? 16 : 32;
}
