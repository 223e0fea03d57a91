import { KmsError } from '@trent/protocol';
import { Errors } from '../../errors/kms-errors';
import { epochSeconds } from '../shared/key-metadata';
import { importableKey } from '../shared/imported';
import { DAY_MS, KmsOperation } from '../shared/operation';

/** An import token and its wrapping key are good for 24 hours (AWS). */
export const IMPORT_PARAMETERS_TTL_MS = DAY_MS;

export const GetParametersForImport: KmsOperation = {
  name: 'GetParametersForImport',
  async handle(ctx, scope, input) {
    const { key, arn } = importableKey(ctx, scope, input.KeyId, 'GetParametersForImport');
    const algorithm: string = input.WrappingAlgorithm;
    const spec: string = input.WrappingKeySpec;
    if (spec === 'SM2' || algorithm === 'SM2PKE') throw Errors.unsupported('SM2 wrapping is available only in China Regions.');
    if (algorithm === 'RSAES_PKCS1_V1_5') {
      throw Errors.unsupported('The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported. Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.');
    }
    // An RSA private key is longer than any one RSA-OAEP block can carry.
    if (key.keySpec.startsWith('RSA_') && !algorithm.startsWith('RSA_AES_KEY_WRAP')) {
      throw new KmsError('ValidationException', `${algorithm} cannot wrap ${key.keySpec} key material. Use RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.`);
    }
    const issuedAt = ctx.clock.now();
    const validTo = issuedAt + IMPORT_PARAMETERS_TTL_MS;
    const { publicKey, importToken } = await ctx.materials.importParameters({
      accountId: key.accountId,
      keyId: key.keyId,
      wrappingAlgorithm: algorithm as any,
      wrappingKeySpec: spec as any,
      issuedAt,
      validTo,
    });
    return { KeyId: arn, ImportToken: importToken, PublicKey: publicKey, ParametersValidTo: epochSeconds(validTo) };
  },
};
