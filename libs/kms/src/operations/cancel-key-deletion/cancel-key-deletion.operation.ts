import { Applier } from '../../state/kms-state-machine';
import { commit, keyForApply, usableKey, KmsOperation } from '../shared/operation';

export const CancelKeyDeletion: KmsOperation = {
  name: 'CancelKeyDeletion',
  async handle(ctx, scope, input) {
    const { key, arn } = usableKey(ctx, scope, input.KeyId, 'CancelKeyDeletion');
    await commit(ctx, scope, { type: 'CancelKeyDeletion', keyId: key.keyId });
    return { KeyId: arn };
  },
};

/** AWS: a key whose deletion is cancelled comes back Disabled. */
export const applyCancelKeyDeletion: Applier<'CancelKeyDeletion'> = (w, cmd, ctx) => {
  const { deletionDate: _d, pendingWindowDays: _p, ...key } = keyForApply(w, cmd, ctx, cmd.body.keyId, 'CancelKeyDeletion');
  w.putKey({ ...key, state: 'Disabled' });
};
