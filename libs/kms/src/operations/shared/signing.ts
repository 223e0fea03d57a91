import { messageTypesFor, MessageType, signingDigestLength } from '@trent/crypto';
import { Errors } from '../../errors/kms-errors';
import { KeyRecord } from '../../model/key-record';
import { KmsContext, RequestScope } from '../../kms-context';
import { assertAlgorithm, keyForUse } from './asymmetric';

/** ML-DSA's external mu (FIPS 204 §6.2, µ) is 64 bytes. */
const EXTERNAL_MU_LENGTH = 64;

/**
 * Sign and Verify's shared checks: a SIGN_VERIFY key, an algorithm it lists, a message type that
 * algorithm accepts, and for DIGEST / EXTERNAL_MU a message of exactly the right length.
 */
export function signingRequest(
  ctx: KmsContext,
  scope: RequestScope,
  input: { KeyId: string; SigningAlgorithm: string; MessageType?: string; Message: Buffer },
  operation: 'Sign' | 'Verify',
): { key: KeyRecord; arn: string; messageType: MessageType } {
  const { key, arn } = keyForUse(ctx, scope, input.KeyId, operation, 'SIGN_VERIFY');
  const algorithm = input.SigningAlgorithm;
  assertAlgorithm(key, arn, 'SigningAlgorithms', algorithm);
  const messageType = (input.MessageType ?? 'RAW') as MessageType;
  if (!messageTypesFor(algorithm).includes(messageType)) {
    // AWS names the key spec for ML-DSA and EXTERNAL_MU, the algorithm otherwise (Ed25519).
    const subject = messageType === 'EXTERNAL_MU' || key.keySpec.startsWith('ML_DSA_') ? `key spec ${key.keySpec}` : `algorithm ${algorithm}`;
    throw Errors.validation(`Message type ${messageType} is incompatible with ${subject}.`);
  }
  const expected = messageType === 'DIGEST' ? signingDigestLength(algorithm) : messageType === 'EXTERNAL_MU' ? EXTERNAL_MU_LENGTH : undefined;
  if (expected !== undefined && input.Message.length !== expected) {
    throw Errors.validation(`Digest is invalid length for algorithm ${algorithm}.`);
  }
  return { key, arn, messageType };
}
