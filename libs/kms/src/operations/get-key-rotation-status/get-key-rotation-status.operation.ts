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
    return {
      KeyRotationEnabled: r.enabled,
      KeyId: arn,
      ...(r.enabled ? { RotationPeriodInDays: r.periodDays, NextRotationDate: epochSeconds(r.nextRotationAt!) } : {}),
    };
  },
};
