import { Errors } from '../../errors/kms-errors';

/**
 * Policies are stored and returned verbatim (enforcement comes with the policy issue). A policy
 * must at least be a JSON object with a Statement, as AWS requires.
 */
export function validatePolicy(policy: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw Errors.malformedPolicy('The policy is not a valid JSON document.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw Errors.malformedPolicy('The policy is not a JSON object.');
  const statement = (doc as Record<string, unknown>).Statement;
  if (statement === undefined || (typeof statement !== 'object' || statement === null)) throw Errors.malformedPolicy('The policy has no Statement.');
  return policy;
}
