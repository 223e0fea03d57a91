export const KEY_STATES = [
  'Creating',
  'Enabled',
  'Disabled',
  'PendingDeletion',
  'PendingImport',
  'PendingReplicaDeletion',
  'Unavailable',
  'Updating',
] as const;
export type KeyState = (typeof KEY_STATES)[number];

export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';
export type Origin = 'AWS_KMS' | 'EXTERNAL' | 'AWS_CLOUDHSM' | 'EXTERNAL_KEY_STORE';

export interface Tag {
  TagKey: string;
  TagValue: string;
}

/** One version of a key's backing key (AWS: an HBK). Only ever stored wrapped by the domain key. */
export interface KeyMaterialVersion {
  version: number;
  /** AWS's KeyMaterialId: 64 lowercase hex. */
  materialId: string;
  /** DomainKey.wrap output, base64. */
  wrapped: string;
  /** Cluster time (ms) the material was created; for rotations, the rotation date. */
  createdAt: number;
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
}

export interface RotationSettings {
  enabled: boolean;
  /** 90..2560, set while rotation is enabled (EnableKeyRotation without a period means 365). */
  periodDays?: number;
  /** Cluster time (ms) of the next automatic rotation while enabled. */
  nextRotationAt?: number;
  /** Cluster time (ms) of the last RotateKeyOnDemand, while AWS would still show it. */
  onDemandStartedAt?: number;
  onDemandCount: number;
}

/** A KMS key as the replicated state holds it. Plain JSON: it is what LevelDB and snapshots store. */
export interface KeyRecord {
  accountId: string;
  keyId: string;
  createdAt: number;
  description: string;
  keyUsage: KeyUsage;
  keySpec: string;
  origin: Origin;
  multiRegion: boolean;
  state: KeyState;
  /** While PendingDeletion: when the key will be deleted (cluster ms). */
  deletionDate?: number;
  pendingWindowDays?: number;
  policy: string;
  tags: Tag[];
  rotation: RotationSettings;
  /** Oldest first; the last one is current. */
  materials: KeyMaterialVersion[];
}

export interface AliasRecord {
  accountId: string;
  aliasName: string;
  targetKeyId: string;
  createdAt: number;
  updatedAt: number;
}

export const currentMaterial = (key: KeyRecord): KeyMaterialVersion | undefined => key.materials[key.materials.length - 1];
