import { algorithmLists, isAsymmetricSpec, KeySpec, KeyUsageName } from '@trent/crypto';
import { Errors } from '../../errors/kms-errors';
import { publicKeyOf } from '../shared/asymmetric';
import { KmsOperation, usableKey } from '../shared/operation';

export const GetPublicKey: KmsOperation = {
  name: 'GetPublicKey',
  async handle(ctx, scope, input) {
    const { key, arn } = usableKey(ctx, scope, input.KeyId, 'GetPublicKey', { allowAlias: true });
    if (!isAsymmetricSpec(key.keySpec)) throw Errors.unsupported(`${arn} key usage is ${key.keyUsage} which is not valid for GetPublicKey.`);
    return {
      KeyId: arn,
      PublicKey: publicKeyOf(key),
      CustomerMasterKeySpec: key.keySpec,
      KeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      ...algorithmLists(key.keySpec as KeySpec, key.keyUsage as KeyUsageName),
    };
  },
};
