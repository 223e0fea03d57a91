import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  KMSClient,
  KeyMetadata,
  ListAliasesCommand,
  ListKeysCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { awsError, TrentNode } from '../support/trent-node';
import { text, utf8, writeIdentitiesFile } from './e2e-helpers';

/**
 * Two accounts on one node, from a custom identities file: each sees only its own keys and
 * aliases; a caller the node does not know is refused before anything else happens.
 */
describe('accounts and identities (e2e)', () => {
  const ALICE = { accessKeyId: 'AKIAALICE0000000001', secretAccessKey: 'alice-secret', accountId: '111111111111', principalArn: 'arn:aws:iam::111111111111:user/alice' };
  const BOB = { accessKeyId: 'AKIABOB00000000000002', secretAccessKey: 'bob-secret', accountId: '222222222222', principalArn: 'arn:aws:iam::222222222222:user/bob' };
  let identitiesFile: string;
  let node: TrentNode;
  let alice: KMSClient;
  let bob: KMSClient;
  let aliceKey: KeyMetadata;

  beforeAll(async () => {
    identitiesFile = writeIdentitiesFile([ALICE, BOB]);
    node = await TrentNode.start({ identitiesFile });
    alice = node.client(undefined, ALICE);
    bob = node.client(undefined, BOB);
    aliceKey = (await alice.send(new CreateKeyCommand({ Description: 'alice only' }))).KeyMetadata!;
    await alice.send(new CreateAliasCommand({ AliasName: 'alias/shared-name', TargetKeyId: aliceKey.KeyId }));
  });

  afterAll(async () => {
    alice?.destroy();
    bob?.destroy();
    await node?.dispose();
    if (identitiesFile) rmSync(dirname(identitiesFile), { recursive: true, force: true });
  });

  it('should create keys in the caller account, with the account in the ARN', () => {
    expect(aliceKey.AWSAccountId).toBe('111111111111');
    expect(aliceKey.Arn).toBe(`arn:aws:kms:us-east-1:111111111111:key/${aliceKey.KeyId}`);
  });

  it('should not find a key of account A by its key id from account B [S]', async () => {
    const err = await awsError(() => bob.send(new DescribeKeyCommand({ KeyId: aliceKey.KeyId })));

    // A bare key id is read in the caller's own account.
    expect(err).toEqual({ name: 'NotFoundException', message: `Key 'arn:aws:kms:us-east-1:222222222222:key/${aliceKey.KeyId}' does not exist`, status: 400 });
  });

  it('should not let account B use or change a key of account A by its ARN', async () => {
    for (const send of [
      () => bob.send(new DescribeKeyCommand({ KeyId: aliceKey.Arn })),
      () => bob.send(new EncryptCommand({ KeyId: aliceKey.Arn, Plaintext: utf8('x') })),
      () => bob.send(new TagResourceCommand({ KeyId: aliceKey.Arn, Tags: [{ TagKey: 'a', TagValue: 'b' }] })),
      () => bob.send(new ScheduleKeyDeletionCommand({ KeyId: aliceKey.Arn, PendingWindowInDays: 7 })),
      () => bob.send(new EncryptCommand({ KeyId: `arn:aws:kms:us-east-1:111111111111:alias/shared-name`, Plaintext: utf8('x') })),
    ]) {
      expect((await awsError(send)).name).toBe('NotFoundException');
    }
    expect((await alice.send(new DescribeKeyCommand({ KeyId: aliceKey.KeyId }))).KeyMetadata!.KeyState).toBe('Enabled');
  });

  it('should not let account B decrypt a ciphertext of account A', async () => {
    const blob = (await alice.send(new EncryptCommand({ KeyId: aliceKey.KeyId, Plaintext: utf8('alice secret') }))).CiphertextBlob!;

    const err = await awsError(() => bob.send(new DecryptCommand({ CiphertextBlob: blob })));

    expect(err).toEqual({
      name: 'AccessDeniedException',
      message: 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
      status: 400,
    });
    expect(text((await alice.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).toBe('alice secret');
  });

  it('should keep keys and aliases apart per account, alias names included', async () => {
    const bobKey = (await bob.send(new CreateKeyCommand({}))).KeyMetadata!;
    await bob.send(new CreateAliasCommand({ AliasName: 'alias/shared-name', TargetKeyId: bobKey.KeyId }));

    const aliceKeys = (await alice.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyId);
    const bobKeys = (await bob.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyId);
    expect(aliceKeys).toContain(aliceKey.KeyId);
    expect(aliceKeys).not.toContain(bobKey.KeyId);
    expect(bobKeys).toEqual([bobKey.KeyId]);
    expect((await bob.send(new DescribeKeyCommand({ KeyId: 'alias/shared-name' }))).KeyMetadata!.KeyId).toBe(bobKey.KeyId);
    expect((await alice.send(new DescribeKeyCommand({ KeyId: 'alias/shared-name' }))).KeyMetadata!.KeyId).toBe(aliceKey.KeyId);
    const bobAliases = (await bob.send(new ListAliasesCommand({}))).Aliases!;
    expect(bobAliases).toEqual([expect.objectContaining({ AliasName: 'alias/shared-name', AliasArn: 'arn:aws:kms:us-east-1:222222222222:alias/shared-name', TargetKeyId: bobKey.KeyId })]);
  });

  it('should refuse an access key it does not know with UnrecognizedClientException', async () => {
    const stranger = node.client(undefined, { accessKeyId: 'AKIASTRANGER00000000', secretAccessKey: 'whatever' });
    try {
      const err = await awsError(() => stranger.send(new ListKeysCommand({})));

      expect(err).toEqual({ name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', status: 400 });
    } finally {
      stranger.destroy();
    }
  });

  it('should no longer know the development identity once an identities file is given', async () => {
    const dev = node.client();
    try {
      expect((await awsError(() => dev.send(new ListKeysCommand({})))).name).toBe('UnrecognizedClientException');
    } finally {
      dev.destroy();
    }
  });

  it('should refuse a known access key signed with the wrong secret', async () => {
    const impostor = node.client(undefined, { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'not-alice-secret' });
    try {
      const err = await awsError(() => impostor.send(new CreateKeyCommand({})));

      expect(err).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
      expect((await alice.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyId)).toEqual([aliceKey.KeyId]);
    } finally {
      impostor.destroy();
    }
  });
});
