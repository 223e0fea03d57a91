import { keyArn } from '../../model/arn';
import { Applier } from '../../state/kms-state-machine';
import { commit, keyForApply, usableKey, KmsOperation } from '../shared/operation';
import { assertRotationChangeable } from '../shared/rotation';

export const DisableKeyRotation: KmsOperation = {
  name: 'DisableKeyRotation',
  async handle(ctx, scope, input) {
    const { key, arn } = usableKey(ctx, scope, input.KeyId, 'DisableKeyRotation');
    assertRotationChangeable(key, arn);
    await commit(ctx, scope, { type: 'DisableKeyRotation', keyId: key.keyId });
    return {};
  },
};

export const applyDisableKeyRotation: Applier<'DisableKeyRotation'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'DisableKeyRotation');
  assertRotationChangeable(key, keyArn(ctx.region, key.accountId, key.keyId));
  const { periodDays: _p, nextRotationAt: _n, ...rest } = key.rotation;
  w.putKey({ ...key, rotation: { ...rest, enabled: false } });
};
