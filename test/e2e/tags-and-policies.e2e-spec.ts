import {
  CreateKeyCommand,
  DisableKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  KeyMetadata,
  ListKeyPoliciesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-kms';
import { awsError, TrentNode } from '../support/trent-node';
import { DEV_ACCOUNT, pageThrough } from './e2e-helpers';

/**
 * TagResource, UntagResource, ListResourceTags, GetKeyPolicy, PutKeyPolicy and ListKeyPolicies
 * against a real node. [L]: LocalStack's text for a test it runs against AWS (probable AWS text);
 * [S]: text recorded from AWS.
 */
describe('tags and key policies (e2e)', () => {
  let node: TrentNode;
  let kms: KMSClient;

  const createKey = async (input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}): Promise<KeyMetadata> =>
    (await kms.send(new CreateKeyCommand(input))).KeyMetadata!;
  const tagsOf = async (keyId: string): Promise<Tag[]> => {
    const res = await kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
    expect(res.Truncated).toBe(false);
    return [...res.Tags!].sort((a, b) => (a.TagKey! < b.TagKey! ? -1 : 1));
  };
  const manyTags = (n: number, prefix = 'k'): Tag[] => Array.from({ length: n }, (_, i) => ({ TagKey: `${prefix}${String(i).padStart(2, '0')}`, TagValue: `v${i}` }));

  beforeAll(async () => {
    node = await TrentNode.start();
    kms = node.client();
  });

  afterAll(async () => {
    kms?.destroy();
    await node?.dispose();
  });

  describe('tags', () => {
    it('should add, overwrite and remove tags', async () => {
      const key = await createKey({ Tags: [{ TagKey: 'env', TagValue: 'dev' }] });

      const tagged = await kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'env', TagValue: 'prod' }, { TagKey: 'owner', TagValue: '' }] }));
      expect(Object.keys(tagged)).toEqual(['$metadata']);
      expect(await tagsOf(key.KeyId!)).toEqual([
        { TagKey: 'env', TagValue: 'prod' },
        { TagKey: 'owner', TagValue: '' },
      ]);

      const untagged = await kms.send(new UntagResourceCommand({ KeyId: key.Arn, TagKeys: ['env', 'not-there'] }));
      expect(Object.keys(untagged)).toEqual(['$metadata']);
      expect(await tagsOf(key.KeyId!)).toEqual([{ TagKey: 'owner', TagValue: '' }]);
    });

    it('should treat tag keys as case-sensitive', async () => {
      const key = await createKey();

      await kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'Env', TagValue: 'a' }, { TagKey: 'env', TagValue: 'b' }] }));

      expect(await tagsOf(key.KeyId!)).toEqual([
        { TagKey: 'Env', TagValue: 'a' },
        { TagKey: 'env', TagValue: 'b' },
      ]);
    });

    it('should tag a disabled key', async () => {
      const key = await createKey();
      await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));

      await kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'state', TagValue: 'off' }] }));

      expect(await tagsOf(key.KeyId!)).toEqual([{ TagKey: 'state', TagValue: 'off' }]);
    });

    it('should take 50 tags and page through them', async () => {
      const key = await createKey({ Tags: manyTags(50) });
      const { items: seen, pages } = await pageThrough(20, async (Marker) => {
        const page = await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId, Limit: 20, Marker }));
        return { ...page, items: page.Tags?.map((t) => t.TagKey!) };
      });

      expect(pages).toBe(3);
      expect(seen.sort()).toEqual(manyTags(50).map((t) => t.TagKey));
    });

    it('should refuse a marker it did not hand out', async () => {
      const key = await createKey();

      const err = await awsError(() => kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId, Marker: 'made-up' })));

      expect(err).toMatchObject({ name: 'InvalidMarkerException', status: 400 });
    });

    it('should refuse 51 tags in one request with TagException "Too many tags" [L]', async () => {
      const key = await createKey();
      const expected = { name: 'TagException', message: 'Too many tags', status: 400 };

      expect(await awsError(() => kms.send(new CreateKeyCommand({ Tags: manyTags(51) })))).toEqual(expected);
      expect(await awsError(() => kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: manyTags(51) })))).toEqual(expected);
      expect(await tagsOf(key.KeyId!)).toEqual([]);
    });

    it('should refuse to take a key past 50 tags, keeping the tags it has', async () => {
      const key = await createKey({ Tags: manyTags(45) });

      const err = await awsError(() => kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: manyTags(6, 'new') })));

      // AWS's code for this case is not recorded: TagResource models both errors.
      expect(['TagException', 'LimitExceededException']).toContain(err.name);
      expect(await tagsOf(key.KeyId!)).toHaveLength(45);
      // Overwriting existing keys does not count twice.
      await kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [...manyTags(45).map((t) => ({ ...t, TagValue: 'again' })), ...manyTags(5, 'new')] }));
      expect(await tagsOf(key.KeyId!)).toHaveLength(50);
    });

    it.each(['aws:created-by', 'AWS:Owner', 'Aws:x'])('should refuse the reserved tag key %s [L]', async (tagKey) => {
      const key = await createKey();
      const expected = { name: 'TagException', message: 'Tags beginning with aws: are reserved', status: 400 };

      expect(await awsError(() => kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: tagKey, TagValue: 'v' }] })))).toEqual(expected);
      expect(await awsError(() => kms.send(new CreateKeyCommand({ Tags: [{ TagKey: tagKey, TagValue: 'v' }] })))).toEqual(expected);
      expect(await tagsOf(key.KeyId!)).toEqual([]);
    });

    it('should refuse the same tag key twice in one request [L]', async () => {
      const key = await createKey();
      const twice = [
        { TagKey: 'dup', TagValue: 'a' },
        { TagKey: 'dup', TagValue: 'b' },
      ];
      const expected = { name: 'TagException', message: 'Duplicate tag keys', status: 400 };

      expect(await awsError(() => kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: twice })))).toEqual(expected);
      expect(await awsError(() => kms.send(new CreateKeyCommand({ Tags: twice })))).toEqual(expected);
    });

    it('should refuse a tag key over 128 and a tag value over 256 characters [L]', async () => {
      const key = await createKey();
      const longKey = 'k'.repeat(129);

      expect(await awsError(() => kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'ok', TagValue: 'v' }, { TagKey: longKey, TagValue: 'v' }] })))).toEqual({
        name: 'ValidationException',
        message: `1 validation error detected: Value '${longKey}' at 'tags.2.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128`,
        status: 400,
      });
      const err = await awsError(() => kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'ok', TagValue: 'v'.repeat(257) }] })));
      expect(err.name).toBe('ValidationException');
      expect(err.message).toContain("at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256");
    });

    it('should answer NotFoundException for an unknown key [S]', async () => {
      const missing = '11111111-2222-4333-8444-888888888888';
      const expected = { name: 'NotFoundException', message: `Key 'arn:aws:kms:us-east-1:${DEV_ACCOUNT}:key/${missing}' does not exist`, status: 400 };

      expect(await awsError(() => kms.send(new TagResourceCommand({ KeyId: missing, Tags: [{ TagKey: 'a', TagValue: 'b' }] })))).toEqual(expected);
      expect(await awsError(() => kms.send(new UntagResourceCommand({ KeyId: missing, TagKeys: ['a'] })))).toEqual(expected);
      expect(await awsError(() => kms.send(new ListResourceTagsCommand({ KeyId: missing })))).toEqual(expected);
    });
  });

  describe('key policies', () => {
    it('should give a new key the default policy that trusts the account', async () => {
      const key = await createKey();

      const res = await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }));

      expect(res.PolicyName).toBe('default');
      const doc = JSON.parse(res.Policy!);
      expect(doc.Version).toBe('2012-10-17');
      expect(doc.Statement).toEqual([
        expect.objectContaining({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEV_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }),
      ]);
    });

    it('should replace the policy and return it verbatim', async () => {
      const key = await createKey();
      const policy = `{\n  "Version": "2012-10-17",\n  "Statement": [ { "Sid": "ro", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::${DEV_ACCOUNT}:user/ro"}, "Action": ["kms:Decrypt"], "Resource": "*" } ]\n}`;

      const put = await kms.send(new PutKeyPolicyCommand({ KeyId: key.Arn, PolicyName: 'default', Policy: policy }));

      expect(Object.keys(put)).toEqual(['$metadata']);
      expect((await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default' }))).Policy).toBe(policy);
    });

    it('should list the one policy name there is', async () => {
      const key = await createKey();

      const res = await kms.send(new ListKeyPoliciesCommand({ KeyId: key.KeyId }));

      expect(res.PolicyNames).toEqual(['default']);
      expect(res.Truncated).toBe(false);
      expect(res.NextMarker).toBeUndefined();
    });

    it('should answer NotFoundException for a policy name other than default', async () => {
      const key = await createKey();

      expect((await awsError(() => kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'other' })))).name).toBe('NotFoundException');
      expect((await awsError(() => kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'other', Policy: '{"Statement":[]}' })))).name).toBe(
        'NotFoundException',
      );
    });

    it('should refuse a policy name outside the model pattern', async () => {
      const key = await createKey();

      const err = await awsError(() => kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'not valid!' })));

      expect(err.name).toBe('ValidationException');
      expect(err.message).toContain("at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern");
    });

    it.each(['not json', '[]', '{"Version":"2012-10-17"}'])('should refuse the malformed policy %s and keep the old one', async (bad) => {
      const key = await createKey();
      const before = (await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }))).Policy;

      const err = await awsError(() => kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: bad })));

      expect(err).toMatchObject({ name: 'MalformedPolicyDocumentException', status: 400 });
      expect((await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }))).Policy).toBe(before);
      expect((await awsError(() => kms.send(new CreateKeyCommand({ Policy: bad })))).name).toBe('MalformedPolicyDocumentException');
    });

    it('should answer NotFoundException for an unknown key [S]', async () => {
      const missing = '11111111-2222-4333-8444-999999999999';
      const expected = { name: 'NotFoundException', message: `Key 'arn:aws:kms:us-east-1:${DEV_ACCOUNT}:key/${missing}' does not exist`, status: 400 };

      expect(await awsError(() => kms.send(new GetKeyPolicyCommand({ KeyId: missing })))).toEqual(expected);
      expect(await awsError(() => kms.send(new ListKeyPoliciesCommand({ KeyId: missing })))).toEqual(expected);
      expect(await awsError(() => kms.send(new PutKeyPolicyCommand({ KeyId: missing, Policy: '{"Statement":[]}' })))).toEqual(expected);
    });
  });
});
