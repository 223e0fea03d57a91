import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { KeyRecord } from '../../model/key-record';
import { afterUpdating, isPrimary } from '../../mrk/mrk-model';
import { assertKeyStateAllows } from '../../rules/key-state-rules';
import { Applier } from '../../state/kms-state-machine';
import { probeReplicas } from '../shared/mrk-probe';
import { commit, keyForApply, KmsOperation, usableKey } from '../shared/operation';

/**
 * Moves the primary role to the replica in `PrimaryRegion`. This Region's key turns into a replica
 * at once (a new epoch) and is `Updating` until the new primary confirms; the new primary is
 * `Updating` until one of its replicas confirms the new epoch. Crypto keeps working meanwhile.
 */
export const UpdatePrimaryRegion: KmsOperation = {
  name: 'UpdatePrimaryRegion',
  async handle(ctx, scope, input) {
    const region: string = input.PrimaryRegion;
    const first = usableKey(ctx, scope, input.KeyId, 'UpdatePrimaryRegion');
    assertMovable(first.key, first.arn, region, ctx.region);
    // Ask the replica for its state first, so a disabled one is refused now, as AWS does, rather
    // than by the handover later. (In-memory tests deliver by hand: nothing would answer.)
    if (ctx.mrkProbeWaitMs !== 0) await probeReplicas(ctx, scope, first.key, [region]);
    const { key, arn } = usableKey(ctx, scope, input.KeyId, 'UpdatePrimaryRegion');
    assertMovable(key, arn, region, ctx.region);
    await commit(ctx, scope, { type: 'UpdatePrimaryRegion', keyId: key.keyId, region });
    return {};
  },
};

/** Raises a primary's version so that every replica answers with its current state. */
export const applyMrkProbe: Applier<'MrkProbe'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId);
  if (!isPrimary(key)) throw Errors.unsupported(`${keyArn(ctx.region, key.accountId, key.keyId)} is not a multi-region primary key.`);
  const version = key.mrk!.version + 1;
  w.putKey({ ...key, mrk: { ...key.mrk!, version } });
  return { version };
};

/**
 * The key must be the primary and Enabled (the state rules check the rest); the Region must hold
 * a replica that is itself Enabled, as far as this Region last heard, and no replica may still be
 * being created. Error codes for a missing replica are not documented by AWS: NotFoundException.
 */
function assertMovable(key: KeyRecord, arn: string, region: string, me: string): void {
  if (!isPrimary(key)) throw Errors.unsupported(`${arn} is not a multi-region primary key.`);
  if (region === me) throw Errors.unsupported(`${arn} is already the primary key in ${me}.`);
  const replicaArn = keyArn(region, key.accountId, key.keyId);
  const replica = key.mrk!.replicas.find((r) => r.region === region);
  if (!replica) throw Errors.keyNotFound(replicaArn);
  for (const r of key.mrk!.replicas) if (r.status === 'CREATING') throw Errors.creating(keyArn(r.region, key.accountId, key.keyId));
  if (replica.keyState) assertKeyStateAllows('UpdatePrimaryRegion', { state: replica.keyState, origin: key.origin }, replicaArn);
}

export const applyUpdatePrimaryRegion: Applier<'UpdatePrimaryRegion'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'UpdatePrimaryRegion');
  const { region } = cmd.body;
  assertMovable(key, keyArn(ctx.region, key.accountId, key.keyId), region, ctx.region);
  const mrk = key.mrk!;
  w.putKey({
    ...key,
    state: 'Updating',
    mrk: {
      role: 'REPLICA',
      primaryRegion: region,
      epoch: mrk.epoch + 1,
      claimBy: ctx.region,
      version: 1,
      replicas: [{ region: ctx.region, status: 'ACTIVE' }, ...mrk.replicas.filter((r) => r.region !== region).map(({ region: r, status }) => ({ region: r, status }))],
      activeVersion: mrk.activeVersion,
      // A key still Updating from an earlier move returns to the state from before that one.
      stateBeforeUpdate: afterUpdating(key),
      handoverTo: region,
    },
  });
};
