import { commit, usableKey, KmsOperation } from '../shared/operation';
import { assertOnDemandQuota, assertRotationChangeable, pendingImportedMaterial } from '../shared/rotation';

export const RotateKeyOnDemand: KmsOperation = {
  name: 'RotateKeyOnDemand',
  async handle(ctx, scope, input) {
    const { key, arn } = usableKey(ctx, scope, input.KeyId, 'RotateKeyOnDemand');
    assertRotationChangeable(key, arn, true);
    assertOnDemandQuota(key.rotation.onDemandCount, arn);
    const material = key.origin === 'EXTERNAL' ? pendingImportedMaterial(key, arn) : ctx.materials.create(key.keyId, key.materials.length + 1, ctx.clock.now(), 'ON_DEMAND');
    await commit(ctx, scope, { type: 'RotateKey', keyId: key.keyId, material, rotationType: 'ON_DEMAND' });
    return { KeyId: arn };
  },
};
