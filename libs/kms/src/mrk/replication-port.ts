import type { KeyState, KeyUsage, Origin, ReplicaListing, ReplicaRef, Tag } from '../model/key-record';

/**
 * The seam between a Region's KMS and the replicator that carries multi-Region (`mrk-`) keys
 * between Regions. The KMS side owns every decision (what is owed to whom, what a received
 * message changes) and keeps it in the replicated state, so whatever is still owed survives a
 * leader change or a crash: it is recomputed from the state by `pending()`. The replicator owns
 * the wire: NATS, sealing key material to the destination, signing, verifying, retrying.
 *
 * Nothing about a key whose id does not start with `mrk-` ever crosses this seam.
 */

/** One backing-key version of a multi-Region key, without its material. */
export interface MrkMaterialInfo {
  version: number;
  /** AWS's KeyMaterialId (64 hex); the same in every Region. */
  materialId: string;
  createdAt: number;
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
  /** Imported material waiting for RotateKeyOnDemand on the primary (KeyMaterialVersion.pendingRotation). */
  pendingRotation?: boolean;
  /** KeyMaterialVersion.pendingDeletions: replicas holding fewer delete their copy. */
  pendingDeletions?: number;
}

/** The properties AWS shares among related multi-Region keys, as the primary sends them. */
export interface MrkSharedState {
  keySpec: string;
  keyUsage: KeyUsage;
  origin: Origin;
  rotation: { enabled: boolean; periodDays?: number; nextRotationAt?: number; onDemandCount: number; onDemandStartedAt?: number };
  /** The version every Region encrypts with; newer versions are still on their way to some replica. */
  activeVersion: number;
  /** Oldest first; carries every version (a new replica receives all earlier material too). */
  materials: MrkMaterialInfo[];
}

export interface MrkReplicaEntry {
  region: string;
  /** CREATING until the primary has heard from the new replica; then ACTIVE. */
  status: 'CREATING' | 'ACTIVE';
  /** Which life of the replica (absent for replicas a primary took over without a ReplicateKey of its own). */
  listedAt?: ReplicaListing;
}

/**
 * The whole shared state of one key at one (epoch, version), sent by the key's primary Region (or,
 * for a handover, by the old primary to the new one). Applying it is idempotent: a destination
 * ignores anything not newer than what it holds.
 */
export interface SyncPayload {
  accountId: string;
  keyId: string;
  /** Raised by every change of primary (UpdatePrimaryRegion, forced promotion). */
  epoch: number;
  /** The Region that made this (epoch, primary) claim (see MultiRegionInfo.claimBy). */
  claimBy?: string;
  /** Raised by every change the primary makes to what it sends, within an epoch. */
  version: number;
  primaryRegion: string;
  replicas: MrkReplicaEntry[];
  shared: MrkSharedState;
  /** Independent properties of a replica still being created (present only while the destination's entry is CREATING). */
  init?: { description: string; policy: string; tags: Tag[] };
}

/** Plaintext backing keys travelling with a sync; exist only in memory, sealed to the destination on the wire. */
export interface PlainMaterial {
  version: number;
  plaintext: Buffer;
}

/** What the destination of a sync answers, after its Region committed the change. */
export interface AckPayload {
  accountId: string;
  keyId: string;
  /** What the destination holds now. */
  epoch: number;
  version: number;
  /**
   * applied: committed now; duplicate: already held; stale: the destination holds a newer epoch
   * (the sender is no longer primary); gone: the destination has no such key and was not asked to
   * create it; refused: the destination cannot take the change (see message).
   */
  outcome: 'applied' | 'duplicate' | 'stale' | 'gone' | 'refused';
  /** The destination key's own state (independent per Region), when it has the key. */
  keyState?: KeyState;
  /** The Region the destination believes is primary, and who made that claim (for stale answers). */
  primaryRegion?: string;
  claimBy?: string;
  /** Highest backing-key version the destination holds (the primary activates new material once every replica has it). */
  latestMaterial?: number;
  /** Related Regions the destination knows of that the sender did not list (see MultiRegionInfo.handBack). */
  knownReplicas?: ReplicaRef[];
  /** With `gone`: the life of the replica the answered sync named (ReplicaListing). */
  listedAt?: ReplicaListing;
  message?: string;
}

/** A replica told its primary that it was deleted (sent until the primary confirms). */
export interface GonePayload {
  accountId: string;
  keyId: string;
  epoch: number;
  /** Which life of the replica was deleted: a primary that listed the Region anew since (ReplicateKey again) ignores it. */
  listedAt?: ReplicaListing;
  /** Related Regions the deleted replica knew of and the primary did not list (MultiRegionInfo.handBack). */
  knownReplicas?: ReplicaRef[];
}

export interface GoneReply {
  accountId: string;
  keyId: string;
  /** True once the primary no longer lists the sender as a replica. */
  removed: boolean;
}

/** One thing this Region owes another, derived from its replicated state. */
export type OutboxItem =
  | { kind: 'sync'; to: string; accountId: string; keyId: string; epoch: number; version: number }
  | { kind: 'gone'; to: string; accountId: string; keyId: string; epoch: number; listedAt?: ReplicaListing; knownReplicas?: ReplicaRef[] };

/** A sync ready to seal and send. */
export interface SyncOut {
  payload: SyncPayload;
  material: PlainMaterial[];
}

/** The KMS of one Region as the replicator uses it (implemented in libs/kms, by the node's log owner). */
export interface ReplicationHost {
  readonly region: string;
  /** Only the Region's leader sends; every node may receive (its writes go through the leader). */
  isLeader(): boolean;
  /** Everything this Region still owes other Regions. Cheap; called after every change and on a timer. */
  pending(): OutboxItem[];
  /**
   * The sync for one item with its material unwrapped, or undefined when it is no longer owed.
   * The plaintext buffers are copies: the replicator zeroes them once sealed.
   */
  buildSync(item: Extract<OutboxItem, { kind: 'sync' }>): SyncOut | undefined;
  /**
   * Applies a verified sync through the Region's log; resolves after commit with the answer to
   * send back. The host keeps no reference to `material`: the replicator zeroes it afterwards.
   */
  receiveSync(from: string, payload: SyncPayload, material: PlainMaterial[]): Promise<AckPayload>;
  /** Records a destination's answer (through the log when it changes anything). */
  receiveAck(from: string, ack: AckPayload): Promise<void>;
  /** A replica in `from` was deleted: the primary stops listing it (through the log). */
  receiveGone(from: string, gone: GonePayload): Promise<GoneReply>;
  /** The primary confirmed a `gone`: this Region stops owing it (through the log). */
  receiveGoneReply(from: string, reply: GoneReply): Promise<void>;
  /** `listener` runs after entries are applied (what `pending()` returns may have changed). */
  onChange(listener: () => void): void;
}
