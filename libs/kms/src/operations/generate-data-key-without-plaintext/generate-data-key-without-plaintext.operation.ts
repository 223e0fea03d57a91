import { assertNotDryRun, KmsOperation } from '../shared/operation';
import { dataKeyLength, encryptionKey, seal } from '../shared/symmetric';

export const GenerateDataKeyWithoutPlaintext: KmsOperation = {
  name: 'GenerateDataKeyWithoutPlaintext',
  async handle(ctx, scope, input) {
    const length = dataKeyLength(input);
    const { key, arn } = encryptionKey(ctx, scope, input.KeyId, 'GenerateDataKeyWithoutPlaintext');
    assertNotDryRun(input);
    const plaintext = ctx.random.bytes(length);
    const { blob, material } = seal(ctx, key, plaintext, input.EncryptionContext);
    plaintext.fill(0);
    return { CiphertextBlob: blob, KeyId: arn, KeyMaterialId: material.materialId };
  },
};
