import { dataKeyPair } from '../generate-data-key-pair/generate-data-key-pair.operation';
import { KmsOperation } from '../shared/operation';

export const GenerateDataKeyPairWithoutPlaintext: KmsOperation = {
  name: 'GenerateDataKeyPairWithoutPlaintext',
  async handle(ctx, scope, input) {
    const { response, privateKey } = await dataKeyPair(ctx, scope, input, 'GenerateDataKeyPairWithoutPlaintext');
    privateKey.fill(0);
    return response;
  },
};
