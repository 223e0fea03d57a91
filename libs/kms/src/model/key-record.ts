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

/**
 * One version of a key's backing key (AWS: an HBK). Only ever stored wrapped by the domain key:
 * 32 bytes for SYMMETRIC_DEFAULT, the raw HMAC key, or a PKCS#8 DER private key.
 */
export interface KeyMaterialVersion {
  version: number;
  /** AWS's KeyMaterialId: 64 lowercase hex, derived from key id and material (same material, same id). */
  materialId: string;
  /**
   * DomainKey.wrap output, base64. Absent once imported material is deleted or expires: the
   * version and its id stay, so only the same material can be imported again.
   */
  wrapped?: string;
  /** Asymmetric keys: the SubjectPublicKeyInfo (DER, base64), public at all times. */
  publicKey?: string;
  /** Cluster time (ms) the material was created; for rotations, the rotation date. */
  createdAt: number;
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
  /** Origin EXTERNAL: how the material was imported (absent while a replica has not imported it). */
  imported?: ImportedMaterial;
  /**
   * Imported as NEW_KEY_MATERIAL and waiting for RotateKeyOnDemand to make it current (AWS's
   * PENDING_ROTATION). Never used to encrypt while set. Shared by related multi-Region keys.
   */
  pendingRotation?: boolean;
  /**
   * How many times a multi-Region primary deleted this material while it waited for rotation.
   * Shared: a Region whose count is lower deletes its own copy when the primary's sync arrives
   * (AWS deletes such material from every replica), and only once per deletion.
   */
  pendingDeletions?: number;
}

export type ExpirationModel = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';

export interface ImportedMaterial {
  expirationModel: ExpirationModel;
  /** Cluster ms; with KEY_MATERIAL_EXPIRES only. */
  validTo?: number;
  description?: string;
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
  /** Oldest first; the last one is current (for a multi-Region key: see MultiRegionInfo.activeVersion). */
  materials: KeyMaterialVersion[];
  /** Present exactly when `multiRegion`: the key's place among its related multi-Region keys. */
  mrk?: MultiRegionInfo;
}

/**
 * A multi-Region key's view of its family. The primary owns the shared properties and raises
 * `version` whenever they change; a change of primary raises `epoch`. Related keys order what they
 * receive by (epoch, version), so a late or repeated message changes nothing.
 */
export interface MultiRegionInfo {
  role: 'PRIMARY' | 'REPLICA';
  primaryRegion: string;
  epoch: number;
  /**
   * The Region that made this (epoch, primary) claim: the old primary for UpdatePrimaryRegion, the
   * promoted Region for a forced promotion. A handover and a forced promotion to the same Region
   * from the same epoch make the same (epoch, primary); this tells them apart.
   */
  claimBy?: string;
  version: number;
  /** The primary's replicas (on a replica: as the primary last sent them, itself included). */
  replicas: ReplicaInfo[];
  /**
   * The backing-key version every Region encrypts with. A rotation's new material becomes active
   * only once every replica holds it (AWS: no data is encrypted with new material until it is
   * available in the primary and every replica), so every ciphertext decrypts everywhere.
   */
  activeVersion: number;
  /** While Updating (UpdatePrimaryRegion): the state the key returns to. */
  stateBeforeUpdate?: KeyState;
  /** On the old primary during UpdatePrimaryRegion: the Region taking over, until it confirms. */
  handoverTo?: string;
  /**
   * Related Regions this key knows of that its (new) primary does not list, reported to the
   * primary in every answer until it lists them. After a forced promotion the new primary's list
   * may be older than the old primary's: without this, a replica only the old primary knew would
   * be left behind, its primary gone and nobody sending it rotations.
   */
  handBack?: ReplicaRef[];
  /**
   * Primary only: replicas removed because they no longer hold the key, with the life that went.
   * A report of the same or an older life does not bring them back (a newer one does).
   */
  departed?: ReplicaRef[];
}

export interface ReplicaInfo {
  region: string;
  /** CREATING until the primary has heard from the new replica. */
  status: 'CREATING' | 'ACTIVE';
  /** Primary only: what the replica last confirmed. */
  ackedEpoch?: number;
  ackedVersion?: number;
  /** Highest backing-key version the replica holds. */
  ackedMaterial?: number;
  /** The replica's own key state (independent per Region) when it last answered. */
  keyState?: KeyState;
  /** Primary only, while CREATING: the replica's independent properties from ReplicateKey. */
  init?: { description: string; policy: string; tags: Tag[] };
  /** Primary only: why the replica last refused a change. */
  refusal?: string;
  /** Which life of the replica this entry is (see ReplicaListing); sent with every sync. */
  listedAt?: ReplicaListing;
}

/**
 * The primary's claim and version when ReplicateKey listed a replica: tells one life of a replica
 * from the next (deleted, then replicated again). A message about an earlier life changes nothing:
 * a `gone` from it removes no replica, and a late sync from it creates none.
 */
/** A related Region as one Region reports it to another: which Region, and which life of its replica if known. */
export interface ReplicaRef {
  region: string;
  listedAt?: ReplicaListing;
}

export interface ReplicaListing {
  epoch: number;
  primaryRegion: string;
  claimBy?: string;
  version: number;
}

/**
 * A multi-Region key this Region does not hold (its replica was deleted, or a primary listed this
 * Region for a replica it never got): the newest claim to the primary role seen for it, and
 * whether that primary knows. Kept after it is told, so a late message from an older claim cannot
 * bring the replica back.
 */
export interface GoneReplicaRecord {
  accountId: string;
  keyId: string;
  primaryRegion: string;
  epoch: number;
  claimBy?: string;
  /** Which life of the replica was deleted. */
  listedAt?: ReplicaListing;
  /** What the deleted replica still had to report (MultiRegionInfo.handBack): told with the `gone`, so it is not lost with the key. */
  handBack?: ReplicaRef[];
  /** The primary confirmed it no longer lists this Region. */
  told?: boolean;
}

export interface AliasRecord {
  accountId: string;
  aliasName: string;
  targetKeyId: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * The material new ciphertext is made with: the newest one rotated in (imported material waiting
 * for its rotation is not), or for a multi-Region key the active one.
 */
export function currentMaterial(key: KeyRecord): KeyMaterialVersion | undefined {
  if (key.mrk) return key.materials.find((m) => m.version === key.mrk!.activeVersion);
  for (let i = key.materials.length - 1; i >= 0; i--) if (!key.materials[i].pendingRotation) return key.materials[i];
  return undefined;
}
