import { algorithmLists, AlgorithmLists, KeySpec, KeyUsageName } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { currentMaterial, KeyMaterialVersion, KeyRecord } from '../../model/key-record';
import { RuledOperation } from '../../rules/key-state-rules';
import { KmsContext, RequestScope } from '../../kms-context';
import { usableKey } from './operation';

/**
 * The key a crypto request names (alias allowed), in a state that allows `operation`, with the
 * key usage the operation needs.
 */
export function keyForUse(ctx: KmsContext, scope: RequestScope, keyRef: string, operation: RuledOperation, usage: KeyUsageName): { key: KeyRecord; arn: string; spec: KeySpec } {
  const { key, arn } = usableKey(ctx, scope, keyRef, operation, { allowAlias: true });
  if (key.keyUsage !== usage) throw Errors.invalidKeyUsage(arn, key.keyUsage, operation);
  return { key, arn, spec: key.keySpec as KeySpec };
}

/** AWS's answer when an algorithm is not one the key lists in DescribeKey. */
export function assertAlgorithm(key: KeyRecord, arn: string, list: keyof AlgorithmLists, algorithm: string): void {
  const allowed = algorithmLists(key.keySpec as KeySpec, key.keyUsage as KeyUsageName)[list] ?? [];
  if (!allowed.includes(algorithm)) {
    throw new KmsError('InvalidKeyUsageException', `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`);
  }
}

/** The current material's plaintext (private key or HMAC key) and its version entry. */
export function currentSecret(ctx: KmsContext, key: KeyRecord): { secret: Buffer; material: KeyMaterialVersion } {
  const material = currentMaterial(key);
  const secret = material && ctx.materials.plaintext(key, material.version);
  // Key state rules let no key without material get here (PendingImport); this is an invariant check.
  if (!material || !secret) throw Errors.pendingImport(keyArn(ctx.region, key.accountId, key.keyId));
  return { secret, material };
}

/** The SubjectPublicKeyInfo (DER) of an asymmetric key's current material. */
export function publicKeyOf(key: KeyRecord): Buffer {
  const spki = currentMaterial(key)?.publicKey;
  if (!spki) throw Errors.internal(`Key ${key.keyId} has no public key.`);
  return Buffer.from(spki, 'base64');
}
