import { Errors } from '../../errors/kms-errors';
import { aliasArn } from '../../model/arn';
import { KeyRecord } from '../../model/key-record';
import { KmsState } from '../../state/kms-state';
import { Applier } from '../../state/kms-state-machine';
import { assertAliasName } from '../shared/alias-name';
import { commit, keyForApply, usableKey, KmsOperation } from '../shared/operation';
import { assertAliasQuota } from '../create-alias/create-alias.operation';

export const UpdateAlias: KmsOperation = {
  name: 'UpdateAlias',
  async handle(ctx, scope, input) {
    assertAliasName(input.AliasName);
    const accountId = scope.caller.accountId;
    if (!ctx.state.alias(accountId, input.AliasName)) throw Errors.aliasNotFound(aliasArn(ctx.region, accountId, input.AliasName));
    const { key } = usableKey(ctx, scope, input.TargetKeyId, 'UpdateAlias');
    assertRetarget(ctx.state, ctx.region, accountId, input.AliasName, key);
    await commit(ctx, scope, { type: 'UpdateAlias', aliasName: input.AliasName, targetKeyId: key.keyId });
    return {};
  },
};

export const applyUpdateAlias: Applier<'UpdateAlias'> = (w, cmd, ctx) => {
  const target = keyForApply(w, cmd, ctx, cmd.body.targetKeyId, 'UpdateAlias');
  const alias = assertRetarget(w.state, ctx.region, cmd.accountId, cmd.body.aliasName, target);
  w.putAlias({ ...alias, targetKeyId: target.keyId, updatedAt: cmd.now });
};

/** The alias exists, the new key is of the same type and usage as the old (AWS rule), and within the alias quota. */
function assertRetarget(state: KmsState, region: string, accountId: string, aliasName: string, target: KeyRecord) {
  const alias = state.alias(accountId, aliasName);
  if (!alias) throw Errors.aliasNotFound(aliasArn(region, accountId, aliasName));
  const current = state.key(accountId, alias.targetKeyId);
  if (current && (current.keySpec !== target.keySpec || current.keyUsage !== target.keyUsage)) {
    throw Errors.validation(`${aliasName} is associated with a key of KeySpec ${current.keySpec} and KeyUsage ${current.keyUsage}; the target must match.`);
  }
  if (alias.targetKeyId !== target.keyId) assertAliasQuota(state, accountId, target.keyId);
  return alias;
}
