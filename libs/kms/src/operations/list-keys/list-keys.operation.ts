import { keyArn } from '../../model/arn';
import { KmsOperation } from '../shared/operation';
import { pageFields, paginate } from '../shared/paginate';

export const ListKeys: KmsOperation = {
  name: 'ListKeys',
  async handle(ctx, scope, input) {
    const keys = ctx.state.keysOf(scope.caller.accountId).sort((a, b) => (a.keyId < b.keyId ? -1 : 1));
    const page = paginate(keys, (k) => k.keyId, input.Limit, input.Marker, 100);
    return {
      Keys: page.items.map((k) => ({ KeyId: k.keyId, KeyArn: keyArn(ctx.region, k.accountId, k.keyId) })),
      ...pageFields(page),
    };
  },
};
