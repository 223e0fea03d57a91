import { Applier } from '../../state/kms-state-machine';
import { commit, keyForApply, usableKey, KmsOperation } from '../shared/operation';

export const EnableKey: KmsOperation = {
  name: 'EnableKey',
  async handle(ctx, scope, input) {
    const { key } = usableKey(ctx, scope, input.KeyId, 'EnableKey');
    await commit(ctx, scope, { type: 'EnableKey', keyId: key.keyId });
    return {};
  },
};

export const applyEnableKey: Applier<'EnableKey'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'EnableKey');
  if (key.state !== 'Enabled') w.putKey({ ...key, state: 'Enabled' });
};
