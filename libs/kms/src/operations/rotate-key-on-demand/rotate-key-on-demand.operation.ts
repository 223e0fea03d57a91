import { KmsError } from '@trent/protocol';
import { keyArn } from '../../model/arn';
import { KeyMaterialVersion, KeyRecord } from '../../model/key-record';
import { KmsContext, RequestScope } from '../../kms-context';
import { replicasLacking } from '../../mrk/mrk-model';
import { probeReplicas } from '../shared/mrk-probe';
import { commit, usableKey, KmsOperation } from '../shared/operation';
import { assertOnDemandQuota, assertRotationChangeable, pendingImportedMaterial } from '../shared/rotation';

export const RotateKeyOnDemand: KmsOperation = {
  name: 'RotateKeyOnDemand',
  async handle(ctx, scope, input) {
    let { key, arn } = usableKey(ctx, scope, input.KeyId, 'RotateKeyOnDemand');
    assertRotationChangeable(key, arn, true);
    assertOnDemandQuota(key.rotation.onDemandCount, arn);
    if (key.origin === 'EXTERNAL' && key.mrk && key.mrk.replicas.length > 0) {
      ({ key, arn } = await everyReplicaHolds(ctx, scope, key, pendingImportedMaterial(key, arn), input.KeyId));
    }
    const material = key.origin === 'EXTERNAL' ? pendingImportedMaterial(key, arn) : ctx.materials.create(key.keyId, key.materials.length + 1, ctx.clock.now(), 'ON_DEMAND');
    await commit(ctx, scope, { type: 'RotateKey', keyId: key.keyId, material, rotationType: 'ON_DEMAND' });
    return { KeyId: arn };
  },
};

/**
 * An imported multi-Region key rotates only once every replica has the new material imported
 * (AWS: PENDING_MULTI_REGION_IMPORT_AND_ROTATION until then). The replicas are asked first.
 */
async function everyReplicaHolds(ctx: KmsContext, scope: RequestScope, key: KeyRecord, pending: KeyMaterialVersion, keyRef: string): Promise<{ key: KeyRecord; arn: string }> {
  const lacking = replicasLacking(key.mrk!, pending.version);
  if (lacking.length > 0) await probeReplicas(ctx, scope, key, lacking);
  const now = usableKey(ctx, scope, keyRef, 'RotateKeyOnDemand');
  assertRotationChangeable(now.key, now.arn, true);
  const missing = now.key.mrk ? replicasLacking(now.key.mrk, pending.version) : [];
  if (missing.length > 0) {
    // Provisional: AWS documents the material state, not the error.
    throw new KmsError(
      'KMSInvalidStateException',
      `Key material ${pending.materialId} is PENDING_MULTI_REGION_IMPORT_AND_ROTATION: import it into ${missing.map((r) => keyArn(r, key.accountId, key.keyId)).join(', ')} first.`,
    );
  }
  return now;
}
