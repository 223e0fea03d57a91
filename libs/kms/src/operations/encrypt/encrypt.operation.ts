import { assertNotDryRun, KmsOperation } from '../shared/operation';
import { encryptionKey, seal } from '../shared/encryption';

export const Encrypt: KmsOperation = {
  name: 'Encrypt',
  async handle(ctx, scope, input) {
    const { key, arn, algorithm } = encryptionKey(ctx, scope, input.KeyId, 'Encrypt', input.EncryptionAlgorithm);
    assertNotDryRun(input);
    const { blob } = seal(ctx, key, algorithm, input.Plaintext, input.EncryptionContext);
    return { CiphertextBlob: blob, KeyId: arn, EncryptionAlgorithm: algorithm };
  },
};
