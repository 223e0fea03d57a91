import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { KeyMaterialVersion, KeyRecord } from '../../model/key-record';
import { KmsContext, RequestScope } from '../../kms-context';
import { assertKeyStateAllows } from '../../rules/key-state-rules';
import { resolveKey } from './key-resolver';

type ImportOperation = 'GetParametersForImport' | 'ImportKeyMaterial' | 'DeleteImportedKeyMaterial';

/** The key an import operation names: key id or ARN (AWS takes no alias here), origin EXTERNAL, in a state that allows it. */
export function importableKey(ctx: KmsContext, scope: RequestScope, keyRef: string, operation: ImportOperation): { key: KeyRecord; arn: string } {
  const key = resolveKey(ctx.state, ctx.region, scope.caller.accountId, keyRef, { allowAlias: false });
  const arn = keyArn(ctx.region, key.accountId, key.keyId);
  assertImportable(key, arn);
  assertKeyStateAllows(operation, key, arn);
  return { key, arn };
}

/** [9] of AWS's key-state table: the import operations exist only for keys created with Origin EXTERNAL. */
export function assertImportable(key: KeyRecord, arn: string): void {
  if (key.origin !== 'EXTERNAL') throw Errors.originNotValid(arn, key.origin);
}

/**
 * A key with imported material is usable only while every material it has rotated through is
 * present: otherwise it is PendingImport. Material waiting for rotation does not count, nor, for
 * a multi-Region key, material beyond the active version (not in use in any Region yet).
 */
export function hasAllMaterial(key: Pick<KeyRecord, 'materials' | 'mrk'>): boolean {
  const inUse = materialsInUse(key);
  return inUse.length > 0 && inUse.every((m) => m.wrapped !== undefined);
}

/** The versions a key encrypts or decrypts with now (see hasAllMaterial). */
export const materialsInUse = (key: Pick<KeyRecord, 'materials' | 'mrk'>): KeyMaterialVersion[] =>
  key.materials.filter((m) => (key.mrk ? m.version <= key.mrk.activeVersion : !m.pendingRotation));

/**
 * The state an imported key takes after its materials changed. Only Enabled, Disabled and
 * PendingImport follow the material; a key pending deletion stays so.
 */
export function stateAfterMaterialChange(key: KeyRecord, before: KeyRecord['state']): KeyRecord['state'] {
  if (before !== 'Enabled' && before !== 'Disabled' && before !== 'PendingImport') return before;
  if (!hasAllMaterial(key)) return 'PendingImport';
  return before === 'PendingImport' ? 'Enabled' : before;
}
