import { Errors } from '../../errors/kms-errors';
import { aliasArn } from '../../model/arn';
import { Applier } from '../../state/kms-state-machine';
import { assertAliasName } from '../shared/alias-name';
import { commit, KmsOperation } from '../shared/operation';

export const DeleteAlias: KmsOperation = {
  name: 'DeleteAlias',
  async handle(ctx, scope, input) {
    assertAliasName(input.AliasName);
    if (!ctx.state.alias(scope.caller.accountId, input.AliasName)) throw Errors.aliasNotFound(aliasArn(ctx.region, scope.caller.accountId, input.AliasName));
    await commit(ctx, scope, { type: 'DeleteAlias', aliasName: input.AliasName });
    return {};
  },
};

export const applyDeleteAlias: Applier<'DeleteAlias'> = (w, cmd, ctx) => {
  const alias = w.state.alias(cmd.accountId, cmd.body.aliasName);
  if (!alias) throw Errors.aliasNotFound(aliasArn(ctx.region, cmd.accountId, cmd.body.aliasName));
  w.deleteAlias(alias);
};
