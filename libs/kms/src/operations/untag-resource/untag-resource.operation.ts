import { Applier } from '../../state/kms-state-machine';
import { commit, keyForApply, usableKey, KmsOperation } from '../shared/operation';

export const UntagResource: KmsOperation = {
  name: 'UntagResource',
  async handle(ctx, scope, input) {
    const { key } = usableKey(ctx, scope, input.KeyId, 'UntagResource');
    await commit(ctx, scope, { type: 'UntagResource', keyId: key.keyId, tagKeys: input.TagKeys });
    return {};
  },
};

/** A tag key that is not on the key is not an error (AWS). */
export const applyUntagResource: Applier<'UntagResource'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'UntagResource');
  const drop = new Set(cmd.body.tagKeys);
  w.putKey({ ...key, tags: key.tags.filter((t) => !drop.has(t.TagKey)) });
};
