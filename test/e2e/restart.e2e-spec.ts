import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsError, TrentNode } from '../support/trent-node';
import { advanceClock, DAY_S, eventually, text, utf8 } from './e2e-helpers';

interface Sealed {
  blob: Uint8Array;
  plaintext: Buffer;
  context?: Record<string, string>;
}

/**
 * Everything a node acknowledged survives a crash (SIGKILL) and a graceful stop (SIGTERM): keys,
 * their states, aliases, tags, policies, rotations, the cluster clock, and every ciphertext still
 * decrypts after the node starts again on the same data.
 */
describe('restart on the same data (e2e)', () => {
  let dataRoot: string;
  let node: TrentNode;
  let kms: KMSClient;
  const keyIds: string[] = [];
  const sealed: Sealed[] = [];
  let doomedKeyId: string;

  const start = async (): Promise<void> => {
    node = await TrentNode.start({ dataRoot });
    kms = node.client();
  };
  const restart = async (signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
    kms.destroy();
    await node.stop(signal);
    expect(node.alive).toBe(false);
    await start();
  };

  const seal = async (keyId: string, plaintext: Buffer, context?: Record<string, string>): Promise<void> => {
    const res = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context }));
    sealed.push({ blob: res.CiphertextBlob!, plaintext, context });
  };

  /** Everything observable about the Region, for comparison before and after a restart. */
  const observe = async (): Promise<Record<string, unknown>> => {
    const listed = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.map((k) => k.KeyId!).sort();
    const keys: Record<string, unknown> = {};
    for (const keyId of listed) {
      const { $metadata: _m1, ...described } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      const { $metadata: _m2, ...tags } = await kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
      const { $metadata: _m3, ...policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }));
      const { $metadata: _m4, ...rotation } = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
      const { $metadata: _m5, ...materials } = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }));
      keys[keyId] = { described, tags, policy, rotation, materials };
    }
    const { $metadata: _m6, ...aliases } = await kms.send(new ListAliasesCommand({ Limit: 1000 }));
    const status = (await (await fetch(`${node.endpoint}/_trent/status`)).json()) as { clockOffsetMs: number; keys: number; aliases: number };
    return { listed, keys, aliases, clockOffsetMs: status.clockOffsetMs, counts: [status.keys, status.aliases] };
  };

  /** Ciphertexts of the disabled and the doomed key cannot be decrypted in those states; they are checked apart. */
  const LOCKED = ['sealed before disabling', 'sealed under a key that will be deleted'];
  const expectUsableCiphertextsDecrypt = async (): Promise<void> => {
    const usable = sealed.filter((s) => !LOCKED.includes(s.plaintext.toString()));
    expect(usable.length).toBeGreaterThanOrEqual(6);
    for (const [i, s] of usable.entries()) {
      const res = await kms.send(new DecryptCommand({ CiphertextBlob: s.blob, EncryptionContext: s.context }));
      expect({ i, plaintext: Buffer.from(res.Plaintext!).toString('hex') }).toEqual({ i, plaintext: s.plaintext.toString('hex') });
    }
  };
  const lockedBlob = (plaintext: string): Uint8Array => sealed.find((s) => s.plaintext.toString() === plaintext)!.blob;

  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'trent-e2e-restart-'));
    await start();

    const create = async (description: string) => {
      const md = (await kms.send(new CreateKeyCommand({ Description: description, Tags: [{ TagKey: 'suite', TagValue: 'restart' }] }))).KeyMetadata!;
      keyIds.push(md.KeyId!);
      return md.KeyId!;
    };
    const plain = await create('plain');
    const rotated = await create('rotated');
    const disabled = await create('disabled');
    doomedKeyId = await create('doomed');

    await kms.send(new CreateAliasCommand({ AliasName: 'alias/restart-plain', TargetKeyId: plain }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/restart-rotated', TargetKeyId: rotated }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/restart-doomed', TargetKeyId: doomedKeyId }));
    await kms.send(new TagResourceCommand({ KeyId: plain, Tags: [{ TagKey: 'owner', TagValue: 'team-a' }, { TagKey: 'cost', TagValue: '42' }] }));
    await kms.send(new PutKeyPolicyCommand({ KeyId: plain, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'custom', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] }) }));

    await seal(plain, Buffer.from('plain, no context'));
    await seal('alias/restart-plain', Buffer.from('plain, with context'), { app: 'billing', env: 'prod' });
    await seal(rotated, Buffer.from('rotated key, first material'));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: rotated }));
    await seal(rotated, Buffer.from('rotated key, second material'), { n: '2' });
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: rotated }));
    await seal(rotated, Buffer.from('rotated key, third material'));
    await kms.send(new EnableKeyRotationCommand({ KeyId: rotated, RotationPeriodInDays: 120 }));
    await seal(disabled, Buffer.from('sealed before disabling'));
    await seal(doomedKeyId, Buffer.from('sealed under a key that will be deleted'));
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: plain, KeySpec: 'AES_256', EncryptionContext: { dek: 'yes' } }));
    sealed.push({ blob: dataKey.CiphertextBlob!, plaintext: Buffer.from(dataKey.Plaintext!), context: { dek: 'yes' } });
    await kms.send(new DisableKeyCommand({ KeyId: disabled }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomedKeyId, PendingWindowInDays: 7 }));
    await advanceClock(node, 2 * DAY_S);
  });

  afterAll(async () => {
    kms?.destroy();
    await node?.dispose();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  it('should come back after a crash (SIGKILL) with every key, alias, tag, policy, rotation and the clock as they were', async () => {
    const before = await observe();
    expect(before.listed).toHaveLength(4);

    await restart('SIGKILL');

    expect(await observe()).toEqual(before);
    await expectUsableCiphertextsDecrypt();
    const [, , disabled] = keyIds;
    const disabledError = await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: lockedBlob('sealed before disabling') })));
    expect(disabledError.name).toBe('DisabledException');
    expect(disabledError.message).toContain(disabled);
  });

  it('should keep every write it acknowledged just before a crash', async () => {
    const burst = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const md = (await kms.send(new CreateKeyCommand({ Description: `burst ${i}` }))).KeyMetadata!;
        const blob = (await kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: utf8(`burst payload ${i}`) }))).CiphertextBlob!;
        return { keyId: md.KeyId!, blob, i };
      }),
    );
    burst.forEach((b) => {
      keyIds.push(b.keyId);
      sealed.push({ blob: b.blob, plaintext: Buffer.from(`burst payload ${b.i}`) });
    });

    await restart('SIGKILL');

    const listed = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.map((k) => k.KeyId);
    expect(listed.sort()).toEqual([...keyIds].sort());
    for (const b of burst) {
      expect((await kms.send(new DescribeKeyCommand({ KeyId: b.keyId }))).KeyMetadata!.Description).toBe(`burst ${b.i}`);
      expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: b.blob }))).Plaintext)).toBe(`burst payload ${b.i}`);
    }
  });

  it('should come back after a graceful stop (SIGTERM) just the same', async () => {
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyIds[1] }));
    await seal(keyIds[1], Buffer.from('rotated key, fourth material'), { after: 'crash' });
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/restart-after-crash', TargetKeyId: keyIds[0] }));
    const before = await observe();

    await restart('SIGTERM');

    expect(await observe()).toEqual(before);
    await expectUsableCiphertextsDecrypt();
    expect((await kms.send(new ListKeyRotationsCommand({ KeyId: keyIds[1] }))).Rotations).toHaveLength(3);
  });

  it('should still carry out a deletion scheduled before the restarts, and keep the disabled key usable', async () => {
    // The doomed key was scheduled for 7 days and the clock already moved 2: 6 more days suffice.
    await advanceClock(node, 6 * DAY_S);

    await eventually(async () => expect((await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: doomedKeyId })))).name).toBe('NotFoundException'));
    const aliases = (await kms.send(new ListAliasesCommand({ Limit: 1000 }))).Aliases!.map((a) => a.AliasName);
    expect(aliases).not.toContain('alias/restart-doomed');
    expect(aliases).toEqual(expect.arrayContaining(['alias/restart-plain', 'alias/restart-rotated', 'alias/restart-after-crash']));

    await restart('SIGKILL');

    expect((await awsError(() => kms.send(new DescribeKeyCommand({ KeyId: doomedKeyId })))).name).toBe('NotFoundException');
    await expectUsableCiphertextsDecrypt();
    // Enabled again, the disabled key decrypts what it sealed before the restarts.
    await kms.send(new EnableKeyCommand({ KeyId: keyIds[2] }));
    expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: lockedBlob('sealed before disabling') }))).Plaintext)).toBe('sealed before disabling');
  });
});
