import { Errors } from '../../errors/kms-errors';
import { KeyRecord } from '../../model/key-record';
import { Applier } from '../../state/kms-state-machine';
import { epochSeconds } from '../shared/key-metadata';
import { commit, DAY_MS, keyForApply, usableKey, KmsOperation } from '../shared/operation';

export const ScheduleKeyDeletion: KmsOperation = {
  name: 'ScheduleKeyDeletion',
  async handle(ctx, scope, input) {
    const days: number = input.PendingWindowInDays ?? 30;
    // The model allows 1..365; AWS itself accepts only a 7..30 day waiting period.
    if (days < 7 || days > 30) {
      throw Errors.validation(`1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value ${days < 7 ? 'greater than or equal to 7' : 'less than or equal to 30'}`);
    }
    const { key, arn } = usableKey(ctx, scope, input.KeyId, 'ScheduleKeyDeletion');
    const scheduled: KeyRecord = await commit(ctx, scope, { type: 'ScheduleKeyDeletion', keyId: key.keyId, pendingWindowDays: days });
    // A multi-Region primary with replicas waits for them (PendingReplicaDeletion): no date yet.
    const date = scheduled.deletionDate === undefined ? {} : { DeletionDate: epochSeconds(scheduled.deletionDate) };
    return { KeyId: arn, ...date, KeyState: scheduled.state, PendingWindowInDays: days };
  },
};

export const applyScheduleKeyDeletion: Applier<'ScheduleKeyDeletion'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'ScheduleKeyDeletion');
  // AWS never deletes a multi-Region primary that has replicas: it waits until the last one is deleted.
  const waitsForReplicas = key.mrk?.role === 'PRIMARY' && key.mrk.replicas.length > 0;
  const scheduled: KeyRecord = waitsForReplicas
    ? { ...key, state: 'PendingReplicaDeletion', pendingWindowDays: cmd.body.pendingWindowDays }
    : { ...key, state: 'PendingDeletion', deletionDate: cmd.now + cmd.body.pendingWindowDays * DAY_MS, pendingWindowDays: cmd.body.pendingWindowDays };
  w.putKey(scheduled);
  return scheduled;
};
