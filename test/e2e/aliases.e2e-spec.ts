import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  KMSClient,
  KeyMetadata,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { awsError, TrentNode } from '../support/trent-node';
import { aliasArnOf, clusterNow, DEV_ACCOUNT, expectDateNear, pageThrough, utf8 } from './e2e-helpers';

/** CreateAlias, UpdateAlias, DeleteAlias and ListAliases against a real node. [S]: text recorded from AWS. */
describe('aliases (e2e)', () => {
  const REGION = 'ap-southeast-2';
  let node: TrentNode;
  let kms: KMSClient;
  let first: KeyMetadata;
  let second: KeyMetadata;

  const createKey = async (): Promise<KeyMetadata> => (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const aliasNamed = async (name: string) => (await kms.send(new ListAliasesCommand({ Limit: 1000 }))).Aliases!.find((a) => a.AliasName === name);

  beforeAll(async () => {
    node = await TrentNode.start({ region: REGION });
    kms = node.client();
    first = await createKey();
    second = await createKey();
  });

  afterAll(async () => {
    kms?.destroy();
    await node?.dispose();
  });

  it('should create an alias and list it with its ARN, target and dates', async () => {
    const now = await clusterNow(node);

    const res = await kms.send(new CreateAliasCommand({ AliasName: 'alias/app-data', TargetKeyId: first.KeyId }));

    expect(Object.keys(res)).toEqual(['$metadata']);
    const listed = await aliasNamed('alias/app-data');
    expect(listed).toEqual({
      AliasName: 'alias/app-data',
      AliasArn: `arn:aws:kms:ap-southeast-2:${DEV_ACCOUNT}:alias/app-data`,
      TargetKeyId: first.KeyId,
      CreationDate: expect.any(Date),
      LastUpdatedDate: expect.any(Date),
    });
    expectDateNear(listed!.CreationDate, now, 10_000);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/app-data' }))).KeyMetadata!.KeyId).toBe(first.KeyId);
  });

  it('should accept the target as a key ARN, and a key that is disabled', async () => {
    const key = await createKey();
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));

    await kms.send(new CreateAliasCommand({ AliasName: 'alias/by-arn_1:x', TargetKeyId: key.Arn }));

    expect((await aliasNamed('alias/by-arn_1:x'))!.TargetKeyId).toBe(key.KeyId);
  });

  it('should list only the aliases of one key when given its key id or ARN', async () => {
    const key = await createKey();
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/only-b', TargetKeyId: key.KeyId }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/only-a', TargetKeyId: key.KeyId }));

    for (const ref of [key.KeyId, key.Arn]) {
      const res = await kms.send(new ListAliasesCommand({ KeyId: ref }));
      expect(res.Aliases!.map((a) => a.AliasName)).toEqual(['alias/only-a', 'alias/only-b']);
      expect(res.Truncated).toBe(false);
    }
  });

  it('should answer NotFoundException when listing the aliases of an unknown key', async () => {
    const err = await awsError(() => kms.send(new ListAliasesCommand({ KeyId: '11111111-2222-4333-8444-555555555555' })));

    expect(err.name).toBe('NotFoundException');
  });

  it('should page through the aliases without repeating or losing one', async () => {
    const key = await createKey();
    const names = Array.from({ length: 8 }, (_, i) => `alias/page-${i}`);
    for (const name of names) await kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.KeyId }));
    const { items: seen, pages } = await pageThrough(3, async (Marker) => {
      const page = await kms.send(new ListAliasesCommand({ KeyId: key.KeyId, Limit: 3, Marker }));
      return { ...page, items: page.Aliases?.map((a) => a.AliasName!) };
    });

    expect(pages).toBe(3);
    expect(seen).toEqual([...names].sort());
  });

  it('should refuse a marker it did not hand out', async () => {
    const err = await awsError(() => kms.send(new ListAliasesCommand({ Marker: 'bogus-marker' })));

    expect(err).toMatchObject({ name: 'InvalidMarkerException', status: 400 });
  });

  describe('UpdateAlias', () => {
    it('should point the alias at another key, keeping its CreationDate', async () => {
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/moving', TargetKeyId: first.KeyId }));
      const before = await aliasNamed('alias/moving');
      await new Promise((r) => setTimeout(r, 20));

      await kms.send(new UpdateAliasCommand({ AliasName: 'alias/moving', TargetKeyId: second.Arn }));

      const after = await aliasNamed('alias/moving');
      expect(after!.TargetKeyId).toBe(second.KeyId);
      expect(after!.CreationDate).toEqual(before!.CreationDate);
      expect(after!.LastUpdatedDate!.getTime()).toBeGreaterThan(before!.LastUpdatedDate!.getTime());
      const enc = await kms.send(new EncryptCommand({ KeyId: 'alias/moving', Plaintext: utf8('x') }));
      expect(enc.KeyId).toBe(second.Arn);
    });

    it('should answer NotFoundException for an alias that does not exist', async () => {
      const err = await awsError(() => kms.send(new UpdateAliasCommand({ AliasName: 'alias/never-made', TargetKeyId: first.KeyId })));

      expect(err).toMatchObject({ name: 'NotFoundException', status: 400 });
    });

    it('should refuse a new target that is pending deletion [D]', async () => {
      const doomed = await createKey();
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyId, PendingWindowInDays: 7 }));
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/stays', TargetKeyId: first.KeyId }));

      const err = await awsError(() => kms.send(new UpdateAliasCommand({ AliasName: 'alias/stays', TargetKeyId: doomed.KeyId })));

      expect(err).toEqual({ name: 'KMSInvalidStateException', message: `${doomed.Arn} is pending deletion.`, status: 400 });
      expect((await aliasNamed('alias/stays'))!.TargetKeyId).toBe(first.KeyId);
    });

    it('should move an alias away from a key pending deletion [D]', async () => {
      const doomed = await createKey();
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/rescued', TargetKeyId: doomed.KeyId }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyId, PendingWindowInDays: 7 }));

      await kms.send(new UpdateAliasCommand({ AliasName: 'alias/rescued', TargetKeyId: second.KeyId }));

      expect((await aliasNamed('alias/rescued'))!.TargetKeyId).toBe(second.KeyId);
    });
  });

  describe('DeleteAlias', () => {
    it('should delete the alias and leave its key alone', async () => {
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/short-lived', TargetKeyId: first.KeyId }));

      const res = await kms.send(new DeleteAliasCommand({ AliasName: 'alias/short-lived' }));

      expect(Object.keys(res)).toEqual(['$metadata']);
      expect(await aliasNamed('alias/short-lived')).toBeUndefined();
      expect((await awsError(() => kms.send(new EncryptCommand({ KeyId: 'alias/short-lived', Plaintext: utf8('x') })))).name).toBe('NotFoundException');
      expect((await kms.send(new DescribeKeyCommand({ KeyId: first.KeyId }))).KeyMetadata!.KeyState).toBe('Enabled');
    });

    it('should answer NotFoundException for an alias that does not exist', async () => {
      const err = await awsError(() => kms.send(new DeleteAliasCommand({ AliasName: 'alias/never-made' })));

      expect(err).toMatchObject({ name: 'NotFoundException', status: 400 });
    });

    it('should let a deleted name be used again', async () => {
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/reused', TargetKeyId: first.KeyId }));
      await kms.send(new DeleteAliasCommand({ AliasName: 'alias/reused' }));

      await kms.send(new CreateAliasCommand({ AliasName: 'alias/reused', TargetKeyId: second.KeyId }));

      expect((await aliasNamed('alias/reused'))!.TargetKeyId).toBe(second.KeyId);
    });
  });

  describe('CreateAlias refusals', () => {
    it('should refuse a name without the alias/ prefix with the AWS text [S]', async () => {
      const err = await awsError(() => kms.send(new CreateAliasCommand({ AliasName: 'no-prefix', TargetKeyId: first.KeyId })));

      expect(err).toEqual({
        name: 'ValidationException',
        message: 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
        status: 400,
      });
      expect(await aliasNamed('no-prefix')).toBeUndefined();
    });

    it.each(['alias/aws/mine', 'alias/aws/s3'])('should refuse the reserved name %s', async (name) => {
      const err = await awsError(() => kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: first.KeyId })));

      // AWS's answer is not recorded anywhere public (reference §7, gap 4); Trent says the name is invalid.
      expect(err).toMatchObject({ name: 'InvalidAliasNameException', status: 400 });
      expect(await aliasNamed(name)).toBeUndefined();
    });

    it('should refuse a name that is taken with AlreadyExistsException, keeping the old target', async () => {
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: first.KeyId }));

      const err = await awsError(() => kms.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: second.KeyId })));

      expect(err).toMatchObject({ name: 'AlreadyExistsException', status: 400 });
      expect(err.message).toContain(aliasArnOf(REGION, DEV_ACCOUNT, 'alias/taken'));
      expect((await aliasNamed('alias/taken'))!.TargetKeyId).toBe(first.KeyId);
    });

    it('should refuse characters outside the model pattern', async () => {
      const err = await awsError(() => kms.send(new CreateAliasCommand({ AliasName: 'alias/has space', TargetKeyId: first.KeyId })));

      expect(err.name).toBe('ValidationException');
      expect(err.message).toContain("at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
    });

    it('should refuse a name longer than 256 characters', async () => {
      const err = await awsError(() => kms.send(new CreateAliasCommand({ AliasName: `alias/${'n'.repeat(251)}`, TargetKeyId: first.KeyId })));

      expect(err.name).toBe('ValidationException');
      expect(err.message).toContain('Member must have length less than or equal to 256');
    });

    it('should answer NotFoundException for an unknown target key [S]', async () => {
      const missing = '11111111-2222-4333-8444-777777777777';

      const err = await awsError(() => kms.send(new CreateAliasCommand({ AliasName: 'alias/orphan', TargetKeyId: missing })));

      expect(err).toEqual({ name: 'NotFoundException', message: `Key 'arn:aws:kms:${REGION}:${DEV_ACCOUNT}:key/${missing}' does not exist`, status: 400 });
    });

    it('should refuse a target that is pending deletion [D]', async () => {
      const doomed = await createKey();
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyId, PendingWindowInDays: 7 }));

      const err = await awsError(() => kms.send(new CreateAliasCommand({ AliasName: 'alias/too-late', TargetKeyId: doomed.KeyId })));

      expect(err).toEqual({ name: 'KMSInvalidStateException', message: `${doomed.Arn} is pending deletion.`, status: 400 });
    });
  });
});
