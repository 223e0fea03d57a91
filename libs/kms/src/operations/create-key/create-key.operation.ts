import { KmsError } from '@trent/protocol';
import { randomBytes, randomUUID } from 'node:crypto';
import { Errors } from '../../errors/kms-errors';
import { defaultKeyPolicy } from '../../model/default-policy';
import { KeyRecord } from '../../model/key-record';
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
    const keyUsage: string = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
    const origin: string = input.Origin ?? 'AWS_KMS';
    if (input.CustomKeyStoreId !== undefined) {
      throw new KmsError('CustomKeyStoreNotFoundException', `Custom key store '${input.CustomKeyStoreId}' does not exist.`);
    }
    if (keySpec !== SYMMETRIC) throw Errors.unsupported(`KeySpec ${keySpec} is not supported by Trent yet; only SYMMETRIC_DEFAULT keys can be created.`);
    if (keyUsage !== 'ENCRYPT_DECRYPT') {
      throw Errors.validation(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`);
    }
    if (origin !== 'AWS_KMS') throw Errors.unsupported(`Origin ${origin} is not supported by Trent yet; only AWS_KMS keys can be created.`);

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
      keyUsage: 'ENCRYPT_DECRYPT',
      keySpec,
      origin: 'AWS_KMS',
      multiRegion,
      state: 'Enabled',
      policy,
      tags,
      rotation: { enabled: false, onDemandCount: 0 },
      materials: [ctx.materials.create(keyId, 1, now)],
      ...(multiRegion ? { mrk: { role: 'PRIMARY' as const, primaryRegion: ctx.region, epoch: 1, version: 1, replicas: [], activeVersion: 1 } } : {}),
    };
    const created: KeyRecord = await commit(ctx, scope, { type: 'CreateKey', key });
    return { KeyMetadata: keyMetadata(ctx.region, created) };
  },
};

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
