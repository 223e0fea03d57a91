import { currentMaterial, KeyMaterialVersion, KeyRecord } from '../../model/key-record';
import { replicasLacking } from '../../mrk/mrk-model';
import { epochSeconds } from '../shared/key-metadata';
import { KmsOperation } from '../shared/operation';
import { pageFields, paginate } from '../shared/paginate';
import { rotatableKeyForRead } from '../shared/rotation';

/** Imported material waiting for rotation; for a multi-Region primary, also for replicas that have not imported it. */
function pendingState(key: KeyRecord, m: KeyMaterialVersion): string {
  const mrk = key.mrk;
  const everywhere = !mrk || mrk.role !== 'PRIMARY' || replicasLacking(mrk, m.version).length === 0;
  return everywhere ? 'PENDING_ROTATION' : 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION';
}

/** What AWS lists for imported material: its description, whether it is present, and its expiration. */
function importedFields(m: KeyMaterialVersion): Record<string, unknown> {
  const imported = m.imported;
  // A replica's version not imported there yet is known by its id alone.
  if (!imported) return { ImportState: 'PENDING_IMPORT' };
  return {
    ...(imported.description !== undefined ? { KeyMaterialDescription: imported.description } : {}),
    ImportState: m.wrapped !== undefined ? 'IMPORTED' : 'PENDING_IMPORT',
    ExpirationModel: imported.expirationModel,
    ...(imported.validTo !== undefined ? { ValidTo: epochSeconds(imported.validTo) } : {}),
  };
}

export const ListKeyRotations: KmsOperation = {
  name: 'ListKeyRotations',
  async handle(ctx, scope, input) {
    const { key } = rotatableKeyForRead(ctx, scope, input.KeyId, 'ListKeyRotations');
    const all = input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
    const current = currentMaterial(key)?.version;
    // ROTATIONS_ONLY (the default) lists the materials that rotations created, not the first one.
    const versions = key.materials.filter((m) => all || m.rotationType !== undefined);
    const page = paginate(versions, (m) => m.version.toString().padStart(10, '0'), input.Limit, input.Marker, 100);
    return {
      Rotations: page.items.map((m) => ({
        KeyId: key.keyId,
        KeyMaterialId: m.materialId,
        KeyMaterialState: m.pendingRotation ? pendingState(key, m) : m.version === current ? 'CURRENT' : 'NON_CURRENT',
        ...(m.rotationType ? { RotationDate: epochSeconds(m.createdAt), RotationType: m.rotationType } : {}),
        ...(key.origin === 'EXTERNAL' ? importedFields(m) : {}),
      })),
      ...pageFields(page),
    };
  },
};
