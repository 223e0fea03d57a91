import { Applier } from '../../state/kms-state-machine';
import { commit, keyForApply, usableKey, KmsOperation } from '../shared/operation';

export const UpdateKeyDescription: KmsOperation = {
  name: 'UpdateKeyDescription',
  async handle(ctx, scope, input) {
    const { key } = usableKey(ctx, scope, input.KeyId, 'UpdateKeyDescription');
    await commit(ctx, scope, { type: 'UpdateKeyDescription', keyId: key.keyId, description: input.Description });
    return {};
  },
};

export const applyUpdateKeyDescription: Applier<'UpdateKeyDescription'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'UpdateKeyDescription');
  w.putKey({ ...key, description: cmd.body.description });
};
