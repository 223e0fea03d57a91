import { keyArn } from '../../model/arn';
import { Applier } from '../../state/kms-state-machine';
import { commit, DAY_MS, keyForApply, usableKey, KmsOperation } from '../shared/operation';
import { assertRotationChangeable, DEFAULT_ROTATION_PERIOD_DAYS } from '../shared/rotation';

export const EnableKeyRotation: KmsOperation = {
  name: 'EnableKeyRotation',
  async handle(ctx, scope, input) {
    const { key, arn } = usableKey(ctx, scope, input.KeyId, 'EnableKeyRotation');
    assertRotationChangeable(key, arn);
    await commit(ctx, scope, { type: 'EnableKeyRotation', keyId: key.keyId, periodDays: input.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS });
    return {};
  },
};

/** The first automatic rotation comes one period after rotation is enabled. */
export const applyEnableKeyRotation: Applier<'EnableKeyRotation'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'EnableKeyRotation');
  assertRotationChangeable(key, keyArn(ctx.region, key.accountId, key.keyId));
  const { periodDays } = cmd.body;
  w.putKey({ ...key, rotation: { ...key.rotation, enabled: true, periodDays, nextRotationAt: cmd.now + periodDays * DAY_MS } });
};
