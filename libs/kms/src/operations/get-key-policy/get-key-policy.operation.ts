import { resolveKey } from '../shared/key-resolver';
import { KmsOperation } from '../shared/operation';
import { assertDefaultPolicyName } from '../shared/policy-name';

export const GetKeyPolicy: KmsOperation = {
  name: 'GetKeyPolicy',
  async handle(ctx, scope, input) {
    const key = resolveKey(ctx.state, ctx.region, scope.caller.accountId, input.KeyId, { allowAlias: false });
    assertDefaultPolicyName(input.PolicyName);
    return { Policy: key.policy, PolicyName: 'default' };
  },
};
