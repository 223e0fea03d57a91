import { Errors } from '../../errors/kms-errors';
import { KmsError } from '@trent/protocol';
import { KeyMaterialVersion, KeyRecord } from '../../model/key-record';
import { KmsContext, RequestScope } from '../../kms-context';
import { usableKey } from './operation';

export const DEFAULT_ROTATION_PERIOD_DAYS = 365;
/** AWS quota: on-demand rotations per key (not adjustable). */
export const MAX_ON_DEMAND_ROTATIONS = 25;

/**
 * Rotation exists only for symmetric encryption keys. Imported keys rotate on demand only, to
 * material imported beforehand (`importedToo`: the operations that allow them).
 */
export function assertRotatable(key: KeyRecord, arn: string, importedToo = false): void {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') throw Errors.unsupported(`${arn} key spec is ${key.keySpec} which is not valid for this operation.`);
  if (key.origin !== 'AWS_KMS' && !(importedToo && key.origin === 'EXTERNAL')) throw Errors.originNotValid(arn, key.origin);
}

/** RotateKeyOnDemand on an imported key: the material imported as NEW_KEY_MATERIAL and waiting for it. */
export function pendingImportedMaterial(key: KeyRecord, arn: string): KeyMaterialVersion {
  const waiting = key.materials.find((m) => m.pendingRotation);
  // Provisional: AWS does not document these errors.
  if (!waiting) {
    throw new KmsError('KMSInvalidStateException', `${arn} has no key material in PENDING_ROTATION state. Import new key material with ImportType NEW_KEY_MATERIAL first.`);
  }
  if (waiting.wrapped === undefined) {
    throw new KmsError(
      'KMSInvalidStateException',
      `Key material ${waiting.materialId} of ${arn} waits for rotation but is not imported in this Region (it was deleted, or imported only elsewhere). Import it with ImportType EXISTING_KEY_MATERIAL and KeyMaterialId ${waiting.materialId} first.`,
    );
  }
  return waiting;
}

/**
 * Rotation is a shared property of multi-Region keys, changed only on the primary. AWS documents
 * the rule but not the error a replica gives; UnsupportedOperationException is provisional.
 */
export function assertRotationChangeable(key: KeyRecord, arn: string, importedToo = false): void {
  assertRotatable(key, arn, importedToo);
  if (key.mrk?.role === 'REPLICA') {
    throw Errors.unsupported(`${arn} is a multi-Region replica key. Rotation is a shared property: change it on the primary key in ${key.mrk.primaryRegion}.`);
  }
}

export function assertOnDemandQuota(count: number, arn: string): void {
  if (count >= MAX_ON_DEMAND_ROTATIONS) {
    throw Errors.limitExceeded(`The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${arn}`);
  }
}

/** For the rotation reads: the key a KeyId names, allowed in its state, and one that rotation applies to. */
export function rotatableKeyForRead(ctx: KmsContext, scope: RequestScope, keyRef: string, operation: 'GetKeyRotationStatus' | 'ListKeyRotations'): { key: KeyRecord; arn: string } {
  const { key, arn } = usableKey(ctx, scope, keyRef, operation);
  // ListKeyRotations lists imported material too; GetKeyRotationStatus is for AWS_KMS keys ([7]).
  assertRotatable(key, arn, operation === 'ListKeyRotations');
  return { key, arn };
}
