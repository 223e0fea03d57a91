import { KmsError } from '@trent/protocol';
import { assertNotDryRun, KmsOperation } from '../shared/operation';
import { dataKeyEncryptionKey, dataKeyLength, seal } from '../shared/encryption';

export const GenerateDataKey: KmsOperation = {
  name: 'GenerateDataKey',
  async handle(ctx, scope, input) {
    if (input.Recipient !== undefined) {
      throw new KmsError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by Trent.');
    }
    const length = dataKeyLength(input);
    const { key, arn } = dataKeyEncryptionKey(ctx, scope, input.KeyId, 'GenerateDataKey');
    assertNotDryRun(input);
    const plaintext = ctx.random.bytes(length);
    const { blob, material } = seal(ctx, key, 'SYMMETRIC_DEFAULT', plaintext, input.EncryptionContext);
    return { CiphertextBlob: blob, Plaintext: plaintext, KeyId: arn, KeyMaterialId: material.materialId };
  },
};
