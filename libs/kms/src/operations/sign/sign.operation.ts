import { sign } from '@trent/crypto';
import { currentSecret } from '../shared/asymmetric';
import { assertNotDryRun, KmsOperation } from '../shared/operation';
import { signingRequest } from '../shared/signing';

export const Sign: KmsOperation = {
  name: 'Sign',
  async handle(ctx, scope, input) {
    const { key, arn, messageType } = signingRequest(ctx, scope, input as any, 'Sign');
    assertNotDryRun(input);
    const { secret } = currentSecret(ctx, key);
    const signature = sign(key.keySpec as any, secret, input.SigningAlgorithm, messageType, input.Message, ctx.random);
    return { KeyId: arn, Signature: signature, SigningAlgorithm: input.SigningAlgorithm };
  },
};
