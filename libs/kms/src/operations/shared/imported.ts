import { Errors } from '../../errors/kms-errors';
import { KeyRecord } from '../../model/key-record';

/** [9] of AWS's key-state table: the import operations exist only for keys created with Origin EXTERNAL. */
export function assertImportable(key: KeyRecord, arn: string): void {
  if (key.origin !== 'EXTERNAL') throw Errors.originNotValid(arn, key.origin);
}

/**
 * A key with imported material is usable only while every material it has rotated through is
 * present (material waiting for rotation does not count): otherwise it is PendingImport.
 */
export const hasAllMaterial = (key: KeyRecord): boolean => key.materials.length > 0 && key.materials.every((m) => m.wrapped !== undefined || m.imported?.pendingRotation);

/**
 * The state an imported key takes after its materials changed. Only Enabled, Disabled and
 * PendingImport follow the material; a key pending deletion stays so.
 */
export function stateAfterMaterialChange(key: KeyRecord, before: KeyRecord['state']): KeyRecord['state'] {
  if (before !== 'Enabled' && before !== 'Disabled' && before !== 'PendingImport') return before;
  if (!hasAllMaterial(key)) return 'PendingImport';
  return before === 'PendingImport' ? 'Enabled' : before;
}
