import { Errors } from '../../errors/kms-errors';
import { aliasArn } from '../../model/arn';
import { KmsState } from '../../state/kms-state';
import { Applier } from '../../state/kms-state-machine';
import { assertAliasName } from '../shared/alias-name';
import { commit, keyForApply, usableKey, KmsOperation } from '../shared/operation';

/** AWS resource quota: aliases per KMS key. */
export const MAX_ALIASES_PER_KEY = 50;

export const CreateAlias: KmsOperation = {
  name: 'CreateAlias',
  async handle(ctx, scope, input) {
    assertAliasName(input.AliasName);
    const { key } = usableKey(ctx, scope, input.TargetKeyId, 'CreateAlias');
    // Checked here for a fast answer with no log entry, and again in apply (authoritative).
    assertAliasFree(ctx.state, ctx.region, scope.caller.accountId, input.AliasName);
    assertAliasQuota(ctx.state, scope.caller.accountId, key.keyId);
    await commit(ctx, scope, { type: 'CreateAlias', aliasName: input.AliasName, targetKeyId: key.keyId });
    return {};
  },
};

export const applyCreateAlias: Applier<'CreateAlias'> = (w, cmd, ctx) => {
  const { aliasName, targetKeyId } = cmd.body;
  assertAliasFree(w.state, ctx.region, cmd.accountId, aliasName);
  keyForApply(w, cmd, ctx, targetKeyId, 'CreateAlias');
  assertAliasQuota(w.state, cmd.accountId, targetKeyId);
  w.putAlias({ accountId: cmd.accountId, aliasName, targetKeyId, createdAt: cmd.now, updatedAt: cmd.now });
};

function assertAliasFree(state: KmsState, region: string, accountId: string, aliasName: string): void {
  if (state.alias(accountId, aliasName)) throw Errors.aliasExists(aliasArn(region, accountId, aliasName));
}

export function assertAliasQuota(state: KmsState, accountId: string, targetKeyId: string): void {
  const count = state.aliasesOf(accountId).filter((a) => a.targetKeyId === targetKeyId).length;
  if (count >= MAX_ALIASES_PER_KEY) throw Errors.limitExceeded(`The request would cause the number of aliases for ${targetKeyId} to exceed the limit of ${MAX_ALIASES_PER_KEY}.`);
}
