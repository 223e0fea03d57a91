import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  KeyMetadata,
  ListKeyRotationsCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  RotationsListEntry,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { awsError, TrentNode } from '../support/trent-node';
import { advanceClock, clusterNow, DAY_MS, DAY_S, eventually, expectDateNear, KEY_MATERIAL_ID, pageThrough, text, utf8 } from './e2e-helpers';

/**
 * EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand and
 * ListKeyRotations against a real node, including automatic rotation when the cluster clock passes
 * the rotation date. [L]: LocalStack's text for a test it runs against AWS; [D]: AWS docs.
 */
describe('key rotation (e2e)', () => {
  let node: TrentNode;
  let kms: KMSClient;

  const createKey = async (): Promise<KeyMetadata> => (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const currentMaterial = async (keyId: string): Promise<string> => (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.CurrentKeyMaterialId!;
  const status = (keyId: string) => kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
  const rotations = async (keyId: string, include?: 'ALL_KEY_MATERIAL' | 'ROTATIONS_ONLY'): Promise<RotationsListEntry[]> => {
    const res = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: include }));
    expect(res.Truncated).toBe(false);
    return res.Rotations!;
  };
  const encrypt = async (keyId: string, plaintext: string): Promise<Uint8Array> =>
    (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8(plaintext) }))).CiphertextBlob!;

  beforeAll(async () => {
    node = await TrentNode.start();
    kms = node.client();
  });

  afterAll(async () => {
    kms?.destroy();
    await node?.dispose();
  });

  describe('automatic rotation settings', () => {
    it('should report rotation off for a new key, without period or date', async () => {
      const key = await createKey();

      const res = await status(key.KeyId!);

      expect(res.KeyRotationEnabled).toBe(false);
      expect(res.KeyId).toBe(key.Arn);
      expect(res).not.toHaveProperty('RotationPeriodInDays');
      expect(res).not.toHaveProperty('NextRotationDate');
      expect(res).not.toHaveProperty('OnDemandRotationStartDate');
    });

    it('should enable rotation every 365 days by default', async () => {
      const key = await createKey();
      const now = await clusterNow(node);

      const res = await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId }));

      expect(Object.keys(res)).toEqual(['$metadata']);
      const s = await status(key.Arn!);
      expect(s).toMatchObject({ KeyRotationEnabled: true, KeyId: key.Arn, RotationPeriodInDays: 365 });
      expectDateNear(s.NextRotationDate, now.getTime() + 365 * DAY_MS, 10_000);
    });

    it.each([90, 2560])('should take a period of %i days', async (days) => {
      const key = await createKey();
      const now = await clusterNow(node);

      await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: days }));

      const s = await status(key.KeyId!);
      expect(s.RotationPeriodInDays).toBe(days);
      expectDateNear(s.NextRotationDate, now.getTime() + days * DAY_MS, 10_000);
    });

    it.each([
      [89, 'greater than or equal to 90'],
      [2561, 'less than or equal to 2560'],
    ])('should refuse a period of %i days with ValidationException', async (days, bound) => {
      const key = await createKey();

      const err = await awsError(() => kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: days })));

      expect(err).toEqual({
        name: 'ValidationException',
        message: `1 validation error detected: Value '${days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value ${bound}`,
        status: 400,
      });
      expect((await status(key.KeyId!)).KeyRotationEnabled).toBe(false);
    });

    it('should disable rotation again', async () => {
      const key = await createKey();
      await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 100 }));

      await kms.send(new DisableKeyRotationCommand({ KeyId: key.KeyId }));

      const s = await status(key.KeyId!);
      expect(s.KeyRotationEnabled).toBe(false);
      expect(s).not.toHaveProperty('NextRotationDate');
    });

    it('should refuse rotation changes on a disabled key with DisabledException, but still report the status [D]', async () => {
      const key = await createKey();
      await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId }));
      await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
      const expected = { name: 'DisabledException', message: `${key.Arn} is disabled.`, status: 400 };

      expect(await awsError(() => kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId })))).toEqual(expected);
      expect(await awsError(() => kms.send(new DisableKeyRotationCommand({ KeyId: key.KeyId })))).toEqual(expected);
      expect(await awsError(() => kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId })))).toEqual(expected);
      expect((await status(key.KeyId!)).KeyRotationEnabled).toBe(true);
    });

    it('should report rotation off while the key is pending deletion, and restore it when the deletion is cancelled [D]', async () => {
      // GetKeyRotationStatus API reference: "While a KMS key is pending deletion, its key rotation
      // status is false [...] If you cancel the deletion, the original key rotation status returns to true."
      const key = await createKey();
      await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 200 }));
      const enabled = await status(key.KeyId!);
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));

      const pending = await status(key.KeyId!);

      expect(pending.KeyRotationEnabled).toBe(false);
      expect(pending).not.toHaveProperty('NextRotationDate');
      await kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));
      const restored = await status(key.KeyId!);
      expect(restored).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 200, NextRotationDate: enabled.NextRotationDate });
    });

    it('should answer NotFoundException for an unknown key', async () => {
      const missing = '11111111-2222-4333-8444-aaaaaaaaaaaa';

      for (const send of [
        () => kms.send(new EnableKeyRotationCommand({ KeyId: missing })),
        () => kms.send(new GetKeyRotationStatusCommand({ KeyId: missing })),
        () => kms.send(new RotateKeyOnDemandCommand({ KeyId: missing })),
        () => kms.send(new ListKeyRotationsCommand({ KeyId: missing })),
      ]) {
        expect(await awsError(send)).toEqual({ name: 'NotFoundException', message: `Key 'arn:aws:kms:us-east-1:000000000000:key/${missing}' does not exist`, status: 400 });
      }
    });
  });

  describe('on-demand rotation', () => {
    it('should make new key material current while older ciphertext still decrypts', async () => {
      const key = await createKey();
      const before = await encrypt(key.KeyId!, 'sealed before rotation');
      const oldMaterial = key.CurrentKeyMaterialId!;
      const now = await clusterNow(node);

      const res = await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));

      expect(res.KeyId).toContain(key.KeyId);
      const newMaterial = await currentMaterial(key.KeyId!);
      expect(newMaterial).toMatch(KEY_MATERIAL_ID);
      expect(newMaterial).not.toBe(oldMaterial);
      const old = await kms.send(new DecryptCommand({ CiphertextBlob: before }));
      expect(text(old.Plaintext)).toBe('sealed before rotation');
      expect(old.KeyMaterialId).toBe(oldMaterial);
      const after = await kms.send(new DecryptCommand({ CiphertextBlob: await encrypt(key.KeyId!, 'sealed after') }));
      expect(after.KeyMaterialId).toBe(newMaterial);

      const listed = await rotations(key.KeyId!);
      expect(listed).toEqual([{ KeyId: key.KeyId, KeyMaterialId: newMaterial, KeyMaterialState: 'CURRENT', RotationDate: expect.any(Date), RotationType: 'ON_DEMAND' }]);
      expectDateNear(listed[0].RotationDate, now, 10_000);
    });

    it('should move old ciphertext to the current key material with ReEncrypt', async () => {
      const key = await createKey();
      const before = await encrypt(key.KeyId!, 'to be refreshed');
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
      const current = await currentMaterial(key.KeyId!);

      const res = await kms.send(new ReEncryptCommand({ CiphertextBlob: before, DestinationKeyId: key.KeyId }));

      expect(res.SourceKeyId).toBe(key.Arn);
      expect(res.KeyId).toBe(key.Arn);
      expect(res.SourceKeyMaterialId).toBe(key.CurrentKeyMaterialId);
      expect(res.DestinationKeyMaterialId).toBe(current);
      expect(res.DestinationKeyMaterialId).not.toBe(res.SourceKeyMaterialId);
      const back = await kms.send(new DecryptCommand({ CiphertextBlob: res.CiphertextBlob }));
      expect(text(back.Plaintext)).toBe('to be refreshed');
      expect(back.KeyMaterialId).toBe(current);
    });

    it('should list every key material with ALL_KEY_MATERIAL, the first without a rotation date', async () => {
      const key = await createKey();
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
      const current = await currentMaterial(key.KeyId!);

      const all = await rotations(key.KeyId!, 'ALL_KEY_MATERIAL');
      const only = await rotations(key.KeyId!, 'ROTATIONS_ONLY');

      expect(all).toHaveLength(3);
      expect(all[0]).toEqual({ KeyId: key.KeyId, KeyMaterialId: key.CurrentKeyMaterialId, KeyMaterialState: 'NON_CURRENT' });
      expect(all.map((r) => r.KeyMaterialState)).toEqual(['NON_CURRENT', 'NON_CURRENT', 'CURRENT']);
      expect(all[2].KeyMaterialId).toBe(current);
      expect(only).toEqual(all.slice(1));
      expect(new Set(all.map((r) => r.KeyMaterialId)).size).toBe(3);
    });

    it('should leave the automatic rotation schedule as it was [D]', async () => {
      const key = await createKey();
      await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 180 }));
      const scheduled = (await status(key.KeyId!)).NextRotationDate;

      await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));

      expect((await status(key.KeyId!)).NextRotationDate).toEqual(scheduled);
    });

    it('should page through the rotations and refuse a made-up marker', async () => {
      const key = await createKey();
      for (let i = 0; i < 5; i++) await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
      const { items: seen, pages } = await pageThrough(2, async (Marker) => {
        const page = await kms.send(new ListKeyRotationsCommand({ KeyId: key.KeyId, Limit: 2, Marker }));
        return { ...page, items: page.Rotations?.map((r) => r.KeyMaterialId!) };
      });

      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(5);
      expect(seen[4]).toBe(await currentMaterial(key.KeyId!));
      expect((await awsError(() => kms.send(new ListKeyRotationsCommand({ KeyId: key.KeyId, Marker: 'nope' })))).name).toBe('InvalidMarkerException');
    });

    it('should stop at the on-demand rotation limit with LimitExceededException, every ciphertext still decrypting [L]', async () => {
      const key = await createKey();
      const blobs: Uint8Array[] = [await encrypt(key.KeyId!, 'version 1')];
      for (let i = 0; i < 25; i++) {
        await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
        blobs.push(await encrypt(key.KeyId!, `version ${i + 2}`));
      }
      const current = await currentMaterial(key.KeyId!);

      const err = await awsError(() => kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId })));

      expect(err).toEqual({
        name: 'LimitExceededException',
        message: `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.Arn}`,
        status: 400,
      });
      expect(await currentMaterial(key.KeyId!)).toBe(current);
      expect(await rotations(key.KeyId!)).toHaveLength(25);
      const materials = new Set<string>();
      for (const [i, blob] of blobs.entries()) {
        const res = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
        expect(text(res.Plaintext)).toBe(`version ${i + 1}`);
        materials.add(res.KeyMaterialId!);
      }
      expect(materials.size).toBe(26);
    });
  });

  // Moves the cluster clock: keep it last in this file.
  describe('automatic rotation', () => {
    let disabledKeyId: string;

    it('should rotate once the period has passed, and schedule the next rotation one period later', async () => {
      const rotating = await createKey();
      const yearly = await createKey();
      const switchedOff = await createKey();
      const disabledKey = await createKey();
      disabledKeyId = disabledKey.KeyId!;
      await kms.send(new EnableKeyRotationCommand({ KeyId: rotating.KeyId, RotationPeriodInDays: 90 }));
      await kms.send(new EnableKeyRotationCommand({ KeyId: yearly.KeyId }));
      await kms.send(new EnableKeyRotationCommand({ KeyId: switchedOff.KeyId, RotationPeriodInDays: 90 }));
      await kms.send(new DisableKeyRotationCommand({ KeyId: switchedOff.KeyId }));
      await kms.send(new EnableKeyRotationCommand({ KeyId: disabledKey.KeyId, RotationPeriodInDays: 90 }));
      await kms.send(new DisableKeyCommand({ KeyId: disabledKey.KeyId }));
      const blob = await encrypt(rotating.KeyId!, 'written in the first quarter');
      const firstDate = (await status(rotating.KeyId!)).NextRotationDate!;

      const clusterTime = await advanceClock(node, 91 * DAY_S);

      const listed = await eventually(async () => {
        const r = await rotations(rotating.KeyId!);
        expect(r).toHaveLength(1);
        return r;
      });
      expect(listed[0]).toMatchObject({ KeyId: rotating.KeyId, KeyMaterialState: 'CURRENT', RotationType: 'AUTOMATIC' });
      expectDateNear(listed[0].RotationDate, clusterTime, 10_000);
      expect(listed[0].RotationDate!.getTime()).toBeGreaterThanOrEqual(firstDate.getTime());
      expect(await currentMaterial(rotating.KeyId!)).toBe(listed[0].KeyMaterialId);
      expect(listed[0].KeyMaterialId).not.toBe(rotating.CurrentKeyMaterialId);
      const s = await status(rotating.KeyId!);
      expect(s.NextRotationDate!.getTime()).toBeGreaterThan(firstDate.getTime());
      expectDateNear(s.NextRotationDate, listed[0].RotationDate!.getTime() + 90 * DAY_MS, 10_000);
      expect(s.RotationPeriodInDays).toBe(90);
      const old = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
      expect(text(old.Plaintext)).toBe('written in the first quarter');
      expect(old.KeyMaterialId).toBe(rotating.CurrentKeyMaterialId);

      // Give the scheduler another pass: nothing else is due, so nothing else rotates.
      await new Promise((r) => setTimeout(r, 1_200));
      expect(await rotations(rotating.KeyId!)).toHaveLength(1);
      expect(await rotations(yearly.KeyId!)).toEqual([]);
      expect(await rotations(switchedOff.KeyId!)).toEqual([]);
      expect(await rotations(disabledKey.KeyId!)).toEqual([]);

      // A further period rotates again.
      await advanceClock(node, 91 * DAY_S);
      await eventually(async () => expect(await rotations(rotating.KeyId!)).toHaveLength(2));
      const two = await rotations(rotating.KeyId!);
      expect(two.map((r) => [r.RotationType, r.KeyMaterialState])).toEqual([
        ['AUTOMATIC', 'NON_CURRENT'],
        ['AUTOMATIC', 'CURRENT'],
      ]);
      expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).toBe('written in the first quarter');
    });

    it('should rotate a key whose rotation fell due while it was disabled once it is enabled again [D]', async () => {
      // disabledKey from the test above has been overdue since the first advance.
      const key = (await kms.send(new DescribeKeyCommand({ KeyId: disabledKeyId }))).KeyMetadata!;
      expect(key.KeyState).toBe('Disabled');

      await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));

      const listed = await eventually(async () => {
        const r = await rotations(key.KeyId!);
        expect(r).toHaveLength(1);
        return r;
      });
      expect(listed[0].RotationType).toBe('AUTOMATIC');
    });
  });
});
