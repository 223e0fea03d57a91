import { checkImportedMaterial, KeySpec } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { ExpirationModel, ImportedMaterial, KeyMaterialVersion, KeyRecord } from '../../model/key-record';
import { Applier } from '../../state/kms-state-machine';
import { assertImportable, importableKey, stateAfterMaterialChange } from '../shared/imported';
import { commit, DAY_MS, keyForApply, KmsOperation } from '../shared/operation';

/** AWS: ValidTo may be at most 365 days after the import. */
const MAX_VALID_TO_MS = 365 * DAY_MS;

export const ImportKeyMaterial: KmsOperation = {
  name: 'ImportKeyMaterial',
  async handle(ctx, scope, input) {
    const { key, arn } = importableKey(ctx, scope, input.KeyId, 'ImportKeyMaterial');
    const now = ctx.clock.now();
    const imported = expiration(input, now);
    const newMaterial = importType(key, arn, input) === 'NEW_KEY_MATERIAL' && key.materials.length > 0;

    const { claims, material } = ctx.materials.openImport(input.ImportToken, input.EncryptedKeyMaterial);
    let normalized: Buffer | undefined;
    try {
      if (!claims || claims.accountId !== key.accountId || claims.keyId !== key.keyId) {
        throw new KmsError('InvalidImportTokenException', 'The import token is invalid for this key.');
      }
      if (claims.validTo <= now) throw new KmsError('ExpiredImportTokenException', 'The import token has expired. Call GetParametersForImport for a new one.');
      if (!material) throw Errors.invalidCiphertext();
      // Provisional: AWS documents IncorrectKeyMaterialException for material that is not the key's, not for material of the wrong form.
      const checked = checkImportedMaterial(key.keySpec as KeySpec, material);
      if (!checked.ok) throw new KmsError('IncorrectKeyMaterialException', `The key material is not valid for key spec ${key.keySpec}: ${checked.reason}`);
      const kept = (normalized = checked.material);
      const materialId = ctx.materials.materialIdOf(key.keyId, kept);
      const version = versionFor(key, arn, materialId, newMaterial, input.KeyMaterialId);
      const entry = { ...ctx.materials.wrapImported(key.keyId, version, kept, checked.publicKey, now, imported), ...(newMaterial ? { pendingRotation: true } : {}) };
      await commit(ctx, scope, { type: 'ImportKeyMaterial', keyId: key.keyId, material: entry, newMaterial });
      return { KeyId: arn, ...(key.keySpec === 'SYMMETRIC_DEFAULT' ? { KeyMaterialId: materialId } : {}) };
    } finally {
      material?.fill(0);
      normalized?.fill(0);
    }
  },
};

/**
 * ImportType, KeyMaterialId and KeyMaterialDescription are for symmetric encryption keys only.
 * ImportType defaults to NEW_KEY_MATERIAL for a key's first import and to EXISTING_KEY_MATERIAL after.
 */
function importType(key: KeyRecord, arn: string, input: { ImportType?: string; KeyMaterialId?: string; KeyMaterialDescription?: string }): string {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    const given = (['ImportType', 'KeyMaterialId', 'KeyMaterialDescription'] as const).filter((name) => input[name] !== undefined);
    if (given.length > 0) throw Errors.validation(`${given.join(', ')} can be used only with symmetric encryption keys; ${arn} has key spec ${key.keySpec}.`);
    return 'EXISTING_KEY_MATERIAL';
  }
  const type = input.ImportType ?? (key.materials.length === 0 ? 'NEW_KEY_MATERIAL' : 'EXISTING_KEY_MATERIAL');
  if (type === 'EXISTING_KEY_MATERIAL' && key.materials.length === 0) {
    throw Errors.validation(`${arn} has no key material yet: its first import is NEW_KEY_MATERIAL (or leave ImportType out).`);
  }
  if (type === 'NEW_KEY_MATERIAL' && input.KeyMaterialId !== undefined) throw Errors.validation('KeyMaterialId cannot be used with ImportType NEW_KEY_MATERIAL.');
  return type;
}

/** ExpirationModel (AWS's default: KEY_MATERIAL_EXPIRES) and ValidTo, with AWS's rules for which goes with which. */
function expiration(input: { ExpirationModel?: string; ValidTo?: number; KeyMaterialDescription?: string }, now: number): ImportedMaterial {
  // AWS JSON 1.1 timestamps are epoch seconds (the protocol layer keeps them as numbers).
  const validTo = input.ValidTo === undefined ? undefined : Math.round(input.ValidTo * 1000);
  const model = (input.ExpirationModel ?? 'KEY_MATERIAL_EXPIRES') as ExpirationModel;
  const described = input.KeyMaterialDescription !== undefined ? { description: input.KeyMaterialDescription } : {};
  if (model === 'KEY_MATERIAL_DOES_NOT_EXPIRE') {
    if (validTo !== undefined) throw Errors.validation('A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE');
    return { expirationModel: model, ...described };
  }
  if (validTo === undefined) throw Errors.validation('A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES');
  if (validTo <= now) throw Errors.validation('The validTo date must be in the future.');
  if (validTo > now + MAX_VALID_TO_MS) throw Errors.validation('The validTo date must be no more than 365 days in the future.');
  return { expirationModel: model, validTo, ...described };
}

/**
 * Which version the material becomes. The first import makes version 1; after it, an import must
 * bring material the key already has by id (AWS: the same material) unless it is NEW_KEY_MATERIAL
 * for a symmetric key, which adds a version that waits for RotateKeyOnDemand (PENDING_ROTATION).
 */
function versionFor(key: KeyRecord, arn: string, materialId: string, newMaterial: boolean, requestedId: string | undefined): number {
  const known = key.materials.find((m) => m.materialId === materialId);
  if (requestedId !== undefined && requestedId !== materialId) {
    throw new KmsError('IncorrectKeyMaterialException', `The key material does not match KeyMaterialId ${requestedId}.`);
  }
  if (key.materials.length === 0) return 1;
  if (!newMaterial) {
    if (!known) throw new KmsError('IncorrectKeyMaterialException', `The key material is not the key material previously imported into ${arn}.`);
    return known.version;
  }
  if (key.mrk?.role === 'REPLICA') {
    throw Errors.unsupported(`${arn} is a multi-Region replica key: import new key material into the primary key in ${key.mrk.primaryRegion}, then the same material here with ImportType EXISTING_KEY_MATERIAL.`);
  }
  if (known) throw new KmsError('IncorrectKeyMaterialException', `This key material is already associated with ${arn}.`);
  const waiting = key.materials.find((m) => m.pendingRotation);
  if (waiting) {
    const again = waiting.wrapped === undefined ? ` It is not imported in this Region: import it with ImportType EXISTING_KEY_MATERIAL and KeyMaterialId ${waiting.materialId}, then rotate.` : '';
    throw Errors.validation(`${arn} already has key material waiting for rotation (PENDING_ROTATION): ${waiting.materialId}. Rotate with RotateKeyOnDemand first.${again}`);
  }
  return key.materials.length + 1;
}

/** Records imported material; a re-import replaces the expiration of the same version. */
export const applyImportKeyMaterial: Applier<'ImportKeyMaterial'> = (w, cmd, ctx) => {
  const { keyId, material, newMaterial } = cmd.body;
  const key = keyForApply(w, cmd, ctx, keyId, 'ImportKeyMaterial');
  const arn = keyArn(ctx.region, key.accountId, key.keyId);
  assertImportable(key, arn);
  const known = key.materials.find((m) => m.version === material.version);
  let materials: KeyMaterialVersion[];
  if (known) {
    // Invariant: a version's id never changes; only its presence and expiration do.
    if (known.materialId !== material.materialId) throw Errors.conflict(`${arn} changed while the key material was imported. Try again.`);
    // A re-import keeps the version's place (current or waiting for rotation); it renews its expiration.
    const keepDescription = (m: KeyMaterialVersion) => (material.imported!.description === undefined && m.imported?.description !== undefined ? { description: m.imported.description } : {});
    materials = key.materials.map((m) =>
      m.version === material.version
        ? { ...m, wrapped: material.wrapped, ...(material.publicKey ? { publicKey: material.publicKey } : {}), imported: { ...material.imported!, ...keepDescription(m) } }
        : m,
    );
  } else {
    if (material.version !== key.materials.length + 1 || (key.materials.length > 0) !== newMaterial) {
      throw Errors.conflict(`${arn} changed while the key material was imported. Try again.`);
    }
    materials = [...key.materials, { ...material, createdAt: cmd.now }];
  }
  const next: KeyRecord = { ...key, materials };
  w.putKey({ ...next, state: stateAfterMaterialChange(next, key.state) });
  return { materialId: material.materialId };
};
