import { Errors } from '../../errors/kms-errors';
import { aliasArn, isWellFormedKeyId, keyArn, parseKmsArn } from '../../model/arn';
import { KeyRecord } from '../../model/key-record';
import { KmsState } from '../../state/kms-state';

export interface ResolveOptions {
  /** Whether an alias name or alias ARN may identify the key (crypto operations and DescribeKey). */
  allowAlias: boolean;
}

/**
 * Finds the key a KeyId parameter names: key id, key ARN, and (where AWS allows it) alias name or
 * alias ARN. Keys of other Regions or accounts are not found, with AWS's texts.
 */
export function resolveKey(state: KmsState, region: string, accountId: string, ref: string, opts: ResolveOptions): KeyRecord {
  if (ref.startsWith('arn:')) {
    const arn = parseKmsArn(ref);
    if (!arn) throw Errors.invalidKeyId(ref);
    if (arn.region !== region) throw Errors.invalidArnRegion(arn.region);
    if (arn.resource.startsWith('key/')) {
      const keyId = arn.resource.slice(4);
      if (!isWellFormedKeyId(keyId)) throw Errors.invalidKeyId(ref);
      return found(state.key(arn.accountId, keyId), keyArn(region, arn.accountId, keyId), arn.accountId === accountId);
    }
    if (arn.resource.startsWith('alias/') && opts.allowAlias) return viaAlias(state, region, arn.accountId, arn.resource, arn.accountId === accountId);
    throw Errors.invalidKeyId(ref);
  }
  if (ref.startsWith('alias/')) {
    if (!opts.allowAlias) throw Errors.invalidKeyId(ref);
    return viaAlias(state, region, accountId, ref, true);
  }
  if (!isWellFormedKeyId(ref)) throw Errors.invalidKeyId(ref);
  return found(state.key(accountId, ref), keyArn(region, accountId, ref), true);
}

function viaAlias(state: KmsState, region: string, accountId: string, aliasName: string, sameAccount: boolean): KeyRecord {
  const alias = sameAccount ? state.alias(accountId, aliasName) : undefined;
  if (!alias) throw Errors.aliasNotFound(aliasArn(region, accountId, aliasName));
  return found(state.key(accountId, alias.targetKeyId), keyArn(region, accountId, alias.targetKeyId), true);
}

function found(key: KeyRecord | undefined, arn: string, sameAccount: boolean): KeyRecord {
  // Cross-account use needs key policies (a later issue); until then another account's key is not found.
  if (!key || !sameAccount) throw Errors.keyNotFound(arn);
  return key;
}
