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
    ...(key.keyUsage === 'ENCRYPT_DECRYPT' && key.keySpec === 'SYMMETRIC_DEFAULT' ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } : {}),
    MultiRegion: key.multiRegion,
    ...(key.state === 'PendingReplicaDeletion' && key.pendingWindowDays ? { PendingDeletionWindowInDays: key.pendingWindowDays } : {}),
    ...(current && key.state !== 'PendingImport' ? { CurrentKeyMaterialId: current.materialId } : {}),
  };
}
