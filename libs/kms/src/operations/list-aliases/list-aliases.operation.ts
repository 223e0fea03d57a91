import { aliasArn } from '../../model/arn';
import { epochSeconds } from '../shared/key-metadata';
import { resolveKey } from '../shared/key-resolver';
import { KmsOperation } from '../shared/operation';
import { pageFields, paginate } from '../shared/paginate';

export const ListAliases: KmsOperation = {
  name: 'ListAliases',
  async handle(ctx, scope, input) {
    const accountId = scope.caller.accountId;
    const only = input.KeyId === undefined ? undefined : resolveKey(ctx.state, ctx.region, accountId, input.KeyId, { allowAlias: false }).keyId;
    const aliases = ctx.state
      .aliasesOf(accountId)
      .filter((a) => only === undefined || a.targetKeyId === only)
      .sort((a, b) => (a.aliasName < b.aliasName ? -1 : 1));
    const page = paginate(aliases, (a) => a.aliasName, input.Limit, input.Marker, 50);
    return {
      Aliases: page.items.map((a) => ({
        AliasName: a.aliasName,
        AliasArn: aliasArn(ctx.region, a.accountId, a.aliasName),
        TargetKeyId: a.targetKeyId,
        CreationDate: epochSeconds(a.createdAt),
        LastUpdatedDate: epochSeconds(a.updatedAt),
      })),
      ...pageFields(page),
    };
  },
};
