import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  KMSClient,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { eventually } from '../e2e/e2e-helpers';
import { awsError } from '../support/trent-node';
import { TrentWorld } from '../support/trent-world';

jest.setTimeout(120_000);

const EAST = 'us-east-1';
const EU = 'eu-west-1';

/**
 * Multi-Region keys of other key specs over real processes and NATS: an asymmetric key pair
 * (material that is not 32 bytes crosses the replicator), and imported material, which does not
 * cross it at all: each Region imports the same material itself, as at AWS.
 */
describe('multi-Region keys of every key spec (real Regions over NATS)', () => {
  let world: TrentWorld;
  const kms = (region: string): KMSClient => world.kms(region);
  const state = async (region: string, keyId: string) => (await kms(region).send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState;

  /** The AWS guide's import steps, the wrapping done by node:crypto (RSAES_OAEP_SHA_256). */
  async function importInto(region: string, keyId: string, material: Buffer, extra: Partial<ConstructorParameters<typeof ImportKeyMaterialCommand>[0]> = {}) {
    const params = await kms(region).send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    const wrapping = createPublicKey({ key: Buffer.from(params.PublicKey!), format: 'der', type: 'spki' });
    const encrypted = publicEncrypt({ key: wrapping, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
    return kms(region).send(
      new ImportKeyMaterialCommand({ KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: encrypted, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', ...extra }),
    );
  }

  beforeAll(async () => {
    world = await TrentWorld.start({ regions: [EAST, EU] });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('should replicate an ECC key pair: a signature made in one Region verifies in the other', async () => {
    const { KeyMetadata } = await kms(EAST).send(new CreateKeyCommand({ MultiRegion: true, KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' }));
    const id = KeyMetadata!.KeyId!;
    await kms(EAST).send(new ReplicateKeyCommand({ KeyId: id, ReplicaRegion: EU }));
    await eventually(async () => expect(await state(EU, id)).toBe('Enabled'), 15_000);

    const message = Buffer.from('signed in eu-west-1');
    const { Signature } = await kms(EU).send(new SignCommand({ KeyId: id, Message: message, SigningAlgorithm: 'ECDSA_SHA_384' }));
    expect((await kms(EAST).send(new VerifyCommand({ KeyId: id, Message: message, Signature, SigningAlgorithm: 'ECDSA_SHA_384' }))).SignatureValid).toBe(true);
    const [east, eu] = await Promise.all([EAST, EU].map((r) => kms(r).send(new GetPublicKeyCommand({ KeyId: id }))));
    expect(Buffer.from(eu.PublicKey!)).toEqual(Buffer.from(east.PublicKey!));
  });

  it('should replicate an imported key without its material, and rotate only once every Region has the new material', async () => {
    const id = (await kms(EAST).send(new CreateKeyCommand({ MultiRegion: true, Origin: 'EXTERNAL' }))).KeyMetadata!.KeyId!;
    const first = randomBytes(32);
    await importInto(EAST, id, first);
    await kms(EAST).send(new ReplicateKeyCommand({ KeyId: id, ReplicaRegion: EU }));
    await eventually(async () => expect(await state(EU, id)).toBe('PendingImport'), 15_000);

    const { CiphertextBlob } = await kms(EAST).send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('made in us-east-1') }));
    expect(await awsError(() => kms(EU).send(new DecryptCommand({ CiphertextBlob })))).toMatchObject({ name: 'KMSInvalidStateException' });
    expect(await awsError(() => importInto(EU, id, randomBytes(32)))).toMatchObject({ name: 'IncorrectKeyMaterialException' });
    await importInto(EU, id, first);
    expect(await state(EU, id)).toBe('Enabled');
    expect(Buffer.from((await kms(EU).send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString()).toBe('made in us-east-1');

    const second = randomBytes(32);
    const added = await importInto(EAST, id, second, { ImportType: 'NEW_KEY_MATERIAL' });
    // Refused while the replica lacks the new material (the primary asks the replica first).
    expect(await awsError(() => kms(EAST).send(new RotateKeyOnDemandCommand({ KeyId: id })))).toMatchObject({ name: 'KMSInvalidStateException' });
    await importInto(EU, id, second);
    await kms(EAST).send(new RotateKeyOnDemandCommand({ KeyId: id }));
    await eventually(async () => {
      const made = await kms(EU).send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('new') }));
      const opened = await kms(EAST).send(new DecryptCommand({ CiphertextBlob: made.CiphertextBlob }));
      expect(opened.KeyMaterialId).toBe(added.KeyMaterialId);
    }, 15_000);
    expect(Buffer.from((await kms(EU).send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString()).toBe('made in us-east-1');
  });
});
