import { Applier } from '../../state/kms-state-machine';
import { hasAllMaterial } from '../shared/imported';
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
  // A key with imported material returns to PendingImport when material went while it waited.
  w.putKey({ ...key, state: key.origin === 'EXTERNAL' && !hasAllMaterial(key) ? 'PendingImport' : 'Disabled' });
};
