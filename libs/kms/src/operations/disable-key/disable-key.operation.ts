import { Applier } from '../../state/kms-state-machine';
import { commit, keyForApply, usableKey, KmsOperation } from '../shared/operation';

export const DisableKey: KmsOperation = {
  name: 'DisableKey',
  async handle(ctx, scope, input) {
    const { key } = usableKey(ctx, scope, input.KeyId, 'DisableKey');
    await commit(ctx, scope, { type: 'DisableKey', keyId: key.keyId });
    return {};
  },
};

export const applyDisableKey: Applier<'DisableKey'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'DisableKey');
  if (key.state !== 'Disabled') w.putKey({ ...key, state: 'Disabled' });
};
