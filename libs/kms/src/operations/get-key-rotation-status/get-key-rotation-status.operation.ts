import { keyArn } from '../../model/arn';
import { assertKeyStateAllows } from '../../rules/key-state-rules';
import { epochSeconds } from '../shared/key-metadata';
import { resolveKey } from '../shared/key-resolver';
import { KmsOperation } from '../shared/operation';
import { assertRotatable } from '../shared/rotation';

export const GetKeyRotationStatus: KmsOperation = {
  name: 'GetKeyRotationStatus',
  async handle(ctx, scope, input) {
    await ctx.log.readBarrier();
    const key = resolveKey(ctx.state, ctx.region, scope.caller.accountId, input.KeyId, { allowAlias: false });
    const arn = keyArn(ctx.region, key.accountId, key.keyId);
    assertKeyStateAllows('GetKeyRotationStatus', key, arn);
    assertRotatable(key, arn);
    const r = key.rotation;
    // AWS (GetKeyRotationStatus reference): a key pending deletion reports rotation off; the
    // setting itself is kept and shows again if the deletion is cancelled.
    const enabled = r.enabled && key.state !== 'PendingDeletion' && key.state !== 'PendingReplicaDeletion';
    return {
      KeyRotationEnabled: enabled,
      KeyId: arn,
      ...(enabled ? { RotationPeriodInDays: r.periodDays, NextRotationDate: epochSeconds(r.nextRotationAt!) } : {}),
    };
  },
};
