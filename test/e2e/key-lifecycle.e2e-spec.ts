import {
  ReplicateKeyCommand,
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  KeyMetadata,
  ListAliasesCommand,
  ListKeyPoliciesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { awsError, TrentNode } from '../support/trent-node';
import { advanceClock, clusterNow, DAY_MS, DAY_S, DEV_ACCOUNT, eventually, expectDateNear, KEY_MATERIAL_ID, keyArnOf, UUID } from './e2e-helpers';

/**
 * Key lifecycle against a real node: CreateKey, DescribeKey, ListKeys, UpdateKeyDescription,
 * EnableKey/DisableKey, ScheduleKeyDeletion/CancelKeyDeletion and the deletion that completes when
 * the cluster clock passes the deletion date. Texts marked [S] were recorded from AWS (LocalStack
 * snapshots, see /tmp/research/aws-messages.md); where AWS's text is unknown only the code is checked.
 */
describe('key lifecycle (e2e)', () => {
  const REGION = 'us-east-1';
  let node: TrentNode;
  let kms: KMSClient;
  const arnOf = (keyId: string) => keyArnOf(REGION, DEV_ACCOUNT, keyId);

  const createKey = async (input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}): Promise<KeyMetadata> =>
    (await kms.send(new CreateKeyCommand(input))).KeyMetadata!;
  const describeKey = async (keyId: string): Promise<KeyMetadata> => (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;

  beforeAll(async () => {
    node = await TrentNode.start({ region: REGION });
    kms = node.client();
  });

  afterAll(async () => {
    kms?.destroy();
    await node?.dispose();
  });

  describe('CreateKey', () => {
    it('should answer the KeyMetadata AWS documents for a symmetric key, and nothing more', async () => {
      const before = await clusterNow(node);

      const md = await createKey();

      expect(md.KeyId).toMatch(UUID);
      expect(md).toEqual({
        AWSAccountId: DEV_ACCOUNT,
        KeyId: md.KeyId,
        Arn: `arn:aws:kms:us-east-1:000000000000:key/${md.KeyId}`,
        CreationDate: expect.any(Date),
        Enabled: true,
        Description: '',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        MultiRegion: false,
        CurrentKeyMaterialId: expect.stringMatching(KEY_MATERIAL_ID),
      });
      // Members AWS sends only for other key types or states.
      for (const absent of ['DeletionDate', 'ValidTo', 'ExpirationModel', 'SigningAlgorithms', 'MacAlgorithms', 'PendingDeletionWindowInDays', 'MultiRegionConfiguration', 'CustomKeyStoreId']) {
        expect(md).not.toHaveProperty(absent);
      }
      expectDateNear(md.CreationDate, before, 10_000);
    });

    it('should keep the Description, Tags and Policy it was given', async () => {
      const policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*', Resource: '*' }],
      });

      const md = await createKey({ Description: 'orders database', Tags: [{ TagKey: 'team', TagValue: 'payments' }], Policy: policy });

      expect(md.Description).toBe('orders database');
      expect((await describeKey(md.KeyId!)).Description).toBe('orders database');
      expect((await kms.send(new ListResourceTagsCommand({ KeyId: md.KeyId }))).Tags).toEqual([{ TagKey: 'team', TagValue: 'payments' }]);
      expect((await kms.send(new GetKeyPolicyCommand({ KeyId: md.KeyId, PolicyName: 'default' }))).Policy).toBe(policy);
    });

    it('should give every key a distinct id and backing key', async () => {
      const [a, b] = await Promise.all([createKey(), createKey()]);

      expect(a.KeyId).not.toBe(b.KeyId);
      expect(a.CurrentKeyMaterialId).not.toBe(b.CurrentKeyMaterialId);
    });

    it('should create a multi-Region primary key, and refuse to replicate it when the node has no replicator', async () => {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ MultiRegion: true }));

      expect(KeyMetadata!.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
      expect(KeyMetadata!.MultiRegionConfiguration).toEqual({ MultiRegionKeyType: 'PRIMARY', PrimaryKey: { Arn: KeyMetadata!.Arn, Region: 'us-east-1' }, ReplicaKeys: [] });
      const err = await awsError(() => kms.send(new ReplicateKeyCommand({ KeyId: KeyMetadata!.KeyId, ReplicaRegion: 'eu-west-1' })));
      expect(err).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
      expect(err.message).toMatch(/replication is off/);
    });

    // Every other spec is created in asymmetric.e2e-spec.ts and import-key-material.e2e-spec.ts.
    it.each([
      ['SM2 (China Regions only)', { KeySpec: 'SM2' as const, KeyUsage: 'SIGN_VERIFY' as const }],
      ['a custom key store origin', { Origin: 'AWS_CLOUDHSM' as const }],
    ])('should refuse %s with UnsupportedOperationException and create nothing', async (_what, input) => {
      const keysBefore = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length;

      const err = await awsError(() => kms.send(new CreateKeyCommand(input)));

      expect(err).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
      expect((await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys).toHaveLength(keysBefore);
    });

    it('should refuse a KeySpec outside the enum with the model validation text', async () => {
      const err = await awsError(() => kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_random' as never })));

      expect(err.name).toBe('ValidationException');
      expect(err.message).toMatch(/^1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: \[/);
    });

    it('should refuse a Description longer than 8192 characters', async () => {
      const err = await awsError(() => kms.send(new CreateKeyCommand({ Description: 'd'.repeat(8193) })));

      expect(err.name).toBe('ValidationException');
      expect(err.message).toContain("at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192");
    });
  });

  describe('DescribeKey', () => {
    let key: KeyMetadata;

    beforeAll(async () => {
      key = await createKey({ Description: 'described' });
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/lifecycle-described', TargetKeyId: key.KeyId }));
    });

    it.each([
      ['key id', () => key.KeyId!],
      ['key ARN', () => key.Arn!],
      ['alias name', () => 'alias/lifecycle-described'],
      ['alias ARN', () => `arn:aws:kms:us-east-1:000000000000:alias/lifecycle-described`],
    ])('should find the key by its %s', async (_what, ref) => {
      const md = await describeKey(ref());

      expect(md).toEqual(key);
    });

    it('should answer NotFoundException with the key ARN in the caller Region for an unknown key id [S]', async () => {
      const missing = '11111111-2222-4333-8444-555555555555';

      const err = await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: missing })));

      expect(err).toEqual({ name: 'NotFoundException', message: `Key 'arn:aws:kms:us-east-1:000000000000:key/${missing}' does not exist`, status: 400 });
    });

    it('should answer NotFoundException for an unknown key ARN of this Region [S]', async () => {
      const arn = arnOf('11111111-2222-4333-8444-555555555555');

      const err = await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: arn })));

      expect(err).toEqual({ name: 'NotFoundException', message: `Key '${arn}' does not exist`, status: 400 });
    });

    it('should answer NotFoundException naming the other Region for a key ARN of another Region [S]', async () => {
      const foreign = `arn:aws:kms:ap-southeast-1:000000000000:key/${key.KeyId}`;

      const err = await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: foreign })));

      expect(err).toEqual({ name: 'NotFoundException', message: 'Invalid arn ap-southeast-1', status: 400 });
    });

    it.each(['fake-key-id', '134f2428cec14b25a1ae9048164dba47', 'mrk-fake-key-id', `${'a'.repeat(8)}-bbbb-cccc-dddd`])(
      'should answer NotFoundException "Invalid keyId" for the malformed id %s [S]',
      async (bad) => {
        const err = await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: bad })));

        expect(err).toEqual({ name: 'NotFoundException', message: `Invalid keyId '${bad}'`, status: 400 });
      },
    );

    it('should answer NotFoundException for a well-formed multi-Region key id that does not exist [S]', async () => {
      const mrk = 'mrk-d3b95762d3b95762d3b95762d3b95762';

      const err = await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: mrk })));

      expect(err).toEqual({ name: 'NotFoundException', message: `Key 'arn:aws:kms:us-east-1:000000000000:key/${mrk}' does not exist`, status: 400 });
    });

    it('should answer ValidationException for an empty KeyId [I]', async () => {
      const err = await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: '' })));

      expect(err).toEqual({
        name: 'ValidationException',
        message: "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1",
        status: 400,
      });
    });

    it('should answer NotFoundException for an alias that does not exist', async () => {
      const err = await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: 'alias/lifecycle-nobody' })));

      expect(err).toMatchObject({ name: 'NotFoundException', status: 400 });
    });
  });

  describe('ListKeys', () => {
    it('should page through every key, each page at most Limit long, with Truncated and NextMarker', async () => {
      const created = await Promise.all(Array.from({ length: 7 }, () => createKey()));
      const all = new Map<string, string>();
      let marker: string | undefined;
      let pages = 0;

      do {
        const page = await kms.send(new ListKeysCommand({ Limit: 3, Marker: marker }));
        pages += 1;
        expect(page.Keys!.length).toBeLessThanOrEqual(3);
        expect(page.Keys!.length).toBeGreaterThan(0);
        for (const k of page.Keys!) {
          expect(all.has(k.KeyId!)).toBe(false);
          all.set(k.KeyId!, k.KeyArn!);
        }
        if (page.Truncated) expect(page.NextMarker).toEqual(expect.any(String));
        else expect(page.NextMarker).toBeUndefined();
        marker = page.NextMarker;
      } while (marker);

      const everything = await kms.send(new ListKeysCommand({}));
      expect(everything.Truncated).toBe(false);
      expect(everything.NextMarker).toBeUndefined();
      expect(new Set(everything.Keys!.map((k) => k.KeyId))).toEqual(new Set(all.keys()));
      expect(pages).toBe(Math.ceil(all.size / 3));
      for (const k of created) expect(all.get(k.KeyId!)).toBe(arnOf(k.KeyId!));
    });

    it('should refuse a marker it did not hand out with InvalidMarkerException', async () => {
      for (const marker of ['not-a-marker', 'AAAA', '%%%']) {
        const err = await awsError(() => kms.send(new ListKeysCommand({ Marker: marker })));
        expect(err).toMatchObject({ name: 'InvalidMarkerException', status: 400 });
      }
    });

    it.each([0, 1001])('should refuse Limit %i with ValidationException', async (limit) => {
      const err = await awsError(() => kms.send(new ListKeysCommand({ Limit: limit })));

      expect(err.name).toBe('ValidationException');
      expect(err.message).toContain(`Value '${limit}' at 'limit' failed to satisfy constraint`);
    });
  });

  describe('UpdateKeyDescription, DisableKey, EnableKey', () => {
    it('should change the description', async () => {
      const key = await createKey({ Description: 'old' });

      const res = await kms.send(new UpdateKeyDescriptionCommand({ KeyId: key.Arn, Description: 'new text' }));

      expect(Object.keys(res)).toEqual(['$metadata']);
      expect((await describeKey(key.KeyId!)).Description).toBe('new text');
    });

    it('should disable and enable again, showing Enabled and KeyState', async () => {
      const key = await createKey();

      await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
      const disabled = await describeKey(key.KeyId!);
      await kms.send(new DisableKeyCommand({ KeyId: key.KeyId })); // disabling twice is fine
      await kms.send(new EnableKeyCommand({ KeyId: key.Arn }));
      const enabled = await describeKey(key.KeyId!);

      expect(disabled).toMatchObject({ Enabled: false, KeyState: 'Disabled' });
      expect(enabled).toMatchObject({ Enabled: true, KeyState: 'Enabled' });
    });

    it('should refuse an unknown key with NotFoundException [S]', async () => {
      const missing = '11111111-2222-4333-8444-666666666666';

      for (const send of [
        () => kms.send(new DisableKeyCommand({ KeyId: missing })),
        () => kms.send(new EnableKeyCommand({ KeyId: missing })),
        () => kms.send(new UpdateKeyDescriptionCommand({ KeyId: missing, Description: 'x' })),
      ]) {
        expect(await awsError(send)).toEqual({ name: 'NotFoundException', message: `Key '${arnOf(missing)}' does not exist`, status: 400 });
      }
    });

    it('should not take an alias where AWS wants a key id or ARN', async () => {
      const key = await createKey();
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/lifecycle-no-alias-here', TargetKeyId: key.KeyId }));

      const err = await awsError(() => kms.send(new DisableKeyCommand({ KeyId: 'alias/lifecycle-no-alias-here' })));

      expect(err.name).toBe('NotFoundException');
      expect((await describeKey(key.KeyId!)).KeyState).toBe('Enabled');
    });
  });

  describe('ScheduleKeyDeletion and CancelKeyDeletion', () => {
    it('should schedule deletion with the given window and show it in DescribeKey', async () => {
      const key = await createKey();
      const now = await clusterNow(node);

      const res = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));

      expect(res.KeyId).toBe(key.Arn);
      expect(res.KeyState).toBe('PendingDeletion');
      expect(res.PendingWindowInDays).toBe(7);
      expectDateNear(res.DeletionDate, now.getTime() + 7 * DAY_MS, 10_000);
      const md = await describeKey(key.KeyId!);
      expect(md).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false, DeletionDate: res.DeletionDate });
      // Only a multi-Region primary waiting for its replicas shows the window (PendingReplicaDeletion).
      expect(md).not.toHaveProperty('PendingDeletionWindowInDays');
    });

    it('should wait 30 days when no window is given', async () => {
      const key = await createKey();
      const now = await clusterNow(node);

      const res = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId }));

      expect(res.PendingWindowInDays).toBe(30);
      expectDateNear(res.DeletionDate, now.getTime() + 30 * DAY_MS, 10_000);
    });

    it.each([6, 31])('should refuse a %i day window with ValidationException and leave the key alone', async (days) => {
      const key = await createKey();

      const err = await awsError(() => kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: days })));

      expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
      expect((await describeKey(key.KeyId!)).KeyState).toBe('Enabled');
    });

    it('should refuse every management change of a key pending deletion with KMSInvalidStateException', async () => {
      const key = await createKey();
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
      const expected = { name: 'KMSInvalidStateException', message: `${key.Arn} is pending deletion.`, status: 400 };

      const refused = {
        EnableKey: () => kms.send(new EnableKeyCommand({ KeyId: key.KeyId })),
        DisableKey: () => kms.send(new DisableKeyCommand({ KeyId: key.KeyId })),
        UpdateKeyDescription: () => kms.send(new UpdateKeyDescriptionCommand({ KeyId: key.KeyId, Description: 'x' })),
        TagResource: () => kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] })),
        UntagResource: () => kms.send(new UntagResourceCommand({ KeyId: key.KeyId, TagKeys: ['a'] })),
        CreateAlias: () => kms.send(new CreateAliasCommand({ AliasName: 'alias/lifecycle-pending', TargetKeyId: key.KeyId })),
        EnableKeyRotation: () => kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId })),
        DisableKeyRotation: () => kms.send(new DisableKeyRotationCommand({ KeyId: key.KeyId })),
        RotateKeyOnDemand: () => kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId })),
        ScheduleKeyDeletion: () => kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 })),
      };
      for (const [operation, send] of Object.entries(refused)) {
        expect({ operation, ...(await awsError(send)) }).toEqual({ operation, ...expected });
      }
      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingDeletion');
    });

    it('should still answer the read-only operations and PutKeyPolicy for a key pending deletion', async () => {
      const key = await createKey({ Tags: [{ TagKey: 'k', TagValue: 'v' }] });
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
      const policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });

      await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: policy }));

      expect((await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }))).Policy).toBe(policy);
      expect((await kms.send(new ListKeyPoliciesCommand({ KeyId: key.KeyId }))).PolicyNames).toEqual(['default']);
      expect((await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }))).Tags).toEqual([{ TagKey: 'k', TagValue: 'v' }]);
      expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled).toBe(false);
    });

    it('should cancel a deletion, leaving the key Disabled without a DeletionDate', async () => {
      const key = await createKey();
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));

      const res = await kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));

      expect(res.KeyId).toBe(key.Arn);
      const md = await describeKey(key.KeyId!);
      expect(md).toMatchObject({ KeyState: 'Disabled', Enabled: false });
      expect(md).not.toHaveProperty('DeletionDate');
      await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
      expect((await describeKey(key.KeyId!)).KeyState).toBe('Enabled');
    });

    it('should refuse to cancel the deletion of a key that is not pending deletion [D]', async () => {
      const key = await createKey();

      const err = await awsError(() => kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId })));

      expect(err).toEqual({ name: 'KMSInvalidStateException', message: `${key.Arn} is not pending deletion.`, status: 400 });
    });
  });

  // Moves the cluster clock 31 days: keep it last in this file.
  describe('when the waiting period ends', () => {
    it('should delete the key and its aliases, and leave other keys alone', async () => {
      const doomed = await createKey({ Description: 'doomed' });
      const doomedLate = await createKey({ Description: 'doomed after 30 days' });
      const spared = await createKey({ Description: 'cancelled' });
      const untouched = await createKey({ Description: 'never scheduled' });
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/lifecycle-doomed', TargetKeyId: doomed.KeyId }));
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/lifecycle-doomed-2', TargetKeyId: doomed.KeyId }));
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/lifecycle-untouched', TargetKeyId: untouched.KeyId }));
      const orphan = (await kms.send(new EncryptCommand({ KeyId: doomed.KeyId, Plaintext: Buffer.from('lost with its key') }))).CiphertextBlob!;
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyId, PendingWindowInDays: 7 }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomedLate.KeyId, PendingWindowInDays: 30 }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: spared.KeyId, PendingWindowInDays: 7 }));
      await kms.send(new CancelKeyDeletionCommand({ KeyId: spared.KeyId }));

      await advanceClock(node, 6 * DAY_S);
      // Not yet due: six days into a seven-day window.
      await new Promise((r) => setTimeout(r, 1_200));
      expect((await describeKey(doomed.KeyId!)).KeyState).toBe('PendingDeletion');

      await advanceClock(node, 25 * DAY_S);

      for (const gone of [doomed, doomedLate]) {
        await eventually(async () => {
          expect(await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: gone.KeyId })))).toEqual({
            name: 'NotFoundException',
            message: `Key '${gone.Arn}' does not exist`,
            status: 400,
          });
        });
      }
      const aliases = (await kms.send(new ListAliasesCommand({}))).Aliases!.map((a) => a.AliasName);
      expect(aliases).not.toContain('alias/lifecycle-doomed');
      expect(aliases).not.toContain('alias/lifecycle-doomed-2');
      expect(aliases).toContain('alias/lifecycle-untouched');
      expect((await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: 'alias/lifecycle-doomed' })))).name).toBe('NotFoundException');
      const listed = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.map((k) => k.KeyId);
      expect(listed).not.toContain(doomed.KeyId);
      expect(listed).not.toContain(doomedLate.KeyId);
      expect(listed).toEqual(expect.arrayContaining([spared.KeyId, untouched.KeyId]));
      expect((await describeKey(spared.KeyId!)).KeyState).toBe('Disabled');
      expect((await describeKey('alias/lifecycle-untouched')).KeyId).toBe(untouched.KeyId);
      // Ciphertext under a deleted key can never be decrypted again [I]: AWS's text, quoted in many public issues.
      expect(await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: orphan })))).toEqual({
        name: 'AccessDeniedException',
        message: 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
        status: 400,
      });
      // A deleted key's id can be named again only to learn that it is gone.
      expect((await awsError(() => kms.send(new CancelKeyDeletionCommand({ KeyId: doomed.KeyId })))).name).toBe('NotFoundException');
    });
  });
});
