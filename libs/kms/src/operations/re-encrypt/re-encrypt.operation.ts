import { assertNotDryRun, KmsOperation } from '../shared/operation';
import { encryptionKey, materialIdField, open, seal } from '../shared/encryption';

export const ReEncrypt: KmsOperation = {
  name: 'ReEncrypt',
  async handle(ctx, scope, input) {
    const source = open(ctx, scope, input.CiphertextBlob, input.SourceEncryptionContext, input.SourceKeyId, 'ReEncrypt', input.SourceEncryptionAlgorithm);
    // The plaintext never leaves Trent: erased whether the destination accepts it or not.
    try {
      const destination = encryptionKey(ctx, scope, input.DestinationKeyId, 'ReEncrypt', input.DestinationEncryptionAlgorithm);
      assertNotDryRun(input);
      const { blob, material } = seal(ctx, destination.key, destination.algorithm, source.plaintext, input.DestinationEncryptionContext);
      return {
        CiphertextBlob: blob,
        SourceKeyId: source.arn,
        KeyId: destination.arn,
        SourceEncryptionAlgorithm: source.algorithm,
        DestinationEncryptionAlgorithm: destination.algorithm,
        ...materialIdField('SourceKeyMaterialId', source.key, source.material),
        ...materialIdField('DestinationKeyMaterialId', destination.key, material),
      };
    } finally {
      source.plaintext.fill(0);
    }
  },
};
