import { KmsError } from '@trent/protocol';
import { Errors } from '../../errors/kms-errors';
import { KmsOperation } from '../shared/operation';

export const GenerateRandom: KmsOperation = {
  name: 'GenerateRandom',
  stateless: true,
  async handle(ctx, _scope, input) {
    // Not marked required in the model, yet AWS refuses a request without it, in these words.
    if (input.NumberOfBytes === undefined) throw Errors.validation('NumberOfBytes is required.');
    if (input.CustomKeyStoreId !== undefined) {
      throw new KmsError('CustomKeyStoreNotFoundException', `Custom key store '${input.CustomKeyStoreId}' does not exist.`);
    }
    if (input.Recipient !== undefined) {
      throw new KmsError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by Trent.');
    }
    return { Plaintext: ctx.random.bytes(input.NumberOfBytes) };
  },
};
