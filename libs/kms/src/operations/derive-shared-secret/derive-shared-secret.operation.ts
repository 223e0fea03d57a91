import { deriveSharedSecret } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { Errors } from '../../errors/kms-errors';
import { assertAlgorithm, currentSecret, keyForUse } from '../shared/asymmetric';
import { assertNotDryRun, KmsOperation } from '../shared/operation';

export const DeriveSharedSecret: KmsOperation = {
  name: 'DeriveSharedSecret',
  async handle(ctx, scope, input) {
    if (input.Recipient !== undefined) {
      throw new KmsError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by Trent.');
    }
    const { key, arn } = keyForUse(ctx, scope, input.KeyId, 'DeriveSharedSecret', 'KEY_AGREEMENT');
    assertAlgorithm(key, arn, 'KeyAgreementAlgorithms', input.KeyAgreementAlgorithm);
    const { secret } = currentSecret(ctx, key);
    const result = deriveSharedSecret(key.keySpec as any, secret, input.PublicKey);
    if (!result.ok) {
      throw Errors.validation(
        result.reason === 'wrong-curve'
          ? `The public key does not match the key spec ${key.keySpec} of ${arn}.`
          : 'The public key is not a valid DER-encoded X.509 SubjectPublicKeyInfo for an elliptic curve point.',
      );
    }
    assertNotDryRun(input);
    return { KeyId: arn, SharedSecret: result.secret, KeyAgreementAlgorithm: input.KeyAgreementAlgorithm, KeyOrigin: key.origin };
  },
};
