import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { KeyRecord } from '../../model/key-record';
import { afterUpdating, isPrimary } from '../../mrk/mrk-model';
import { assertKeyStateAllows } from '../../rules/key-state-rules';
import { KmsContext } from '../../kms-context';
import { Applier } from '../../state/kms-state-machine';
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
    // A replica's own state changes (DisableKey there) are not sent to the primary on their own.
    // Ask the replica first, so a disabled one is refused now, as AWS does, rather than by the
    // handover later. A Region that does not answer in time is judged by what it last said.
    const waitMs = ctx.mrkProbeWaitMs ?? PROBE_WAIT_MS;
    if (waitMs > 0) {
      const { version } = await commit(ctx, { ...scope, requestId: `${scope.requestId}/probe` }, { type: 'MrkProbe', keyId: first.key.keyId });
      await confirmedBy(ctx, first.key, region, version, waitMs);
    }
    const { key, arn } = usableKey(ctx, scope, input.KeyId, 'UpdatePrimaryRegion');
    assertMovable(key, arn, region, ctx.region);
    await commit(ctx, scope, { type: 'UpdatePrimaryRegion', keyId: key.keyId, region });
    return {};
  },
};

const PROBE_WAIT_MS = 2_000;
const PROBE_POLL_MS = 10;

/** Resolves once `region`'s replica has confirmed the primary's `version` (or after `waitMs`). */
async function confirmedBy(ctx: KmsContext, key: KeyRecord, region: string, version: number, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const mrk = ctx.state.key(key.accountId, key.keyId)?.mrk;
    const replica = mrk?.replicas.find((r) => r.region === region);
    if (!mrk || mrk.role !== 'PRIMARY' || !replica) return;
    if (replica.ackedEpoch === mrk.epoch && (replica.ackedVersion ?? 0) >= version) return;
    await new Promise((resolve) => setTimeout(resolve, PROBE_POLL_MS));
  }
}

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
