import { KmsError } from '@trent/protocol';
import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { currentMaterial, KeyRecord } from '../../model/key-record';
import { isPrimary } from '../../mrk/mrk-model';
import { Applier, ApplyContext } from '../../state/kms-state-machine';
import { StateWriter } from '../../state/kms-state';
import { assertImportable, importableKey, stateAfterMaterialChange } from '../shared/imported';
import { commit, keyForApply, KmsOperation } from '../shared/operation';

export const DeleteImportedKeyMaterial: KmsOperation = {
  name: 'DeleteImportedKeyMaterial',
  async handle(ctx, scope, input) {
    const { key, arn } = importableKey(ctx, scope, input.KeyId, 'DeleteImportedKeyMaterial');
    if (input.KeyMaterialId !== undefined && key.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw Errors.validation(`KeyMaterialId can be used only with symmetric encryption keys; ${arn} has key spec ${key.keySpec}.`);
    }
    // Without a KeyMaterialId: the current material (on a key that never had any, nothing to do).
    const materialId: string | undefined = input.KeyMaterialId ?? currentMaterial(key)?.materialId;
    if (materialId !== undefined && !key.materials.some((m) => m.materialId === materialId)) {
      throw new KmsError('NotFoundException', `Key material ${materialId} is not associated with ${arn}.`);
    }
    if (materialId !== undefined) await commit(ctx, scope, { type: 'DeleteImportedKeyMaterial', keyId: key.keyId, materialId, current: input.KeyMaterialId === undefined });
    return { KeyId: arn, ...(key.keySpec === 'SYMMETRIC_DEFAULT' && materialId !== undefined ? { KeyMaterialId: materialId } : {}) };
  },
};

/**
 * Removes one imported material (the wrapped copy; its id stays, so only the same material can
 * return). The key becomes PendingImport unless it is pending deletion. On a multi-Region primary,
 * material waiting for rotation is counted as deleted (KeyMaterialVersion.pendingDeletions), so
 * the next sync deletes it from every replica as well, as AWS does.
 */
export const applyDeleteImportedKeyMaterial: Applier<'DeleteImportedKeyMaterial'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'DeleteImportedKeyMaterial');
  const arn = keyArn(ctx.region, key.accountId, key.keyId);
  assertImportable(key, arn);
  if (cmd.body.current && currentMaterial(key)?.materialId !== cmd.body.materialId) throw Errors.conflict(`${arn} was rotated while its key material was deleted. Try again.`);
  return removeMaterial(w, key, cmd.body.materialId, ctx, isPrimary(key));
};

/** The scheduler's proposal once cluster time has passed a material's ValidTo (re-checked here). */
export const applyExpireKeyMaterial: Applier<'ExpireKeyMaterial'> = (w, cmd, ctx) => {
  const key = w.state.key(cmd.accountId, cmd.body.keyId);
  const material = key?.materials.find((m) => m.materialId === cmd.body.materialId);
  if (!key || !material?.wrapped || material.imported?.validTo === undefined || material.imported.validTo > cmd.now) return { expired: false };
  removeMaterial(w, key, material.materialId, ctx);
  return { expired: true };
};

function removeMaterial(w: StateWriter, key: KeyRecord, materialId: string, ctx: ApplyContext, forReplicasToo = false): { materialId: string } {
  const materials = key.materials.map((m) => {
    if (m.materialId !== materialId) return m;
    const { wrapped, ...rest } = m;
    return forReplicasToo && m.pendingRotation && wrapped !== undefined ? { ...rest, pendingDeletions: (m.pendingDeletions ?? 0) + 1 } : rest;
  });
  if (materials.every((m, i) => m === key.materials[i])) {
    throw new KmsError('NotFoundException', `Key material ${materialId} is not associated with ${keyArn(ctx.region, key.accountId, key.keyId)}.`);
  }
  const next: KeyRecord = { ...key, materials };
  w.putKey({ ...next, state: stateAfterMaterialChange(next, key.state) });
  return { materialId };
}
