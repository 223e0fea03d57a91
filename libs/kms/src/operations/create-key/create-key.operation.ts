import { keySpecInfo, KeySpec } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { randomBytes, randomUUID } from 'node:crypto';
import { Errors } from '../../errors/kms-errors';
import { defaultKeyPolicy } from '../../model/default-policy';
import { KeyRecord, KeyUsage, Origin } from '../../model/key-record';
import { Applier } from '../../state/kms-state-machine';
import { keyMetadata } from '../shared/key-metadata';
import { commit, KmsOperation } from '../shared/operation';
import { validatePolicy } from '../shared/policy';
import { validateTags } from '../shared/tags';

const SYMMETRIC = 'SYMMETRIC_DEFAULT';

export const CreateKey: KmsOperation = {
  name: 'CreateKey',
  async handle(ctx, scope, input) {
    const keySpec: string = input.KeySpec ?? input.CustomerMasterKeySpec ?? SYMMETRIC;
    if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) {
      throw Errors.validation('You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec instead.');
    }
    if (input.CustomKeyStoreId !== undefined) {
      throw new KmsError('CustomKeyStoreNotFoundException', `Custom key store '${input.CustomKeyStoreId}' does not exist.`);
    }
    const { keyUsage, origin } = checkSpecUsageOrigin(keySpec, input.KeyUsage, input.Origin ?? 'AWS_KMS');

    const accountId = scope.caller.accountId;
    const policy = input.Policy === undefined ? defaultKeyPolicy(accountId) : validatePolicy(input.Policy);
    const tags = validateTags(input.Tags ?? [], []);
    const now = ctx.clock.now();
    const multiRegion = input.MultiRegion === true;
    const keyId = multiRegion ? `mrk-${randomBytes(16).toString('hex')}` : randomUUID();
    const key: KeyRecord = {
      accountId,
      keyId,
      createdAt: now,
      description: input.Description ?? '',
      keyUsage,
      keySpec,
      origin,
      multiRegion,
      state: origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled',
      policy,
      tags,
      rotation: { enabled: false, onDemandCount: 0 },
      // Imported keys get their material from ImportKeyMaterial.
      materials: origin === 'EXTERNAL' ? [] : [await ctx.materials.generate(keySpec as KeySpec, keyId, 1, now)],
      ...(multiRegion ? { mrk: { role: 'PRIMARY' as const, primaryRegion: ctx.region, epoch: 1, version: 1, replicas: [], activeVersion: 1 } } : {}),
    };
    const created: KeyRecord = await commit(ctx, scope, { type: 'CreateKey', key });
    return { KeyMetadata: keyMetadata(ctx.region, created) };
  },
};

/**
 * AWS's rules for KeySpec × KeyUsage × Origin. KeyUsage may be left out only for symmetric
 * encryption keys (AWS defaults it to ENCRYPT_DECRYPT, which no other spec accepts).
 */
function checkSpecUsageOrigin(keySpec: string, requestedUsage: string | undefined, origin: string): { keyUsage: KeyUsage; origin: Origin } {
  const info = keySpecInfo(keySpec);
  if (!info) throw Errors.unsupported(`KeySpec ${keySpec} is not supported in this Region.`);
  if (requestedUsage === undefined && keySpec !== SYMMETRIC) {
    throw Errors.validation('You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
  }
  const keyUsage = (requestedUsage ?? 'ENCRYPT_DECRYPT') as KeyUsage;
  if (!info.usages.includes(keyUsage)) throw Errors.validation(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`);
  if (origin === 'AWS_CLOUDHSM' || origin === 'EXTERNAL_KEY_STORE') {
    throw Errors.unsupported(`Origin ${origin} needs a custom key store; Trent has none.`);
  }
  return { keyUsage, origin: origin as Origin };
}

export const applyCreateKey: Applier<'CreateKey'> = (w, cmd, ctx) => {
  const key = cmd.body.key;
  // Invariant: a key id names one key for all time (ids are random UUIDs chosen by the proposer).
  if (w.state.key(cmd.accountId, key.keyId)) throw Errors.internal(`key id ${key.keyId} already exists`);
  // A multi-Region key starts as the primary of its own Region, alone.
  if (key.multiRegion !== (key.mrk !== undefined) || (key.mrk && (key.mrk.role !== 'PRIMARY' || key.mrk.primaryRegion !== ctx.region || key.mrk.replicas.length > 0))) {
    throw Errors.internal(`malformed multi-Region key ${key.keyId}`);
  }
  w.putKey(key);
  return key;
};
