import { currentMaterial } from '../../model/key-record';
import { epochSeconds } from '../shared/key-metadata';
import { KmsOperation } from '../shared/operation';
import { pageFields, paginate } from '../shared/paginate';
import { rotatableKeyForRead } from '../shared/rotation';

export const ListKeyRotations: KmsOperation = {
  name: 'ListKeyRotations',
  async handle(ctx, scope, input) {
    const { key, arn } = rotatableKeyForRead(ctx, scope, input.KeyId, 'ListKeyRotations');
    const all = input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
    const current = currentMaterial(key)!.version;
    // ROTATIONS_ONLY (the default) lists the materials that rotations created, not the first one.
    const versions = key.materials.filter((m) => all || m.rotationType !== undefined);
    const page = paginate(versions, (m) => m.version.toString().padStart(10, '0'), input.Limit, input.Marker, 100);
    return {
      Rotations: page.items.map((m) => ({
        KeyId: key.keyId,
        KeyMaterialId: m.materialId,
        KeyMaterialState: m.version === current ? 'CURRENT' : 'NON_CURRENT',
        ...(m.rotationType ? { RotationDate: epochSeconds(m.createdAt), RotationType: m.rotationType } : {}),
      })),
      ...pageFields(page),
    };
  },
};
