import { KmsContext, RequestScope } from '../../kms-context';
import { assertAlgorithm, currentSecret, keyForUse } from './asymmetric';

/** GenerateMac and VerifyMac: a GENERATE_VERIFY_MAC key whose spec fits the MAC algorithm, and its HMAC key. */
export function macRequest(ctx: KmsContext, scope: RequestScope, keyRef: string, algorithm: string, operation: 'GenerateMac' | 'VerifyMac'): { arn: string; secret: Buffer } {
  const { key, arn } = keyForUse(ctx, scope, keyRef, operation, 'GENERATE_VERIFY_MAC');
  assertAlgorithm(key, arn, 'MacAlgorithms', algorithm);
  return { arn, secret: currentSecret(ctx, key).secret };
}
