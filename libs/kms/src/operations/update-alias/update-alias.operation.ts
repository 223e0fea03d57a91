import { Errors } from '../../errors/kms-errors';
import { aliasArn } from '../../model/arn';
import { Applier } from '../../state/kms-state-machine';
import { assertAliasName } from '../shared/alias-name';
import { commit, keyForApply, keyForWrite, KmsOperation } from '../shared/operation';
import { MAX_ALIASES_PER_KEY } from '../create-alias/create-alias.operation';

export const UpdateAlias: KmsOperation = {
  name: 'UpdateAlias',
  async handle(ctx, scope, input) {
    assertAliasName(input.AliasName);
    if (!ctx.state.alias(scope.caller.accountId, input.AliasName)) throw Errors.aliasNotFound(aliasArn(ctx.region, scope.caller.accountId, input.AliasName));
    const { key } = keyForWrite(ctx, scope, input.TargetKeyId, 'UpdateAlias');
    await commit(ctx, scope, { type: 'UpdateAlias', aliasName: input.AliasName, targetKeyId: key.keyId });
    return {};
  },
};

export const applyUpdateAlias: Applier<'UpdateAlias'> = (w, cmd, ctx) => {
  const { aliasName, targetKeyId } = cmd.body;
  const alias = w.state.alias(cmd.accountId, aliasName);
  if (!alias) throw Errors.aliasNotFound(aliasArn(ctx.region, cmd.accountId, aliasName));
  const target = keyForApply(w, cmd, ctx, targetKeyId, 'UpdateAlias');
  const current = w.state.key(cmd.accountId, alias.targetKeyId);
  // AWS: the new key must be of the same type and usage as the one the alias points at.
  if (current && (current.keySpec !== target.keySpec || current.keyUsage !== target.keyUsage)) {
    throw Errors.validation(`${aliasName} is associated with a key of KeySpec ${current.keySpec} and KeyUsage ${current.keyUsage}; the target must match.`);
  }
  if (alias.targetKeyId !== targetKeyId) {
    const count = w.state.aliasesOf(cmd.accountId).filter((a) => a.targetKeyId === targetKeyId).length;
    if (count >= MAX_ALIASES_PER_KEY) throw Errors.limitExceeded(`The request would cause the number of aliases for ${targetKeyId} to exceed the limit of ${MAX_ALIASES_PER_KEY}.`);
  }
  w.putAlias({ ...alias, targetKeyId, updatedAt: cmd.now });
};
