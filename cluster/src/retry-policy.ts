import type { IncomingHttpHeaders } from 'node:http';

/**
 * KMS operations that change nothing: sending one twice is the same as sending it once. The
 * crypto operations are here too; they read key state and return fresh randomness each time.
 */
const READ_ONLY_OPERATIONS = new Set([
  'Decrypt',
  'DeriveSharedSecret',
  'DescribeCustomKeyStores',
  'DescribeKey',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'GenerateRandom',
  'GetKeyLastUsage',
  'GetKeyPolicy',
  'GetKeyRotationStatus',
  'GetPublicKey',
  'ListAliases',
  'ListGrants',
  'ListKeyPolicies',
  'ListKeyRotations',
  'ListKeys',
  'ListResourceTags',
  'ListRetirableGrants',
  'ReEncrypt',
  'Sign',
  'Verify',
  'VerifyMac',
]);

/**
 * Whether the gateway may send a request that a node accepted but never answered to another
 * node. True for GET/HEAD, for read-only KMS operations, and for any request that carries the
 * SDK's `amz-sdk-invocation-id`: the node applies each invocation once, so a write that did
 * reach the log before its node went silent is not applied twice.
 */
export function isSafelyRetryable(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  if (typeof headers['amz-sdk-invocation-id'] === 'string' && headers['amz-sdk-invocation-id'].length > 0) return true;
  const target = headers['x-amz-target'];
  if (typeof target !== 'string') return false;
  const [service, operation] = target.split('.', 2);
  return service === 'TrentService' && READ_ONLY_OPERATIONS.has(operation);
}
