import { KeyRecord, KeyState, MultiRegionInfo, ReplicaInfo, ReplicaListing } from '../model/key-record';
import { MrkSharedState, SyncPayload } from './replication-port';

/** `mrk-` + 32 lowercase hex: AWS's multi-Region key id. Only such ids ever cross Regions. */
export const MRK_ID = /^mrk-[0-9a-f]{32}$/;

export const isPrimary = (key: KeyRecord): boolean => key.mrk?.role === 'PRIMARY';
export const isReplica = (key: KeyRecord): boolean => key.mrk?.role === 'REPLICA';

/**
 * The newest version this Region holds with all before it (what it reports to the primary):
 * imported material not imported here yet, or deleted, is not held.
 */
export function latestMaterialVersion(key: KeyRecord): number {
  let held = 0;
  for (const m of key.materials) {
    if (m.wrapped === undefined) break;
    held = m.version;
  }
  return held;
}

/** The newest version the primary rotated to (imported material waiting for RotateKeyOnDemand is not). */
const latestRotatedVersion = (key: KeyRecord): number => Math.max(0, ...key.materials.filter((m) => !m.pendingRotation).map((m) => m.version));

/** What the primary shares with its replicas (AWS's shared properties). */
export function sharedStateOf(key: KeyRecord): MrkSharedState {
  return {
    keySpec: key.keySpec,
    keyUsage: key.keyUsage,
    origin: key.origin,
    rotation: { ...key.rotation },
    activeVersion: key.mrk!.activeVersion,
    materials: key.materials.map(({ version, materialId, createdAt, rotationType, pendingRotation, pendingDeletions }) => ({
      version,
      materialId,
      createdAt,
      ...(rotationType ? { rotationType } : {}),
      ...(pendingRotation ? { pendingRotation } : {}),
      ...(pendingDeletions ? { pendingDeletions } : {}),
    })),
  };
}

/** The sync a key's Region sends to `to`: its shared state at its (epoch, version). */
export function syncPayloadFor(key: KeyRecord, to: string): SyncPayload {
  const mrk = key.mrk!;
  const target = mrk.replicas.find((r) => r.region === to);
  return {
    accountId: key.accountId,
    keyId: key.keyId,
    epoch: mrk.epoch,
    ...(mrk.claimBy ? { claimBy: mrk.claimBy } : {}),
    version: mrk.version,
    primaryRegion: mrk.primaryRegion,
    replicas: mrk.replicas.map(({ region, status, listedAt }) => ({ region, status, ...(listedAt ? { listedAt } : {}) })),
    shared: sharedStateOf(key),
    ...(target?.status === 'CREATING' && target.init ? { init: target.init } : {}),
  };
}

export interface PrimaryClaim {
  epoch: number;
  primaryRegion: string;
  claimBy?: string;
}

/**
 * Orders claims to the primary role: the higher epoch wins. Two forced promotions made at once in
 * two Regions reach the same epoch; the Region name then decides, so every Region settles on the
 * same primary instead of refusing each other forever.
 */
export function compareClaims(a: PrimaryClaim, b: PrimaryClaim): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  return compareText(a.primaryRegion, b.primaryRegion) || compareText(a.claimBy ?? '', b.claimBy ?? '');
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Orders lives of a replica (ReplicaListing); an unmarked one comes before every marked one. */
export function compareListings(a: ReplicaListing | undefined, b: ReplicaListing | undefined): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  return compareClaims(a, b) || a.version - b.version;
}

/** True when `replica` has not confirmed the primary's current (epoch, version). */
export const replicaOwed = (mrk: MultiRegionInfo, replica: ReplicaInfo): boolean => replica.ackedEpoch !== mrk.epoch || (replica.ackedVersion ?? 0) < mrk.version;

/** The newest material version a replica confirmed holding under the primary's current epoch (0 if it has not answered this epoch). */
export const heldBy = (mrk: MultiRegionInfo, replica: ReplicaInfo): number => (replica.ackedEpoch === mrk.epoch ? (replica.ackedMaterial ?? 0) : 0);

/** The Regions of a primary's replicas that have not confirmed holding material `version`. */
export const replicasLacking = (mrk: MultiRegionInfo, version: number): string[] => mrk.replicas.filter((r) => heldBy(mrk, r) < version).map((r) => r.region);

/**
 * The active material of a primary: the newest version every replica holds. It never moves back,
 * and a replica still being created does not hold back material the others already use.
 */
export function activeVersionOf(key: KeyRecord): number {
  const mrk = key.mrk!;
  const latest = Math.min(latestRotatedVersion(key), latestMaterialVersion(key));
  const held = mrk.replicas.map((r) => heldBy(mrk, r));
  return Math.max(mrk.activeVersion, Math.min(latest, ...held));
}

/** Everything a replica receives, as one comparable string. */
function sharedSignature(key: KeyRecord): string {
  const mrk = key.mrk!;
  return JSON.stringify([
    key.keySpec,
    key.keyUsage,
    key.origin,
    key.rotation,
    mrk.primaryRegion,
    mrk.activeVersion,
    key.materials.map((m) => [m.materialId, m.pendingRotation === true, m.pendingDeletions ?? 0]),
    mrk.replicas.map((r) => [r.region, r.status, r.init ?? null]),
  ]);
}

/**
 * Applied to every key write: for a multi-Region primary, moves the active material forward and
 * raises the version when what replicas receive changed (unless the applier set a new epoch or
 * version itself). Everything else passes unchanged.
 */
export function withMrkVersion(prev: KeyRecord | undefined, next: KeyRecord): KeyRecord {
  if (next.mrk?.role !== 'PRIMARY') return next;
  const activeVersion = activeVersionOf(next);
  let out = activeVersion === next.mrk.activeVersion ? next : { ...next, mrk: { ...next.mrk, activeVersion } };
  const p = prev?.mrk;
  if (p?.role === 'PRIMARY' && p.epoch === out.mrk!.epoch && p.version === out.mrk!.version && sharedSignature(prev!) !== sharedSignature(out)) {
    out = { ...out, mrk: { ...out.mrk!, version: out.mrk!.version + 1 } };
  }
  return out;
}

/** The state a key returns to when Updating ends. */
export function afterUpdating(key: KeyRecord): KeyState {
  return key.state === 'Updating' ? (key.mrk?.stateBeforeUpdate ?? 'Enabled') : key.state;
}

/** The key with Updating over: its earlier state back and the handover forgotten. */
export function endUpdating(key: KeyRecord): KeyRecord {
  const { stateBeforeUpdate: _s, handoverTo: _h, ...mrk } = key.mrk!;
  return { ...key, state: afterUpdating(key), mrk };
}
