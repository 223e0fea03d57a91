import { resolveKey } from '../shared/key-resolver';
import { KmsOperation } from '../shared/operation';
import { pageFields, paginate } from '../shared/paginate';

export const ListResourceTags: KmsOperation = {
  name: 'ListResourceTags',
  async handle(ctx, scope, input) {
    const key = resolveKey(ctx.state, ctx.region, scope.caller.accountId, input.KeyId, { allowAlias: false });
    const tags = [...key.tags].sort((a, b) => (a.TagKey < b.TagKey ? -1 : 1));
    const page = paginate(tags, (t) => t.TagKey, input.Limit, input.Marker, 50);
    return { Tags: page.items, ...pageFields(page) };
  },
};
