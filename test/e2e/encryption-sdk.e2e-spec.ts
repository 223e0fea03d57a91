import { CreateKeyCommand, DescribeKeyCommand, KMS, ReplicateKeyCommand } from '@aws-sdk/client-kms';
import {
  AwsKmsMrkAwareSymmetricDiscoveryKeyringNode,
  AwsKmsMrkAwareSymmetricKeyringNode,
  buildAwsKmsMrkAwareDiscoveryMultiKeyringNode,
  buildAwsKmsMrkAwareStrictMultiKeyringNode,
  buildClient,
  CommitmentPolicy,
  getClient,
  KmsKeyringNode,
  MessageHeader,
} from '@aws-crypto/client-node';
import { randomBytes } from 'node:crypto';
import { DEV_CREDENTIALS, TrentWorld } from '../support/trent-world';
import { DEV_ACCOUNT, eventually, keyArnOf } from './e2e-helpers';

jest.setTimeout(120_000);

const PRIMARY = 'us-east-1';
const REPLICA = 'eu-west-1';
const DISCOVERY_FILTER = { accountIDs: [DEV_ACCOUNT], partition: 'aws' };
const CONTEXT = { purpose: 'trent e2e', tenant: 'acme' };

/**
 * The AWS Encryption SDK for JavaScript (@aws-crypto/client-node) against a two-Region Trent:
 * a message encrypted under a multi-Region primary in one Region decrypts through the replica in
 * another with the SDK's MRK-aware keyrings, which require Decrypt to answer with the ARN of the
 * key in the Region called. Every SDK call reaches Trent through the one gateway endpoint.
 */
describe('AWS Encryption SDK (e2e)', () => {
  let world: TrentWorld;
  /** Regions the keyrings asked the client provider for, in order. */
  const asked: string[] = [];
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  // The SDK's own supplier, as its getKmsClient builds it, pointed at Trent. The keyrings call
  // kms.encrypt/decrypt/generateDataKey, so this is the aggregated KMS client, not the bare KMSClient.
  let supply: (region: string) => KMS | false;
  const clientProvider = (region: string): KMS | false => {
    asked.push(region);
    return supply(region);
  };
  let primaryArn: string;
  let replicaArn: string;

  const regionClient = (region: string): KMS => {
    const client = supply(region);
    if (!client) throw new Error(`no client for ${region}`);
    return client;
  };

  beforeAll(async () => {
    world = await TrentWorld.start({ regions: [PRIMARY, REPLICA] });
    supply = getClient(KMS, { endpoint: world.endpoint, credentials: DEV_CREDENTIALS });
    const { KeyMetadata } = await world.kms(PRIMARY).send(new CreateKeyCommand({ MultiRegion: true, Description: 'encryption sdk e2e' }));
    const keyId = KeyMetadata!.KeyId!;
    primaryArn = KeyMetadata!.Arn!;
    const { ReplicaKeyMetadata } = await world.kms(PRIMARY).send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: REPLICA }));
    replicaArn = ReplicaKeyMetadata!.Arn!;
    await eventually(async () => {
      const { KeyMetadata: replica } = await world.kms(REPLICA).send(new DescribeKeyCommand({ KeyId: keyId }));
      expect(replica!.KeyState).toBe('Enabled');
    }, 15_000, 50);
  });

  afterAll(async () => {
    await world?.stop();
  });

  beforeEach(() => {
    asked.length = 0;
  });

  /** Encrypts `plaintext` under the primary, through its own Region only. */
  async function encryptUnderPrimary(plaintext: Buffer): Promise<{ result: Buffer; messageHeader: MessageHeader }> {
    const keyring = buildAwsKmsMrkAwareStrictMultiKeyringNode({ generatorKeyId: primaryArn, clientProvider });
    const encrypted = await encrypt(keyring, plaintext, { encryptionContext: CONTEXT });
    expect(asked).toEqual([PRIMARY]);
    asked.length = 0;
    return encrypted;
  }

  function expectSameMessage(decrypted: MessageHeader, encrypted: MessageHeader): void {
    expect(decrypted.encryptionContext).toEqual(encrypted.encryptionContext);
    // The SDK adds its signing key to the context of signed suites; ours is there unchanged.
    expect(decrypted.encryptionContext).toMatchObject(CONTEXT);
    expect(Buffer.from(decrypted.messageId)).toEqual(Buffer.from(encrypted.messageId));
    expect(decrypted.suiteId).toBe(encrypted.suiteId);
  }

  it('should name the same key in both Regions with ARNs differing only in the Region', () => {
    const keyId = primaryArn.split('/')[1]!;
    expect(keyId).toMatch(/^mrk-[0-9a-f]{32}$/);
    expect(primaryArn).toBe(keyArnOf(PRIMARY, DEV_ACCOUNT, keyId));
    expect(replicaArn).toBe(keyArnOf(REPLICA, DEV_ACCOUNT, keyId));
  });

  it('should decrypt through the replica with the strict MRK-aware keyring what was encrypted through the primary', async () => {
    const plaintext = randomBytes(4096);
    const encrypted = await encryptUnderPrimary(plaintext);
    // One data key, wrapped by the primary: the SDK records the ARN it asked KMS for.
    expect(encrypted.messageHeader.encryptedDataKeys.map((k) => [k.providerId, k.providerInfo])).toEqual([['aws-kms', primaryArn]]);

    const keyring = buildAwsKmsMrkAwareStrictMultiKeyringNode({ keyIds: [replicaArn], clientProvider });
    const { plaintext: got, messageHeader } = await decrypt(keyring, encrypted.result);

    expect(Buffer.from(got)).toEqual(plaintext);
    expectSameMessage(messageHeader, encrypted.messageHeader);
    expect(asked).toEqual([REPLICA]);
  });

  it('should decrypt through the replica with the single-key MRK-aware keyring', async () => {
    const plaintext = randomBytes(100);
    const encrypted = await encryptUnderPrimary(plaintext);

    const keyring = new AwsKmsMrkAwareSymmetricKeyringNode({ client: regionClient(REPLICA), keyId: replicaArn });
    const { plaintext: got, messageHeader } = await decrypt(keyring, encrypted.result);

    expect(Buffer.from(got)).toEqual(plaintext);
    expectSameMessage(messageHeader, encrypted.messageHeader);
  });

  it('should decrypt through the replica with the MRK-aware discovery keyring of the replica Region', async () => {
    const plaintext = randomBytes(1000);
    const encrypted = await encryptUnderPrimary(plaintext);

    const keyring = new AwsKmsMrkAwareSymmetricDiscoveryKeyringNode({ client: regionClient(REPLICA), discoveryFilter: DISCOVERY_FILTER });
    const { plaintext: got, messageHeader } = await decrypt(keyring, encrypted.result);

    expect(Buffer.from(got)).toEqual(plaintext);
    expectSameMessage(messageHeader, encrypted.messageHeader);
  });

  it('should decrypt through the replica with the MRK-aware discovery multi-keyring limited to the replica Region', async () => {
    const plaintext = Buffer.from('discovered in eu-west-1');
    const encrypted = await encryptUnderPrimary(plaintext);

    const keyring = buildAwsKmsMrkAwareDiscoveryMultiKeyringNode({ regions: [REPLICA], clientProvider, discoveryFilter: DISCOVERY_FILTER });
    const { plaintext: got, messageHeader } = await decrypt(keyring, encrypted.result);

    expect(Buffer.from(got)).toEqual(plaintext);
    expectSameMessage(messageHeader, encrypted.messageHeader);
    expect(asked).toEqual([REPLICA]);
  });

  it('should round-trip with the plain KMS keyring under a single-Region key in one Region', async () => {
    const { KeyMetadata } = await world.kms(PRIMARY).send(new CreateKeyCommand({ Description: 'encryption sdk e2e, single-Region' }));
    const keyring = new KmsKeyringNode({ generatorKeyId: KeyMetadata!.Arn!, clientProvider });
    const plaintext = randomBytes(2048);

    const encrypted = await encrypt(keyring, plaintext, { encryptionContext: CONTEXT });
    const { plaintext: got, messageHeader } = await decrypt(keyring, encrypted.result);

    expect(Buffer.from(got)).toEqual(plaintext);
    expectSameMessage(messageHeader, encrypted.messageHeader);
    expect(encrypted.messageHeader.encryptedDataKeys.map((k) => k.providerInfo)).toEqual([KeyMetadata!.Arn]);
    expect(new Set(asked)).toEqual(new Set([PRIMARY]));
  });

  it('should refuse to decrypt with a strict keyring that names an unrelated key', async () => {
    const encrypted = await encryptUnderPrimary(Buffer.from('not for the other key'));
    // Another multi-Region key, created in the replica's Region: same account, same Region, another id.
    const { KeyMetadata } = await world.kms(REPLICA).send(new CreateKeyCommand({ MultiRegion: true, Description: 'encryption sdk e2e, unrelated' }));
    const keyring = buildAwsKmsMrkAwareStrictMultiKeyringNode({ keyIds: [KeyMetadata!.Arn!], clientProvider });

    await expect(decrypt(keyring, encrypted.result)).rejects.toThrow(/Unable to decrypt data key/);
  });

  it('should refuse to decrypt with a discovery keyring whose filter names another account', async () => {
    const encrypted = await encryptUnderPrimary(Buffer.from('not for another account'));
    const keyring = new AwsKmsMrkAwareSymmetricDiscoveryKeyringNode({ client: regionClient(REPLICA), discoveryFilter: { accountIDs: ['111122223333'], partition: 'aws' } });

    await expect(decrypt(keyring, encrypted.result)).rejects.toThrow(/Unable to decrypt data key/);
  });
});
