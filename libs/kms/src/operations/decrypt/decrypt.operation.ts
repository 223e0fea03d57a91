import { KmsError } from '@trent/protocol';
import { assertNotDryRun, KmsOperation } from '../shared/operation';
import { materialIdField, open } from '../shared/encryption';

export const Decrypt: KmsOperation = {
  name: 'Decrypt',
  async handle(ctx, scope, input) {
    if (input.Recipient !== undefined) {
      throw new KmsError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by Trent.');
    }
    const { key, arn, plaintext, material, algorithm } = open(ctx, scope, input.CiphertextBlob, input.EncryptionContext, input.KeyId, 'Decrypt', input.EncryptionAlgorithm);
    assertNotDryRun(input);
    return { KeyId: arn, Plaintext: plaintext, EncryptionAlgorithm: algorithm, ...materialIdField('KeyMaterialId', key, material) };
  },
};
