import { verifyMac } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { macRequest } from '../shared/mac';
import { assertNotDryRun, KmsOperation } from '../shared/operation';

export const VerifyMac: KmsOperation = {
  name: 'VerifyMac',
  async handle(ctx, scope, input) {
    const { arn, secret } = macRequest(ctx, scope, input.KeyId, input.MacAlgorithm, 'VerifyMac');
    assertNotDryRun(input);
    if (!verifyMac(input.MacAlgorithm, secret, input.Message, input.Mac)) throw new KmsError('KMSInvalidMacException', '');
    return { KeyId: arn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
  },
};
