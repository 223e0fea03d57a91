import { keyArn } from '../../model/arn';
import { currentMaterial } from '../../model/key-record';
import { assertKeyStateAllows } from '../../rules/key-state-rules';
import { epochSeconds } from '../shared/key-metadata';
import { resolveKey } from '../shared/key-resolver';
import { KmsOperation } from '../shared/operation';
import { pageFields, paginate } from '../shared/paginate';
import { assertRotatable } from '../shared/rotation';

export const ListKeyRotations: KmsOperation = {
  name: 'ListKeyRotations',
  async handle(ctx, scope, input) {
    await ctx.log.readBarrier();
    const key = resolveKey(ctx.state, ctx.region, scope.caller.accountId, input.KeyId, { allowAlias: false });
    const arn = keyArn(ctx.region, key.accountId, key.keyId);
    assertKeyStateAllows('ListKeyRotations', key, arn);
    assertRotatable(key, arn);
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
