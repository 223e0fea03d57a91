import { algorithmLists, KeySpec, KeyUsageName } from '@trent/crypto';
import { keyArn } from '../../model/arn';
import { currentMaterial, KeyRecord } from '../../model/key-record';

/** AWS JSON 1.1 timestamps are epoch seconds. */
export const epochSeconds = (ms: number): number => ms / 1000;

/** KeyRecord → AWS's KeyMetadata shape, members present exactly when AWS sends them. */
export function keyMetadata(region: string, key: KeyRecord): Record<string, unknown> {
  const current = currentMaterial(key);
  return {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: keyArn(region, key.accountId, key.keyId),
    CreationDate: epochSeconds(key.createdAt),
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.state,
    ...(key.state === 'PendingDeletion' && key.deletionDate !== undefined ? { DeletionDate: epochSeconds(key.deletionDate) } : {}),
    Origin: key.origin,
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...(key.origin === 'EXTERNAL' ? importFields(key) : {}),
    ...algorithmLists(key.keySpec as KeySpec, key.keyUsage as KeyUsageName),
    MultiRegion: key.multiRegion,
    ...(key.mrk ? { MultiRegionConfiguration: multiRegionConfiguration(key) } : {}),
    ...(key.state === 'PendingReplicaDeletion' && key.pendingWindowDays ? { PendingDeletionWindowInDays: key.pendingWindowDays } : {}),
    // AWS shows it for symmetric encryption keys only.
    ...(current && key.keySpec === 'SYMMETRIC_DEFAULT' && key.state !== 'PendingImport' && key.state !== 'Creating' ? { CurrentKeyMaterialId: current.materialId } : {}),
  };
}

/**
 * An imported key's ExpirationModel (of its current material, while present) and ValidTo (the
 * earliest expiry of any material it holds). AWS shows neither before the first import nor after
 * the material is deleted.
 */
function importFields(key: KeyRecord): Record<string, unknown> {
  const current = currentMaterial(key);
  if (!current?.imported || current.wrapped === undefined || key.state === 'PendingImport') return {};
  const expiries = key.materials.filter((m) => m.wrapped !== undefined && m.imported?.validTo !== undefined).map((m) => m.imported!.validTo!);
  return { ExpirationModel: current.imported.expirationModel, ...(expiries.length > 0 ? { ValidTo: epochSeconds(Math.min(...expiries)) } : {}) };
}

/** AWS's MultiRegionConfiguration: this key's role, the primary, and the replicas (a replica lists itself too). */
function multiRegionConfiguration(key: KeyRecord): Record<string, unknown> {
  const mrk = key.mrk!;
  const ref = (region: string) => ({ Arn: keyArn(region, key.accountId, key.keyId), Region: region });
  return {
    MultiRegionKeyType: mrk.role,
    PrimaryKey: ref(mrk.primaryRegion),
    ReplicaKeys: mrk.replicas.filter((r) => r.region !== mrk.primaryRegion).map((r) => ref(r.region)),
  };
}
