import { assertNotDryRun, KmsOperation } from '../shared/operation';
import { dataKeyEncryptionKey, dataKeyLength, seal } from '../shared/encryption';

export const GenerateDataKeyWithoutPlaintext: KmsOperation = {
  name: 'GenerateDataKeyWithoutPlaintext',
  async handle(ctx, scope, input) {
    const length = dataKeyLength(input);
    const { key, arn } = dataKeyEncryptionKey(ctx, scope, input.KeyId, 'GenerateDataKeyWithoutPlaintext');
    assertNotDryRun(input);
    const plaintext = ctx.random.bytes(length);
    const { blob, material } = seal(ctx, key, 'SYMMETRIC_DEFAULT', plaintext, input.EncryptionContext);
    plaintext.fill(0);
    return { CiphertextBlob: blob, KeyId: arn, KeyMaterialId: material.materialId };
  },
};
