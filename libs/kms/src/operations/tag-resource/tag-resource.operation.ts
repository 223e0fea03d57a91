import { Applier } from '../../state/kms-state-machine';
import { commit, keyForApply, usableKey, KmsOperation } from '../shared/operation';
import { validateTags } from '../shared/tags';

export const TagResource: KmsOperation = {
  name: 'TagResource',
  async handle(ctx, scope, input) {
    const { key } = usableKey(ctx, scope, input.KeyId, 'TagResource');
    validateTags(input.Tags, key.tags);
    await commit(ctx, scope, { type: 'TagResource', keyId: key.keyId, tags: input.Tags });
    return {};
  },
};

export const applyTagResource: Applier<'TagResource'> = (w, cmd, ctx) => {
  const key = keyForApply(w, cmd, ctx, cmd.body.keyId, 'TagResource');
  w.putKey({ ...key, tags: validateTags(cmd.body.tags, key.tags) });
};
