import { rememberGoneReplica } from '../../mrk/mrk-apply';
import { Applier } from '../../state/kms-state-machine';

/**
 * Time-driven deletion, proposed by the leader once a PendingDeletion key's date has passed.
 * Not an AWS action. The key and every alias pointing at it go; nothing happens when the key is
 * gone already or its deletion was cancelled in the meantime (the check repeats here in apply).
 */
export const applyDeleteKey: Applier<'DeleteKey'> = (w, cmd, ctx) => {
  const key = w.state.key(cmd.accountId, cmd.body.keyId);
  if (!key || key.state !== 'PendingDeletion' || key.deletionDate === undefined || key.deletionDate > cmd.now) return { deleted: false };
  // AWS never deletes a multi-Region primary that has replicas (some may have been reported since
  // it was scheduled): it waits for them instead.
  if (key.mrk?.role === 'PRIMARY' && key.mrk.replicas.length > 0) {
    const { deletionDate: _d, ...waiting } = key;
    w.putKey({ ...waiting, state: 'PendingReplicaDeletion' });
    return { deleted: false };
  }
  for (const alias of w.state.aliasesOf(cmd.accountId)) if (alias.targetKeyId === key.keyId) w.deleteAlias(alias);
  w.deleteKey(key);
  rememberGoneReplica(w, key, ctx.region);
  return { deleted: true };
};
