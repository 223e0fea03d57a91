import type {
  AckPayload,
  GonePayload,
  GoneReply,
  KeyState,
  KeyUsage,
  MrkMaterialInfo,
  MrkReplicaEntry,
  MrkSharedState,
  Origin,
  ReplicaListing,
  ReplicaRef,
  SyncPayload,
  Tag,
} from '@trent/kms';
import { REGION_PATTERN } from './region-keys';

/**
 * Shape checks for what arrives from another Region, run after the signature verified and before
 * anything reaches the host. Each parser returns a fresh object holding only the contract's fields
 * (an unknown field never reaches the Region's log) or the path of the first bad field.
 * Error texts name fields, never values.
 */

/** Invariant (architecture, "Multi-Region keys"): only `mrk-` keys ever cross a Region boundary. */
export const MRK_KEY_ID = /^mrk-[0-9a-f]{32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const MATERIAL_ID = /^[0-9a-f]{64}$/;

// Tables typed against the contract's unions: adding a member there fails compilation here.
const KEY_STATES: Record<KeyState, true> = {
  Creating: true,
  Enabled: true,
  Disabled: true,
  PendingDeletion: true,
  PendingImport: true,
  PendingReplicaDeletion: true,
  Unavailable: true,
  Updating: true,
};
const KEY_USAGES: Record<KeyUsage, true> = { ENCRYPT_DECRYPT: true, SIGN_VERIFY: true, GENERATE_VERIFY_MAC: true, KEY_AGREEMENT: true };
const ORIGINS: Record<Origin, true> = { AWS_KMS: true, EXTERNAL: true, AWS_CLOUDHSM: true, EXTERNAL_KEY_STORE: true };
const OUTCOMES: Record<AckPayload['outcome'], true> = { applied: true, duplicate: true, stale: true, gone: true, refused: true };
const REPLICA_STATUSES: Record<MrkReplicaEntry['status'], true> = { CREATING: true, ACTIVE: true };
const ROTATION_TYPES: Record<NonNullable<MrkMaterialInfo['rotationType']>, true> = { AUTOMATIC: true, ON_DEMAND: true };

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export const parseSyncPayload = (v: unknown): Parsed<SyncPayload> => attempt(() => syncPayload(v, 'body'));
export const parseAckPayload = (v: unknown): Parsed<AckPayload> => attempt(() => ackPayload(v, 'body'));
export const parseGonePayload = (v: unknown): Parsed<GonePayload> => attempt(() => gonePayload(v, 'body'));
export const parseGoneReply = (v: unknown): Parsed<GoneReply> => attempt(() => goneReply(v, 'body'));

class ShapeError extends Error {}

function attempt<T>(parse: () => T): Parsed<T> {
  try {
    return { ok: true, value: parse() };
  } catch (err) {
    if (err instanceof ShapeError) return { ok: false, reason: err.message };
    throw err;
  }
}

function syncPayload(v: unknown, at: string): SyncPayload {
  const o = object(v, at);
  const out: SyncPayload = {
    ...keyRef(o, at),
    epoch: count(o.epoch, `${at}.epoch`),
    version: count(o.version, `${at}.version`),
    primaryRegion: region(o.primaryRegion, `${at}.primaryRegion`),
    replicas: list(o.replicas, `${at}.replicas`, 64, (r, p) => {
      const e = object(r, p);
      const entry: MrkReplicaEntry = { region: region(e.region, `${p}.region`), status: member(e.status, REPLICA_STATUSES, `${p}.status`) };
      if (e.listedAt !== undefined) entry.listedAt = listing(e.listedAt, `${p}.listedAt`);
      return entry;
    }),
    shared: sharedState(o.shared, `${at}.shared`),
  };
  if (o.claimBy !== undefined) out.claimBy = region(o.claimBy, `${at}.claimBy`);
  if (o.init !== undefined) {
    const i = object(o.init, `${at}.init`);
    out.init = {
      description: text(i.description, `${at}.init.description`, 8192, true),
      policy: text(i.policy, `${at}.init.policy`, 131072, true), // the model's PolicyType limit, which ReplicateKey accepts
      tags: list(i.tags, `${at}.init.tags`, 50, (t, p): Tag => {
        const e = object(t, p);
        return { TagKey: text(e.TagKey, `${p}.TagKey`, 128), TagValue: text(e.TagValue, `${p}.TagValue`, 256, true) };
      }),
    };
  }
  return out;
}

function sharedState(v: unknown, at: string): MrkSharedState {
  const o = object(v, at);
  const r = object(o.rotation, `${at}.rotation`);
  const rotation: MrkSharedState['rotation'] = {
    enabled: bool(r.enabled, `${at}.rotation.enabled`),
    onDemandCount: count(r.onDemandCount, `${at}.rotation.onDemandCount`),
  };
  if (r.periodDays !== undefined) rotation.periodDays = count(r.periodDays, `${at}.rotation.periodDays`);
  if (r.nextRotationAt !== undefined) rotation.nextRotationAt = count(r.nextRotationAt, `${at}.rotation.nextRotationAt`);
  if (r.onDemandStartedAt !== undefined) rotation.onDemandStartedAt = count(r.onDemandStartedAt, `${at}.rotation.onDemandStartedAt`);
  const shared: MrkSharedState = {
    keySpec: text(o.keySpec, `${at}.keySpec`, 64),
    keyUsage: member(o.keyUsage, KEY_USAGES, `${at}.keyUsage`),
    origin: member(o.origin, ORIGINS, `${at}.origin`),
    rotation,
    activeVersion: count(o.activeVersion, `${at}.activeVersion`),
    materials: list(o.materials, `${at}.materials`, 10_000, (m, p) => {
      const e = object(m, p);
      const info: MrkMaterialInfo = {
        version: count(e.version, `${p}.version`),
        materialId: pattern(e.materialId, MATERIAL_ID, `${p}.materialId`, '64 lowercase hex digits'),
        createdAt: count(e.createdAt, `${p}.createdAt`),
      };
      if (e.rotationType !== undefined) info.rotationType = member(e.rotationType, ROTATION_TYPES, `${p}.rotationType`);
      if (e.pendingRotation !== undefined && bool(e.pendingRotation, `${p}.pendingRotation`)) info.pendingRotation = true;
      if (e.pendingDeletions !== undefined) {
        const deletions = count(e.pendingDeletions, `${p}.pendingDeletions`);
        if (deletions > 0) info.pendingDeletions = deletions;
      }
      return info;
    }),
  };
  // Versions are 1..n in order and the active one is among them; anything else would corrupt the
  // replica (a gap makes the next rotation reuse a version; a missing active one stops Encrypt).
  shared.materials.forEach((m, i) => {
    if (m.version !== i + 1) throw new ShapeError(`${at}.materials[${i}].version: expected ${i + 1}`);
  });
  if (shared.activeVersion < 1 || shared.activeVersion > shared.materials.length) throw new ShapeError(`${at}.activeVersion: not one of the materials`);
  return shared;
}

function ackPayload(v: unknown, at: string): AckPayload {
  const o = object(v, at);
  const out: AckPayload = {
    ...keyRef(o, at),
    epoch: count(o.epoch, `${at}.epoch`),
    version: count(o.version, `${at}.version`),
    outcome: member(o.outcome, OUTCOMES, `${at}.outcome`),
  };
  if (o.keyState !== undefined) out.keyState = member(o.keyState, KEY_STATES, `${at}.keyState`);
  if (o.primaryRegion !== undefined) out.primaryRegion = region(o.primaryRegion, `${at}.primaryRegion`);
  if (o.message !== undefined) out.message = text(o.message, `${at}.message`, 1024, true);
  if (o.claimBy !== undefined) out.claimBy = region(o.claimBy, `${at}.claimBy`);
  if (o.latestMaterial !== undefined) out.latestMaterial = count(o.latestMaterial, `${at}.latestMaterial`);
  if (o.listedAt !== undefined) out.listedAt = listing(o.listedAt, `${at}.listedAt`);
  if (o.knownReplicas !== undefined) out.knownReplicas = replicaRefs(o.knownReplicas, `${at}.knownReplicas`);
  return out;
}

function gonePayload(v: unknown, at: string): GonePayload {
  const o = object(v, at);
  const out: GonePayload = { ...keyRef(o, at), epoch: count(o.epoch, `${at}.epoch`) };
  if (o.listedAt !== undefined) out.listedAt = listing(o.listedAt, `${at}.listedAt`);
  if (o.knownReplicas !== undefined) out.knownReplicas = replicaRefs(o.knownReplicas, `${at}.knownReplicas`);
  return out;
}

function goneReply(v: unknown, at: string): GoneReply {
  const o = object(v, at);
  return { ...keyRef(o, at), removed: bool(o.removed, `${at}.removed`) };
}

function replicaRefs(v: unknown, at: string): ReplicaRef[] {
  return list(v, at, 32, (r, p): ReplicaRef => {
    const e = object(r, p);
    const ref: ReplicaRef = { region: region(e.region, `${p}.region`) };
    if (e.listedAt !== undefined) ref.listedAt = listing(e.listedAt, `${p}.listedAt`);
    return ref;
  });
}

function listing(v: unknown, at: string): ReplicaListing {
  const o = object(v, at);
  const out: ReplicaListing = { epoch: count(o.epoch, `${at}.epoch`), primaryRegion: region(o.primaryRegion, `${at}.primaryRegion`), version: count(o.version, `${at}.version`) };
  if (o.claimBy !== undefined) out.claimBy = region(o.claimBy, `${at}.claimBy`);
  return out;
}

function keyRef(o: Record<string, unknown>, at: string): { accountId: string; keyId: string } {
  return {
    accountId: pattern(o.accountId, ACCOUNT_ID, `${at}.accountId`, 'a 12-digit account id'),
    keyId: pattern(o.keyId, MRK_KEY_ID, `${at}.keyId`, 'a multi-Region key id (mrk- and 32 hex digits)'),
  };
}

function object(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ShapeError(`${at}: expected an object`);
  return v as Record<string, unknown>;
}

function list<T>(v: unknown, at: string, max: number, item: (v: unknown, at: string) => T): T[] {
  if (!Array.isArray(v)) throw new ShapeError(`${at}: expected an array`);
  if (v.length > max) throw new ShapeError(`${at}: more than ${max} items`);
  return v.map((x, i) => item(x, `${at}[${i}]`));
}

function count(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ShapeError(`${at}: expected a non-negative integer`);
  return v;
}

function bool(v: unknown, at: string): boolean {
  if (typeof v !== 'boolean') throw new ShapeError(`${at}: expected a boolean`);
  return v;
}

function text(v: unknown, at: string, max: number, emptyOk = false): string {
  if (typeof v !== 'string' || v.length > max || (!emptyOk && v.length === 0)) {
    throw new ShapeError(`${at}: expected a string of ${emptyOk ? 0 : 1} to ${max} characters`);
  }
  return v;
}

function pattern(v: unknown, re: RegExp, at: string, what: string): string {
  if (typeof v !== 'string' || !re.test(v)) throw new ShapeError(`${at}: expected ${what}`);
  return v;
}

function region(v: unknown, at: string): string {
  return pattern(v, REGION_PATTERN, at, 'a Region name');
}

function member<K extends string>(v: unknown, table: Record<K, true>, at: string): K {
  if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(table, v)) throw new ShapeError(`${at}: expected one of ${Object.keys(table).join(', ')}`);
  return v as K;
}
