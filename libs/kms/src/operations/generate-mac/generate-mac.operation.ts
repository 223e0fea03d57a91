import { computeMac } from '@trent/crypto';
import { macRequest } from '../shared/mac';
import { assertNotDryRun, KmsOperation } from '../shared/operation';

export const GenerateMac: KmsOperation = {
  name: 'GenerateMac',
  async handle(ctx, scope, input) {
    const { arn, secret } = macRequest(ctx, scope, input.KeyId, input.MacAlgorithm, 'GenerateMac');
    assertNotDryRun(input);
    return { Mac: computeMac(input.MacAlgorithm, secret, input.Message), MacAlgorithm: input.MacAlgorithm, KeyId: arn };
  },
};
