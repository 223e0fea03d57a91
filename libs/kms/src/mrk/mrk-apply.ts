import { Errors } from '../errors/kms-errors';
import { keyArn } from '../model/arn';
import { defaultKeyPolicy } from '../model/default-policy';
import { KeyMaterialVersion, KeyRecord, MultiRegionInfo, ReplicaInfo, ReplicaListing, ReplicaRef } from '../model/key-record';
import { hasAllMaterial, materialsInUse, stateAfterMaterialChange } from '../operations/shared/imported';
import { DAY_MS } from '../operations/shared/operation';
import { Applier } from '../state/kms-state-machine';
import { StateWriter } from '../state/kms-state';
import { afterUpdating, compareClaims, compareListings, endUpdating, isPrimary, latestMaterialVersion } from './mrk-model';
import { AckPayload, SyncPayload } from './replication-port';

/*
 * The appliers of what the replicator delivers. Like every applier they are deterministic: the
 * proposer unsealed the material and wrapped it with this Region's domain key. Here the order of
 * claims to the primary role (epoch, primary Region, who made the claim), then the version within
 * a claim, decide what a message changes; a repeated or late one changes nothing. Lives of a
 * replica (ReplicaListing) keep messages about a deleted replica from touching a new one.
 */

/** A sync from another Region: create the replica, update shared properties, or move the primary. */
export const applyMrkSync: Applier<'MrkSync'> = (w, cmd, ctx): AckPayload => {
  const { from, payload, materials } = cmd.body;
  const me = ctx.region;
  const local = w.state.key(payload.accountId, payload.keyId);
  const answer = (outcome: AckPayload['outcome'], key: KeyRecord | undefined, message?: string): AckPayload => ({
    accountId: payload.accountId,
    keyId: payload.keyId,
    epoch: key?.mrk?.epoch ?? 0,
    version: key?.mrk?.version ?? 0,
    outcome,
    ...(key ? { keyState: key.state, latestMaterial: latestMaterialVersion(key), primaryRegion: key.mrk?.primaryRegion } : {}),
    ...(key?.mrk?.claimBy ? { claimBy: key.mrk.claimBy } : {}),
    ...(key?.mrk?.handBack?.length && (outcome === 'applied' || outcome === 'duplicate') ? { knownReplicas: key.mrk.handBack } : {}),
    ...(message ? { message } : {}),
  });

  // Only the primary sends syncs, except the old primary handing the role to this Region.
  if (payload.primaryRegion !== from && payload.primaryRegion !== me) return answer('refused', local, `${from} is not the primary Region of ${payload.keyId}`);
  const entry = payload.replicas.find((r) => r.region === me);

  if (!local) {
    const tomb = w.state.goneReplica(payload.accountId, payload.keyId);
    if (tomb && compareClaims(payload, tomb) < 0) return { ...answer('stale', undefined), epoch: tomb.epoch, primaryRegion: tomb.primaryRegion, ...(tomb.claimBy ? { claimBy: tomb.claimBy } : {}) };
    // A sync about the life of the replica that was deleted here (late, repeated, or sent before
    // the primary heard of the deletion) must not bring it back: only a new ReplicateKey may.
    const replayed = tomb !== undefined && compareListings(entry?.listedAt, tomb.listedAt) <= 0 && tomb.listedAt !== undefined;
    if (payload.primaryRegion === me || entry?.status !== 'CREATING' || replayed) {
      // Remember the newest claim answered, so an older one arriving late cannot create the key.
      // Not a handover to this Region: refused here, that claim never takes effect anywhere.
      // The newest claim, and the newest life of the replica answered 'gone' (never forgotten: the
      // primary drops that life on this answer, so a late message of it must not create it here).
      const newerClaim = !tomb || compareClaims(payload, tomb) > 0;
      const newerLife = compareListings(entry?.listedAt, tomb?.listedAt) > 0;
      if (payload.primaryRegion !== me && (newerClaim || newerLife)) {
        const claim = newerClaim ? { primaryRegion: payload.primaryRegion, epoch: payload.epoch, ...(payload.claimBy ? { claimBy: payload.claimBy } : {}) } : { primaryRegion: tomb!.primaryRegion, epoch: tomb!.epoch, ...(tomb!.claimBy ? { claimBy: tomb!.claimBy } : {}) };
        const listedAt = newerLife ? entry?.listedAt : tomb?.listedAt;
        w.putGoneReplica({ accountId: payload.accountId, keyId: payload.keyId, ...claim, ...(listedAt ? { listedAt } : {}), told: true });
      }
      // It names the life of the replica the sync was about, so the primary can tell it from one listed since.
      return { ...answer('gone', undefined), ...(entry?.listedAt ? { listedAt: entry.listedAt } : {}) };
    }
    const built = sharedMaterials(payload, undefined, materials);
    if (!built) return answer('refused', undefined, 'key material missing from the sync');
    // A primary promoted by force may not know what ReplicateKey asked for: AWS's defaults then.
    const init = payload.init ?? { description: '', policy: defaultKeyPolicy(payload.accountId), tags: [] };
    const created: KeyRecord = {
      accountId: payload.accountId,
      keyId: payload.keyId,
      createdAt: cmd.now,
      description: init.description,
      keyUsage: payload.shared.keyUsage,
      keySpec: payload.shared.keySpec,
      origin: payload.shared.origin,
      multiRegion: true,
      state: 'Creating',
      policy: init.policy,
      tags: init.tags,
      rotation: { ...payload.shared.rotation },
      materials: built,
      mrk: replicaInfo(payload),
    };
    w.deleteGoneReplica(payload.accountId, payload.keyId);
    w.putKey(created);
    return answer('applied', created);
  }
  if (!local.mrk) return answer('refused', local, `${payload.keyId} is not a multi-Region key in ${me}`);
  const order = compareClaims(payload, local.mrk);
  if (order < 0) {
    // A primary under an older claim: it steps down on this answer, and must then hear from the
    // newer primary, which may not list it. This Region makes it known: a primary lists it, a
    // replica reports it (handBack). Its old claim marks which life of it this is.
    if (payload.primaryRegion === from) {
      const ref: ReplicaRef = { region: from, listedAt: { epoch: payload.epoch, primaryRegion: from, ...(payload.claimBy ? { claimBy: payload.claimBy } : {}), version: payload.version } };
      const mrk = local.mrk;
      if (mrk.role === 'PRIMARY') {
        const adopted = adoptable(mrk, [ref], me);
        if (adopted.length > 0) w.putKey({ ...local, mrk: { ...mrk, replicas: [...mrk.replicas, ...adopted.map(asActiveReplica)] } });
      } else if (from !== mrk.primaryRegion && !mrk.replicas.some((r) => r.region === from)) {
        w.putKey({ ...local, mrk: { ...mrk, handBack: newestPerRegion([...(mrk.handBack ?? []), ref]) } });
      }
    }
    return answer('stale', w.state.key(local.accountId, local.keyId));
  }
  if (order === 0 && payload.version <= local.mrk.version) {
    // A handover that names this Region under the claim it already holds (it was promoted by force
    // meanwhile): the sender's replica list may know Regions this one does not.
    if (payload.primaryRegion === me && local.mrk.role === 'PRIMARY') {
      const adopted = adoptable(local.mrk, payload.replicas.map(refOf), me);
      if (adopted.length > 0) w.putKey({ ...local, mrk: { ...local.mrk, replicas: [...local.mrk.replicas, ...adopted.map(asActiveReplica)] } });
    }
    return answer('duplicate', w.state.key(local.accountId, local.keyId));
  }

  const toMe = payload.primaryRegion === me;
  if (toMe && local.mrk.role === 'REPLICA') {
    // UpdatePrimaryRegion: AWS requires both keys Enabled when it starts.
    const arn = keyArn(me, local.accountId, local.keyId);
    if (local.state === 'Disabled') return answer('refused', local, Errors.disabled(arn).message);
    if (local.state !== 'Enabled') return answer('refused', local, `${arn} is ${local.state}; the new primary key must be Enabled.`);
  }
  const built = sharedMaterials(payload, local, materials);
  if (!built) return answer('refused', local, 'key material missing from the sync');
  if (toMe && local.mrk.role === 'REPLICA') {
    // A new primary of imported material must hold every version in use (it was Enabled for the
    // versions it knew; the handover may carry a newer active one).
    const missing = materialsInUse({ materials: built, mrk: { ...local.mrk, activeVersion: payload.shared.activeVersion } }).find((m) => m.wrapped === undefined);
    if (missing) return answer('refused', local, `${keyArn(me, local.accountId, local.keyId)} has not imported key material ${missing.materialId}; the new primary key must hold it.`);
  }

  let next: KeyRecord = {
    ...local,
    keyUsage: payload.shared.keyUsage,
    keySpec: payload.shared.keySpec,
    origin: payload.shared.origin,
    rotation: { ...payload.shared.rotation },
    materials: built,
  };
  if (toMe) {
    // This Region takes over as primary; Updating until the old primary confirms the new epoch.
    const becoming = local.mrk.role === 'REPLICA';
    const listed = payload.replicas.filter((r) => r.region !== me).map(({ region, status, listedAt }) => ({ region, status, ...(listedAt ? { listedAt } : {}) }));
    // Replicas only this Region knew of (as primary under the claim it gives up, or reported to
    // it) stay replicas under the new claim.
    const carried = [
      ...(becoming ? [] : local.mrk.replicas.map(({ region, status, init, listedAt }) => ({ region, status, ...(init ? { init } : {}), ...(listedAt ? { listedAt } : {}) }))),
      ...(local.mrk.handBack ?? []).map(({ region, listedAt }) => ({ region, status: 'ACTIVE' as const, ...(listedAt ? { listedAt } : {}) })),
    ].filter((r, i, all) => r.region !== me && r.region !== from && !listed.some((x) => x.region === r.region) && all.findIndex((x) => x.region === r.region) === i);
    next = {
      ...next,
      state: becoming ? 'Updating' : local.state,
      mrk: {
        role: 'PRIMARY',
        primaryRegion: me,
        epoch: payload.epoch,
        ...(payload.claimBy ? { claimBy: payload.claimBy } : {}),
        version: payload.version + 1,
        replicas: [...listed, ...carried],
        activeVersion: payload.shared.activeVersion,
        ...(becoming || local.state === 'Updating' ? { stateBeforeUpdate: afterUpdating(local) } : {}),
      },
    };
  } else {
    const demoted = local.mrk.role === 'PRIMARY';
    // Under a new claim, every related Region this key knew of and the new primary does not list
    // is reported back until listed (MultiRegionInfo.handBack).
    const known: ReplicaRef[] = order > 0 ? [...local.mrk.replicas.map(refOf), { region: local.mrk.primaryRegion }] : [];
    const handBack = unlisted([...(local.mrk.handBack ?? []), ...known], payload, me);
    next = { ...endUpdating(next), mrk: { ...replicaInfo(payload), ...(handBack.length > 0 ? { handBack } : {}) } };
    if (local.state === 'Creating' && entry?.status === 'ACTIVE') next.state = next.origin === 'EXTERNAL' && !hasAllMaterial(next) ? 'PendingImport' : 'Enabled';
    else if (next.origin === 'EXTERNAL') next.state = stateAfterMaterialChange(next, next.state);
    // A returning old primary that was waiting for its replicas to go stays waiting as a replica would: for its own window.
    if (demoted && local.state === 'PendingReplicaDeletion') next = { ...next, state: 'PendingDeletion', deletionDate: cmd.now + (local.pendingWindowDays ?? 30) * DAY_MS };
  }
  w.putKey(next);
  return answer('applied', w.state.key(local.accountId, local.keyId));
};

/** A destination's answer to a sync this Region sent. */
export const applyMrkAck: Applier<'MrkAck'> = (w, cmd, ctx) => {
  const { from, ack } = cmd.body;
  const key = w.state.key(ack.accountId, ack.keyId);
  const next = key && afterAck(key, from, ack, cmd.now, ctx.region);
  if (next && next !== key) w.putKey(next);
  return { changed: next !== undefined && next !== key };
};

/**
 * What an answer from `from` changes about `key` (the same object when nothing): the handover of
 * UpdatePrimaryRegion completes or is undone; a replica's confirmation is recorded (a new one
 * becomes ACTIVE); a replica that is gone leaves the list; a newer epoch demotes this Region.
 */
export function afterAck(key: KeyRecord, from: string, ack: AckPayload, now: number, me: string): KeyRecord {
  const mrk = key.mrk;
  if (!mrk) return key;
  if (mrk.handoverTo === from) {
    if ((ack.outcome === 'applied' || ack.outcome === 'duplicate') && ack.epoch >= mrk.epoch) return endUpdating(key);
    if (ack.outcome === 'refused' || ack.outcome === 'gone') {
      // The Region could not take over: this Region stays primary, under a claim newer than the
      // handover's. Regions that heard of the handover's claim (this Region answers 'stale' with it
      // while handing over) may have stepped down to it; nobody holds it, so a newer one must win.
      const back: ReplicaInfo[] = ack.outcome === 'gone' ? [] : [{ region: from, status: 'ACTIVE', ...(ack.keyState ? { keyState: ack.keyState } : {}), ...(ack.message ? { refusal: ack.message } : {}) }];
      const restored = endUpdating(key);
      return {
        ...restored,
        mrk: { ...restored.mrk!, role: 'PRIMARY', primaryRegion: me, epoch: mrk.epoch + 1, claimBy: me, version: 1, replicas: [...back, ...mrk.replicas.filter((r) => r.region !== me)] },
      };
    }
  }
  const ackClaim = { epoch: ack.epoch, primaryRegion: ack.primaryRegion ?? from, claimBy: ack.claimBy };
  if (ack.outcome === 'stale' && compareClaims(ackClaim, mrk) > 0) {
    // A claim naming this Region is a handover to it still on its way: it stays primary meanwhile.
    if (mrk.role !== 'PRIMARY' || ackClaim.primaryRegion === me) return key;
    // Another Region became primary while this one was away (forced promotion): step down; its
    // sync brings the rest. Version 0: whatever the new primary sends is newer than this Region's
    // own numbering, which meant nothing under the other claim.
    const stepped = endUpdating(key);
    const winner = ack.primaryRegion ?? from;
    const handBack = newestPerRegion([...(mrk.handBack ?? []), ...mrk.replicas.map(refOf)]).filter((r) => r.region !== me && r.region !== winner);
    const { departed: _d, claimBy: _c, ...rest } = stepped.mrk!;
    // A primary waiting for its replicas to go waits no more: as a replica, its own window runs.
    const state = stepped.state === 'PendingReplicaDeletion' ? { state: 'PendingDeletion' as const, deletionDate: now + (key.pendingWindowDays ?? 30) * DAY_MS } : {};
    // The winner's claim with version 0: whatever it sends next is newer.
    return { ...stepped, ...state, mrk: { ...rest, role: 'REPLICA', primaryRegion: winner, epoch: ack.epoch, ...(ack.claimBy ? { claimBy: ack.claimBy } : {}), version: 0, ...(handBack.length > 0 ? { handBack } : {}) } };
  }
  if (mrk.role !== 'PRIMARY') return key;
  const replica = mrk.replicas.find((r) => r.region === from);
  if (!replica) return key;
  if (ack.outcome === 'gone') return compareListings(ack.listedAt, replica.listedAt) >= 0 ? withoutReplica(key, from, now) : key;
  if (ack.outcome === 'refused') {
    return replica.refusal === ack.message ? key : withReplica(key, { ...replica, refusal: ack.message ?? 'refused' });
  }
  if (ack.outcome === 'stale' || (ack.primaryRegion !== undefined && compareClaims(ackClaim, mrk) !== 0) || ack.epoch !== mrk.epoch) return key;
  const adopted = adoptable(mrk, ack.knownReplicas ?? [], me);
  const { init: _i, refusal: _r, ...rest } = replica;
  const updated: ReplicaInfo = {
    ...rest,
    status: 'ACTIVE',
    ackedEpoch: ack.epoch,
    ackedVersion: Math.max(replica.ackedEpoch === ack.epoch ? (replica.ackedVersion ?? 0) : 0, ack.version),
    ...(ack.latestMaterial !== undefined ? { ackedMaterial: ack.latestMaterial } : {}),
    ...(ack.keyState ? { keyState: ack.keyState } : {}),
  };
  if (JSON.stringify(updated) === JSON.stringify(replica) && key.state !== 'Updating' && adopted.length === 0) return key;
  let next = withReplica(key, updated);
  // Replicas another Region knew of and this primary did not: they get its syncs from now on.
  if (adopted.length > 0) next = { ...next, mrk: { ...next.mrk!, replicas: [...next.mrk!.replicas, ...adopted.map(asActiveReplica)] } };
  // A new primary leaves Updating once a replica confirmed its epoch.
  return key.state === 'Updating' ? endUpdating(next) : next;
}

function withReplica(key: KeyRecord, replica: ReplicaInfo): KeyRecord {
  return { ...key, mrk: { ...key.mrk!, replicas: key.mrk!.replicas.map((r) => (r.region === replica.region ? replica : r)) } };
}

/** The primary stops listing a replica; the last one gone starts a PendingReplicaDeletion primary's waiting period. */
function withoutReplica(key: KeyRecord, region: string, now: number): KeyRecord {
  const removed = key.mrk!.replicas.find((r) => r.region === region);
  const replicas = key.mrk!.replicas.filter((r) => r.region !== region);
  const departed = newestPerRegion([...(key.mrk!.departed ?? []), ...(removed ? [refOf(removed)] : [])]);
  const next: KeyRecord = { ...key, mrk: { ...key.mrk!, replicas, departed } };
  // A new primary waits for a replica to confirm its epoch; with none left there is nobody to wait for.
  if (key.state === 'Updating' && replicas.length === 0) return endUpdating(next);
  if (key.state === 'PendingReplicaDeletion' && replicas.length === 0) {
    return { ...next, state: 'PendingDeletion', deletionDate: now + (key.pendingWindowDays ?? 30) * DAY_MS };
  }
  return next;
}

/** A replica in `from` was deleted. Answered `removed` whether or not this Region listed it: nothing here lists it afterwards. */
export const applyMrkGone: Applier<'MrkGone'> = (w, cmd, ctx) => {
  const { from, gone } = cmd.body;
  const key = w.state.key(gone.accountId, gone.keyId);
  if (!key || !isPrimary(key)) return { accountId: gone.accountId, keyId: gone.keyId, removed: true };
  const replica = key.mrk!.replicas.find((r) => r.region === from);
  // A `gone` about an earlier life of the replica (deleted, replicated again since) removes nothing.
  let next = replica && compareListings(gone.listedAt, replica.listedAt) >= 0 ? withoutReplica(key, from, cmd.now) : key;
  // What the deleted replica knew of and this primary did not, it hands over now.
  const adopted = adoptable(next.mrk!, gone.knownReplicas ?? [], ctx.region);
  if (adopted.length > 0) next = { ...next, mrk: { ...next.mrk!, replicas: [...next.mrk!.replicas, ...adopted.map(asActiveReplica)] } };
  if (next !== key) w.putKey(next);
  return { accountId: gone.accountId, keyId: gone.keyId, removed: true };
};

export const applyMrkGoneDone: Applier<'MrkGoneDone'> = (w, cmd) => {
  const gone = w.state.goneReplica(cmd.body.reply.accountId, cmd.body.reply.keyId);
  if (gone && cmd.body.reply.removed) w.putGoneReplica({ ...gone, told: true });
};

/** Records, when a replica is deleted, that its primary must be told (and which life of it went). */
export function rememberGoneReplica(w: StateWriter, key: KeyRecord, me: string): void {
  if (key.mrk?.role !== 'REPLICA') return;
  const listedAt = key.mrk.replicas.find((r) => r.region === me)?.listedAt;
  const handBack = key.mrk.handBack?.length ? { handBack: key.mrk.handBack } : {};
  w.putGoneReplica({ accountId: key.accountId, keyId: key.keyId, primaryRegion: key.mrk.primaryRegion, epoch: key.mrk.epoch, ...(key.mrk.claimBy ? { claimBy: key.mrk.claimBy } : {}), ...(listedAt ? { listedAt } : {}), ...handBack });
}

/**
 * Beyond AWS, for disaster-recovery drills: this Region's replica becomes primary at a higher epoch
 * without asking the old primary (which may be down). The old primary demotes itself when it
 * hears of the newer epoch.
 */
export const applyForcePromote: Applier<'ForcePromote'> = (w, cmd, ctx) => {
  const key = w.state.key(cmd.accountId, cmd.body.keyId);
  const arn = keyArn(ctx.region, cmd.accountId, cmd.body.keyId);
  if (!key) throw Errors.keyNotFound(arn);
  if (!key.mrk) throw Errors.unsupported(`${arn} is not a multi-Region key.`);
  if (key.mrk.role === 'PRIMARY') throw Errors.unsupported(`${arn} is already the primary key (epoch ${key.mrk.epoch}).`);
  if (key.state === 'Creating') throw Errors.creating(arn);
  // A primary pending deletion would be deleted with replicas still naming it.
  if (key.state === 'PendingDeletion') throw Errors.pendingDeletion(arn);
  const previous = key.mrk.primaryRegion;
  const others = [
    ...key.mrk.replicas.filter((r) => r.region !== ctx.region && r.region !== previous).map(({ region, status, listedAt }) => ({ region, status, ...(listedAt ? { listedAt } : {}) })),
    // Replicas this Region knows of that the old primary did not list to it (MultiRegionInfo.handBack).
    ...(key.mrk.handBack ?? []).map(asActiveReplica),
  ].filter((r, i, all) => r.region !== ctx.region && r.region !== previous && all.findIndex((x) => x.region === r.region) === i);
  const restored = endUpdating(key);
  const mrk: MultiRegionInfo = {
    role: 'PRIMARY',
    primaryRegion: ctx.region,
    epoch: key.mrk.epoch + 1,
    claimBy: ctx.region,
    version: 1,
    replicas: [{ region: previous, status: 'ACTIVE' }, ...others],
    activeVersion: key.mrk.activeVersion,
  };
  w.putKey({ ...restored, mrk });
  return { keyId: key.keyId, region: ctx.region, primaryRegion: ctx.region, epoch: mrk.epoch, previousPrimaryRegion: previous };
};

/**
 * Replicas a primary should start syncing: named by another Region, not listed yet, and not a
 * life this primary already saw go (a report of it again would bring it back for ever).
 */
function adoptable(mrk: MultiRegionInfo, refs: ReplicaRef[], me: string): ReplicaRef[] {
  return newestPerRegion(refs).filter((r) => {
    if (r.region === me || mrk.replicas.some((x) => x.region === r.region)) return false;
    const gone = mrk.departed?.find((d) => d.region === r.region);
    return !gone || compareListings(r.listedAt, gone.listedAt) > 0;
  });
}

/** Related Regions in `refs` that the payload does not list (nor are its primary or this Region). */
function unlisted(refs: ReplicaRef[], payload: SyncPayload, me: string): ReplicaRef[] {
  return newestPerRegion(refs).filter((r) => r.region !== me && r.region !== payload.primaryRegion && !payload.replicas.some((x) => x.region === r.region));
}

/** One reference per Region, the newest life known. */
function newestPerRegion(refs: ReplicaRef[]): ReplicaRef[] {
  const out = new Map<string, ReplicaRef>();
  for (const r of refs) {
    const had = out.get(r.region);
    if (!had || compareListings(r.listedAt, had.listedAt) > 0) out.set(r.region, r);
  }
  return [...out.values()];
}

const refOf = ({ region, listedAt }: { region: string; listedAt?: ReplicaListing }): ReplicaRef => ({ region, ...(listedAt ? { listedAt } : {}) });
const asActiveReplica = ({ region, listedAt }: ReplicaRef): ReplicaInfo => ({ region, status: 'ACTIVE', ...(listedAt ? { listedAt } : {}) });

function replicaInfo(payload: SyncPayload): MultiRegionInfo {
  return {
    role: 'REPLICA',
    primaryRegion: payload.primaryRegion,
    epoch: payload.epoch,
    ...(payload.claimBy ? { claimBy: payload.claimBy } : {}),
    version: payload.version,
    replicas: payload.replicas.map(({ region, status, listedAt }) => ({ region, status, ...(listedAt ? { listedAt } : {}) })),
    activeVersion: payload.shared.activeVersion,
  };
}

/**
 * The key's materials exactly as the sender lists them: a version held locally with the same
 * material id keeps its local wrapping; any other comes from the message. Imported material is
 * not sent: a version this Region has not imported yet is listed by its id alone (no material),
 * so only that material can be imported here. Material waiting for rotation that the primary
 * deleted since this Region imported it (a higher pendingDeletions) is deleted here too.
 * Undefined when material that must come is missing.
 */
function sharedMaterials(payload: SyncPayload, local: KeyRecord | undefined, received: KeyMaterialVersion[]): KeyMaterialVersion[] | undefined {
  const out: KeyMaterialVersion[] = [];
  for (const m of payload.shared.materials) {
    const held = local?.materials.find((l) => l.version === m.version && l.materialId === m.materialId);
    const imported: KeyMaterialVersion | undefined = payload.shared.origin === 'EXTERNAL' ? { version: m.version, materialId: m.materialId, createdAt: m.createdAt } : undefined;
    const got = held ?? received.find((r) => r.version === m.version && r.materialId === m.materialId) ?? imported;
    if (!got) return undefined;
    const deletedSince = m.pendingRotation === true && (m.pendingDeletions ?? 0) > (got.pendingDeletions ?? 0);
    const { pendingRotation: _local, pendingDeletions: _count, wrapped, ...version } = got;
    out.push({
      ...version,
      ...(wrapped !== undefined && !deletedSince ? { wrapped } : {}),
      createdAt: m.createdAt,
      ...(m.rotationType ? { rotationType: m.rotationType } : {}),
      ...(m.pendingRotation ? { pendingRotation: true } : {}),
      ...(m.pendingDeletions ? { pendingDeletions: m.pendingDeletions } : {}),
    });
  }
  return out.length > 0 ? out : undefined;
}
