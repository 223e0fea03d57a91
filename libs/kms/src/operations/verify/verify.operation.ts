import { verify } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { publicKeyOf } from '../shared/asymmetric';
import { assertNotDryRun, KmsOperation } from '../shared/operation';
import { signingRequest } from '../shared/signing';

export const Verify: KmsOperation = {
  name: 'Verify',
  async handle(ctx, scope, input) {
    const { key, arn, messageType } = signingRequest(ctx, scope, input as any, 'Verify');
    assertNotDryRun(input);
    const valid = verify(key.keySpec as any, publicKeyOf(key), input.SigningAlgorithm, messageType, input.Message, input.Signature);
    if (!valid) throw new KmsError('KMSInvalidSignatureException', '');
    return { KeyId: arn, SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
  },
};
