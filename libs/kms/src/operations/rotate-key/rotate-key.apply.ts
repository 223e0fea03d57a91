import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { KeyMaterialVersion } from '../../model/key-record';
import { replicasLacking } from '../../mrk/mrk-model';
import { Applier } from '../../state/kms-state-machine';
import { DAY_MS, keyForApply } from '../shared/operation';
import { assertRotationChangeable } from '../shared/rotation';
import { assertOnDemandQuota } from '../shared/rotation';

/**
 * A new backing-key version becomes current; every earlier version stays to decrypt old
 * ciphertext. ON_DEMAND comes from RotateKeyOnDemand; AUTOMATIC from the leader's scheduler when
 * nextRotationAt has passed (re-checked here, so a late or repeated proposal changes nothing).
 */
export const applyRotateKey: Applier<'RotateKey'> = (w, cmd, ctx) => {
  const { keyId, material, rotationType } = cmd.body;
  const key = keyForApply(w, cmd, ctx, keyId, 'RotateKeyOnDemand');
  const arn = keyArn(ctx.region, key.accountId, key.keyId);
  assertRotationChangeable(key, arn, rotationType === 'ON_DEMAND');
  const imported = key.origin === 'EXTERNAL';
  // Invariant: versions are 1, 2, 3, … in order; a proposal built on a stale version loses. An
  // imported key rotates to the version already waiting for it.
  const pending = imported ? key.materials.find((m) => m.version === material.version && m.materialId === material.materialId && m.pendingRotation && m.wrapped) : undefined;
  if (imported ? !pending : material.version !== key.materials.length + 1) throw Errors.conflict(`${arn} is being rotated by another request. Try again.`);
  // Imported multi-Region material: every replica must (still) hold it, as RotateKeyOnDemand checked.
  const mrk = key.mrk;
  if (pending && mrk && replicasLacking(mrk, pending.version).length > 0) {
    throw Errors.conflict(`${arn}: a replica no longer holds key material ${pending.materialId}. Try again.`);
  }
  const rotation = { ...key.rotation };
  if (rotationType === 'ON_DEMAND') {
    assertOnDemandQuota(rotation.onDemandCount, arn);
    rotation.onDemandCount += 1;
    rotation.onDemandStartedAt = cmd.now;
  } else {
    if (!rotation.enabled || rotation.nextRotationAt === undefined || rotation.nextRotationAt > cmd.now) return { rotated: false };
    rotation.nextRotationAt = cmd.now + rotation.periodDays! * DAY_MS;
  }
  const rotated = (m: KeyMaterialVersion): KeyMaterialVersion => {
    const { pendingRotation: _done, ...rest } = m;
    return { ...rest, createdAt: cmd.now, rotationType };
  };
  const materials = pending ? key.materials.map((m) => (m === pending ? rotated(m) : m)) : [...key.materials, { ...material, createdAt: cmd.now, rotationType }];
  w.putKey({ ...key, rotation, materials });
  return { rotated: true };
};
