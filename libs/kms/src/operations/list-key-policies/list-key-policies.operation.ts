import { resolveKey } from '../shared/key-resolver';
import { KmsOperation } from '../shared/operation';

export const ListKeyPolicies: KmsOperation = {
  name: 'ListKeyPolicies',
  async handle(ctx, scope, input) {
    resolveKey(ctx.state, ctx.region, scope.caller.accountId, input.KeyId, { allowAlias: false });
    // One policy per key, named "default": a single page whatever the Limit.
    return { PolicyNames: ['default'], Truncated: false };
  },
};
