import { epochSeconds } from '../shared/key-metadata';
import { KmsOperation } from '../shared/operation';
import { rotatableKeyForRead } from '../shared/rotation';

export const GetKeyRotationStatus: KmsOperation = {
  name: 'GetKeyRotationStatus',
  async handle(ctx, scope, input) {
    const { key, arn } = rotatableKeyForRead(ctx, scope, input.KeyId, 'GetKeyRotationStatus');
    const r = key.rotation;
    // AWS (GetKeyRotationStatus reference): a key pending deletion reports rotation off; the
    // setting itself is kept and shows again if the deletion is cancelled.
    const enabled = r.enabled && key.state !== 'PendingDeletion' && key.state !== 'PendingReplicaDeletion';
    return {
      KeyRotationEnabled: enabled,
      KeyId: arn,
      ...(enabled ? { RotationPeriodInDays: r.periodDays, NextRotationDate: epochSeconds(r.nextRotationAt!) } : {}),
    };
  },
};
