import { Applier } from '../../state/kms-state-machine';
import { commit, keyForApply, usableKey, KmsOperation } from '../shared/operation';
import { validatePolicy } from '../shared/policy';
import { assertDefaultPolicyName } from '../shared/policy-name';

export const PutKeyPolicy: KmsOperation = {
  name: 'PutKeyPolicy',
  async handle(ctx, scope, input) {
    const { key } = usableKey(ctx, scope, input.KeyId, 'PutKeyPolicy');
    assertDefaultPolicyName(input.PolicyName);
    await commit(ctx, scope, { type: 'PutKeyPolicy', keyId: key.keyId, policy: validatePolicy(input.Policy) });
    return {};
  },
};

export const applyPutKeyPolicy: Applier<'PutKeyPolicy'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'PutKeyPolicy');
  w.putKey({ ...key, policy: cmd.body.policy });
};
