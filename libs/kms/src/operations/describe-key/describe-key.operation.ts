import { keyMetadata } from '../shared/key-metadata';
import { resolveKey } from '../shared/key-resolver';
import { KmsOperation } from '../shared/operation';

export const DescribeKey: KmsOperation = {
  name: 'DescribeKey',
  async handle(ctx, scope, input) {
    const key = resolveKey(ctx.state, ctx.region, scope.caller.accountId, input.KeyId, { allowAlias: true });
    return { KeyMetadata: keyMetadata(ctx.region, key) };
  },
};
