import { DataKeyPairSpec, generateDataKeyPair } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { Errors } from '../../errors/kms-errors';
import { KmsContext, RequestScope } from '../../kms-context';
import { dataKeyEncryptionKey, seal } from '../shared/encryption';
import { assertNotDryRun, KmsOperation } from '../shared/operation';

export const GenerateDataKeyPair: KmsOperation = {
  name: 'GenerateDataKeyPair',
  async handle(ctx, scope, input) {
    if (input.Recipient !== undefined) {
      throw new KmsError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by Trent.');
    }
    const { response, privateKey } = await dataKeyPair(ctx, scope, input, 'GenerateDataKeyPair');
    return { ...response, PrivateKeyPlaintext: privateKey };
  },
};

/**
 * GenerateDataKeyPair*: a new key pair outside the KMS key's protection (PKCS#8 DER private key,
 * SPKI DER public key), the private key encrypted under a symmetric encryption KMS key as Encrypt
 * would, with the request's encryption context.
 */
export async function dataKeyPair(
  ctx: KmsContext,
  scope: RequestScope,
  input: Record<string, any>,
  operation: 'GenerateDataKeyPair' | 'GenerateDataKeyPairWithoutPlaintext',
): Promise<{ response: Record<string, unknown>; privateKey: Buffer }> {
  dataKeyEncryptionKey(ctx, scope, input.KeyId, operation);
  if (input.KeyPairSpec === 'SM2') throw Errors.unsupported('KeyPairSpec SM2 is available only in China Regions.');
  assertNotDryRun(input);
  const { privateKey, publicKey } = await generateDataKeyPair(input.KeyPairSpec as DataKeyPairSpec);
  // Key generation took time (seconds for RSA_4096): the key is checked again as it is now, so a
  // key disabled or deleted meanwhile encrypts nothing.
  try {
    const { key, arn } = dataKeyEncryptionKey(ctx, scope, input.KeyId, operation);
    const { blob, material } = seal(ctx, key, 'SYMMETRIC_DEFAULT', privateKey, input.EncryptionContext);
    return { response: { PrivateKeyCiphertextBlob: blob, PublicKey: publicKey, KeyId: arn, KeyPairSpec: input.KeyPairSpec, KeyMaterialId: material.materialId }, privateKey };
  } catch (e) {
    privateKey.fill(0);
    throw e;
  }
}
