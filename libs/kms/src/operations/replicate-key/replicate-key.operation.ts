import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { defaultKeyPolicy } from '../../model/default-policy';
import { KeyRecord } from '../../model/key-record';
import { isPrimary } from '../../mrk/mrk-model';
import { Applier } from '../../state/kms-state-machine';
import { keyMetadata } from '../shared/key-metadata';
import { commit, keyForApply, KmsOperation, usableKey } from '../shared/operation';
import { validatePolicy } from '../shared/policy';
import { validateTags } from '../shared/tags';

/**
 * Creates a replica of a multi-Region primary key in another Region. The primary's Region records
 * the replica as CREATING; the replicator carries the shared properties and key material there,
 * where the replica appears in `Creating` and turns `Enabled` once the primary has heard from it.
 */
export const ReplicateKey: KmsOperation = {
  name: 'ReplicateKey',
  async handle(ctx, scope, input) {
    const { key, arn } = usableKey(ctx, scope, input.KeyId, 'ReplicateKey');
    const region: string = input.ReplicaRegion;
    assertReplicable(key, arn, region, ctx.region);
    const regions = ctx.replicationRegions;
    if (!regions) throw Errors.unsupported(`Multi-Region replication is off on this node (it has no NATS server configured), so ${arn} cannot be replicated.`);
    if (!regions.includes(region)) throw Errors.unsupported(`Region ${region} is not a Region of this Trent cluster; its Regions are ${regions.join(', ')}.`);
    const policy = input.Policy === undefined ? defaultKeyPolicy(key.accountId) : validatePolicy(input.Policy);
    const tags = validateTags(input.Tags ?? [], []);
    const init = { description: input.Description ?? '', policy, tags };
    const primary: KeyRecord = await commit(ctx, scope, { type: 'ReplicateKey', keyId: key.keyId, region, init });
    // The replica as its Region will show it first (AWS's response: Creating, not enabled, no material id yet).
    const replica: KeyRecord = {
      ...primary,
      createdAt: ctx.clock.now(),
      description: init.description,
      policy,
      tags,
      state: 'Creating',
      mrk: { ...primary.mrk!, role: 'REPLICA' },
    };
    return { ReplicaKeyMetadata: keyMetadata(region, replica), ReplicaPolicy: policy, ...(input.Tags !== undefined ? { ReplicaTags: tags } : {}) };
  },
};

/** AWS's rules for the source and destination of ReplicateKey (state rules are checked before). */
function assertReplicable(key: KeyRecord, arn: string, region: string, me: string): void {
  if (!isPrimary(key)) throw Errors.unsupported(`${arn} is not a multi-region primary key.`);
  // Provisional (no AWS-recorded answer): the primary's own Region already holds a related key.
  if (region === me) throw Errors.alreadyExists(`${keyArn(region, key.accountId, key.keyId)} already exists: it is the primary key. A replica must be in another Region.`);
  if (key.mrk!.replicas.some((r) => r.region === region)) throw Errors.alreadyExists(`${keyArn(region, key.accountId, key.keyId)} already exists`);
}

export const applyReplicateKey: Applier<'ReplicateKey'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'ReplicateKey');
  assertReplicable(key, keyArn(ctx.region, key.accountId, key.keyId), cmd.body.region, ctx.region);
  const mrk = key.mrk!;
  const version = mrk.version + 1;
  const listedAt = { epoch: mrk.epoch, primaryRegion: mrk.primaryRegion, ...(mrk.claimBy ? { claimBy: mrk.claimBy } : {}), version };
  const replicas = [...mrk.replicas, { region: cmd.body.region, status: 'CREATING' as const, init: cmd.body.init, listedAt }];
  const departed = (mrk.departed ?? []).filter((r) => r.region !== cmd.body.region);
  w.putKey({ ...key, mrk: { ...mrk, version, replicas, departed } });
  return w.state.key(key.accountId, key.keyId);
};
