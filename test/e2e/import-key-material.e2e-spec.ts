import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  CreateKeyCommandInput,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  KMSClient,
  KeyMetadata,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  RotationsListEntry,
  ScheduleKeyDeletionCommand,
  SignCommand,
  SigningAlgorithmSpec,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { constants, createHmac, createPrivateKey, createPublicKey, KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsError, TrentNode } from '../support/trent-node';
import { advanceClock, clusterNow, DAY_MS, DAY_S, eventually, expectDateNear, KEY_MATERIAL_ID, text, utf8 } from './e2e-helpers';
import {
  GENPKEY_ARGS,
  importInto,
  openssl,
  OpensslWorkdir,
  opensslPrivateKey,
  opensslRandom,
  prepareImport,
  PrivateKeyKind,
  wrapKeyMaterial,
  WrappingAlgorithm,
} from './import-helpers';

/**
 * Bring your own key: CreateKey with Origin EXTERNAL, GetParametersForImport, ImportKeyMaterial and
 * DeleteImportedKeyMaterial against a real node, with key material made and wrapped by the openssl
 * command line as the AWS developer guide shows. MACs and signatures are checked against node:crypto
 * and openssl outside Trent, so the imported material is proven to be the one in use. [D]: AWS docs;
 * [P]: provisional (AWS documents no code for the case).
 */
describe('importing key material (e2e)', () => {
  let node: TrentNode;
  let kms: KMSClient;
  let work: OpensslWorkdir;

  const createExternal = async (input: Partial<CreateKeyCommandInput> = {}): Promise<KeyMetadata> =>
    (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', ...input }))).KeyMetadata!;
  const describeKey = async (keyId: string): Promise<KeyMetadata> => (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;
  const encrypt = async (keyId: string, plaintext: string): Promise<Uint8Array> =>
    (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8(plaintext) }))).CiphertextBlob!;
  const rotations = async (keyId: string): Promise<RotationsListEntry[]> =>
    (await kms.send(new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }))).Rotations!;
  const pendingImport = (key: KeyMetadata) => ({ name: 'KMSInvalidStateException', message: `${key.Arn} is pending import.`, status: 400 });
  const incorrectMaterial = { name: 'IncorrectKeyMaterialException', status: 400 };
  const invalidCiphertext = { name: 'InvalidCiphertextException', status: 400 };

  /** A symmetric EXTERNAL key with 32 fresh bytes imported (never expiring); the bytes and the import's answer. */
  const symmetricWithMaterial = async () => {
    const key = await createExternal();
    const material = opensslRandom(work, 32);
    const imported = await importInto(kms, work, key.KeyId!, material);
    return { key, material, imported };
  };

  beforeAll(async () => {
    node = await TrentNode.start();
    kms = node.client();
    work = new OpensslWorkdir();
  });

  afterAll(async () => {
    kms?.destroy();
    await node?.dispose();
    work?.remove();
  });

  describe('keys created for import', () => {
    it.each<[string, Partial<CreateKeyCommandInput>]>([
      ['SYMMETRIC_DEFAULT', {}],
      ['HMAC_256', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }],
      ['ECC_NIST_P256', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }],
      ['RSA_2048', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }],
      ['ECC_NIST_EDWARDS25519', { KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' }],
    ])('should create a %s key pending import, disabled, without material or expiration', async (keySpec, input) => {
      const created = await createExternal(input);

      for (const key of [created, await describeKey(created.KeyId!)]) {
        expect(key).toMatchObject({ KeySpec: keySpec, Origin: 'EXTERNAL', KeyState: 'PendingImport', Enabled: false });
        expect(key).not.toHaveProperty('ExpirationModel');
        expect(key).not.toHaveProperty('ValidTo');
        expect(key).not.toHaveProperty('CurrentKeyMaterialId');
      }
    });

    it('should refuse Encrypt and GenerateDataKey on a key pending import [D]', async () => {
      const key = await createExternal();

      expect(await awsError(() => encrypt(key.KeyId!, 'nothing to encrypt with'))).toEqual(pendingImport(key));
      expect(await awsError(() => kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' })))).toEqual(pendingImport(key));
    });
  });

  describe('GetParametersForImport', () => {
    it.each(['RSA_2048', 'RSA_3072', 'RSA_4096'] as const)('should give a %s wrapping public key as DER SPKI and a token good for 24 hours', async (spec) => {
      const key = await createExternal();
      const now = await clusterNow(node);

      const res = await kms.send(new GetParametersForImportCommand({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: spec }));

      expect(res.KeyId).toBe(key.Arn);
      expect(res.ImportToken!.length).toBeGreaterThan(32);
      const publicKey = createPublicKey({ key: Buffer.from(res.PublicKey!), format: 'der', type: 'spki' });
      expect(publicKey.asymmetricKeyType).toBe('rsa');
      expect(publicKey.asymmetricKeyDetails!.modulusLength).toBe(Number(spec.slice('RSA_'.length)));
      expectDateNear(res.ParametersValidTo, now.getTime() + DAY_MS, 10_000);
    });

    it.each(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'] as const)(
      'should take %s for a key named by its ARN, with a fresh wrapping key each time',
      async (algorithm) => {
        const key = await createExternal();
        const ask = () => kms.send(new GetParametersForImportCommand({ KeyId: key.Arn, WrappingAlgorithm: algorithm, WrappingKeySpec: 'RSA_2048' }));

        const [one, two] = [await ask(), await ask()];

        expect(one.KeyId).toBe(key.Arn);
        expect(Buffer.from(one.PublicKey!).equals(Buffer.from(two.PublicKey!))).toBe(false);
        expect(Buffer.from(one.ImportToken!).equals(Buffer.from(two.ImportToken!))).toBe(false);
      },
    );

    it('should not take an alias, nor should ImportKeyMaterial or DeleteImportedKeyMaterial', async () => {
      const key = await createExternal();
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/import-target', TargetKeyId: key.KeyId }));
      const { ImportToken, EncryptedKeyMaterial } = await prepareImport(kms, work, key.KeyId!, opensslRandom(work, 32));
      const notFound = { name: 'NotFoundException', status: 400 };

      const err = await awsError(() => kms.send(new GetParametersForImportCommand({ KeyId: 'alias/import-target', WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' })));

      expect(err).toMatchObject(notFound);
      expect(
        await awsError(() =>
          kms.send(new ImportKeyMaterialCommand({ KeyId: 'alias/import-target', ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' })),
        ),
      ).toMatchObject(notFound);
      expect(await awsError(() => kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: 'alias/import-target' })))).toMatchObject(notFound);
      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
    });

    it('should refuse a key whose material KMS made with UnsupportedOperationException [D]', async () => {
      const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;

      const err = await awsError(() => kms.send(new GetParametersForImportCommand({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' })));

      expect(err).toEqual({ name: 'UnsupportedOperationException', message: `${key.Arn} origin is AWS_KMS which is not valid for this operation.`, status: 400 });
    });

    it('should refuse the deprecated RSAES_PKCS1_V1_5 with UnsupportedOperationException [D]', async () => {
      const key = await createExternal();

      const err = await awsError(() => kms.send(new GetParametersForImportCommand({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_PKCS1_V1_5', WrappingKeySpec: 'RSA_2048' })));

      expect(err).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
    });

    it.each(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const)('should refuse %s for RSA key material, too long for one OAEP block [D]', async (algorithm) => {
      const key = await createExternal({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });

      const err = await awsError(() => kms.send(new GetParametersForImportCommand({ KeyId: key.KeyId, WrappingAlgorithm: algorithm, WrappingKeySpec: 'RSA_4096' })));

      expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
    });
  });

  describe('ImportKeyMaterial of symmetric key material', () => {
    it.each<[WrappingAlgorithm, 'RSA_2048' | 'RSA_3072']>([
      ['RSAES_OAEP_SHA_1', 'RSA_2048'],
      ['RSAES_OAEP_SHA_256', 'RSA_3072'],
      ['RSA_AES_KEY_WRAP_SHA_1', 'RSA_2048'],
      ['RSA_AES_KEY_WRAP_SHA_256', 'RSA_3072'],
    ])('should import 32 bytes wrapped by openssl with %s under %s and encrypt with them', async (algorithm, wrappingKeySpec) => {
      const key = await createExternal();
      const material = opensslRandom(work, 32);

      const res = await importInto(kms, work, key.KeyId!, material, { algorithm, wrappingKeySpec });

      expect(res.KeyId).toBe(key.Arn);
      expect(res.KeyMaterialId).toMatch(KEY_MATERIAL_ID);
      const described = await describeKey(key.KeyId!);
      expect(described).toMatchObject({ KeyState: 'Enabled', Enabled: true, Origin: 'EXTERNAL', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', CurrentKeyMaterialId: res.KeyMaterialId });
      expect(described).not.toHaveProperty('ValidTo');
      const back = await kms.send(new DecryptCommand({ CiphertextBlob: await encrypt(key.KeyId!, `sealed with ${algorithm}`) }));
      expect(text(back.Plaintext)).toBe(`sealed with ${algorithm}`);
      expect(back.KeyId).toBe(key.Arn);
      expect(back.KeyMaterialId).toBe(res.KeyMaterialId);
    });

    it('should give different key material ids to different material', async () => {
      const [one, two] = [await symmetricWithMaterial(), await symmetricWithMaterial()];

      expect(one.imported.KeyMaterialId).not.toBe(two.imported.KeyMaterialId);
    });

    it('should re-import the same material into an enabled key named by its ARN, keeping its key material id', async () => {
      const { key, material, imported } = await symmetricWithMaterial();
      const before = await encrypt(key.KeyId!, 'before the re-import');

      const again = await importInto(kms, work, key.Arn!, material, { algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });

      expect(again.KeyMaterialId).toBe(imported.KeyMaterialId);
      expect((await describeKey(key.KeyId!)).KeyState).toBe('Enabled');
      expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: before }))).Plaintext)).toBe('before the re-import');
    });
  });

  describe('ImportKeyMaterial of HMAC key material', () => {
    it('should verify a MAC computed outside Trent with the imported secret, and compute the same MAC', async () => {
      const key = await createExternal({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      const secret = opensslRandom(work, 32);
      const message = utf8('authenticated outside and inside');
      const outside = createHmac('sha256', secret).update(message).digest();

      const res = await importInto(kms, work, key.KeyId!, secret);

      expect(res.KeyId).toBe(key.Arn);
      expect(res).not.toHaveProperty('KeyMaterialId');
      expect(await describeKey(key.KeyId!)).toMatchObject({ KeyState: 'Enabled', Enabled: true, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
      const verified = await kms.send(new VerifyMacCommand({ KeyId: key.KeyId, MacAlgorithm: 'HMAC_SHA_256', Message: message, Mac: outside }));
      expect(verified.MacValid).toBe(true);
      const inside = await kms.send(new GenerateMacCommand({ KeyId: key.KeyId, MacAlgorithm: 'HMAC_SHA_256', Message: message }));
      expect(Buffer.from(inside.Mac!).equals(outside)).toBe(true);
      const stranger = createHmac('sha256', randomBytes(32)).update(message).digest();
      expect((await awsError(() => kms.send(new VerifyMacCommand({ KeyId: key.KeyId, MacAlgorithm: 'HMAC_SHA_256', Message: message, Mac: stranger })))).name).toBe(
        'KMSInvalidMacException',
      );
    });
  });

  describe('ImportKeyMaterial of asymmetric private keys', () => {
    const pssSha256 = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    it.each<[string, PrivateKeyKind, SigningAlgorithmSpec, (m: Buffer, k: KeyObject) => Buffer, (m: Buffer, k: KeyObject, s: Buffer) => boolean]>([
      ['ECC_NIST_P256', 'P-256', 'ECDSA_SHA_256', (m, k) => sign('sha256', m, k), (m, k, s) => verify('sha256', m, k, s)],
      ['RSA_2048', 'RSA_2048', 'RSASSA_PSS_SHA_256', (m, k) => sign('sha256', m, { key: k, ...pssSha256 }), (m, k, s) => verify('sha256', m, { key: k, ...pssSha256 }, s)],
      ['RSA_2048', 'RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256', (m, k) => sign('sha256', m, k), (m, k, s) => verify('sha256', m, k, s)],
      ['ECC_NIST_EDWARDS25519', 'ED25519', 'ED25519_SHA_512', (m, k) => sign(null, m, k), (m, k, s) => verify(null, m, k, s)],
    ])('should import a %s private key from openssl genpkey and sign as it does (%s, %s)', async (keySpec, kind, algorithm, signOutside, verifyOutside) => {
      const key = await createExternal({ KeySpec: keySpec as never, KeyUsage: 'SIGN_VERIFY' });
      const pkcs8 = opensslPrivateKey(work, kind);
      const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      const message = Buffer.from(`signed by ${keySpec} with ${algorithm}`);

      const res = await importInto(kms, work, key.KeyId!, pkcs8);

      expect(res.KeyId).toBe(key.Arn);
      expect(res).not.toHaveProperty('KeyMaterialId');
      expect(await describeKey(key.KeyId!)).toMatchObject({ KeyState: 'Enabled', Enabled: true, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
      const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }));
      expect(Buffer.from(PublicKey!).equals(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }))).toBe(true);
      const outside = await kms.send(new VerifyCommand({ KeyId: key.KeyId, Message: message, MessageType: 'RAW', SigningAlgorithm: algorithm, Signature: signOutside(message, privateKey) }));
      expect(outside.SignatureValid).toBe(true);
      const inside = await kms.send(new SignCommand({ KeyId: key.KeyId, Message: message, MessageType: 'RAW', SigningAlgorithm: algorithm }));
      const publicKey = createPublicKey({ key: Buffer.from(PublicKey!), format: 'der', type: 'spki' });
      expect(verifyOutside(message, publicKey, Buffer.from(inside.Signature!))).toBe(true);
    });

    it('should verify a P-256 signature made by openssl pkeyutl over a digest, and openssl should verify its own', async () => {
      const key = await createExternal({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
      const pkcs8 = opensslPrivateKey(work, 'P-256');
      await importInto(kms, work, key.KeyId!, pkcs8);
      const dir = work.step();
      writeFileSync(join(dir, 'material.der'), pkcs8);
      writeFileSync(join(dir, 'message.txt'), 'a digest signed by openssl and by Trent');
      openssl(dir, 'dgst', '-sha256', '-binary', '-out', 'digest.bin', 'message.txt');
      openssl(dir, 'pkeyutl', '-sign', '-inkey', 'material.der', '-keyform', 'DER', '-in', 'digest.bin', '-out', 'openssl.sig');
      const digest = readFileSync(join(dir, 'digest.bin'));

      const outside = await kms.send(
        new VerifyCommand({ KeyId: key.KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256', Signature: readFileSync(join(dir, 'openssl.sig')) }),
      );
      const inside = await kms.send(new SignCommand({ KeyId: key.KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));

      expect(outside.SignatureValid).toBe(true);
      writeFileSync(join(dir, 'trent.sig'), inside.Signature!);
      writeFileSync(join(dir, 'public.der'), (await kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }))).PublicKey!);
      const said = openssl(dir, 'pkeyutl', '-verify', '-pubin', '-inkey', 'public.der', '-keyform', 'DER', '-in', 'digest.bin', '-sigfile', 'trent.sig').toString();
      expect(said).toContain('Signature Verified Successfully');
    });
  });

  describe('expiration settings', () => {
    it('should default ExpirationModel to KEY_MATERIAL_EXPIRES and so want a ValidTo [D]', async () => {
      const key = await createExternal();
      const { ImportToken, EncryptedKeyMaterial } = await prepareImport(kms, work, key.KeyId!, opensslRandom(work, 32));

      const err = await awsError(() => kms.send(new ImportKeyMaterialCommand({ KeyId: key.KeyId, ImportToken, EncryptedKeyMaterial })));

      expect(err).toEqual({ name: 'ValidationException', message: 'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES', status: 400 });
      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
    });

    it('should refuse a ValidTo with KEY_MATERIAL_DOES_NOT_EXPIRE [D]', async () => {
      const key = await createExternal();
      const { ImportToken, EncryptedKeyMaterial } = await prepareImport(kms, work, key.KeyId!, opensslRandom(work, 32));
      const validTo = new Date((await clusterNow(node)).getTime() + 10 * DAY_MS);

      const err = await awsError(() =>
        kms.send(new ImportKeyMaterialCommand({ KeyId: key.KeyId, ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', ValidTo: validTo })),
      );

      expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
    });

    it.each([
      ['in the past', -60_000, DAY_MS],
      ['more than 365 days ahead', 366 * DAY_MS, 364 * DAY_MS],
    ])('should refuse a ValidTo %s, and take one just inside the bounds [D]', async (_what, refused, accepted) => {
      const key = await createExternal();
      const { ImportToken, EncryptedKeyMaterial } = await prepareImport(kms, work, key.KeyId!, opensslRandom(work, 32));
      const now = (await clusterNow(node)).getTime();
      const importUntil = (validTo: number) =>
        kms.send(new ImportKeyMaterialCommand({ KeyId: key.KeyId, ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: new Date(validTo) }));

      const err = await awsError(() => importUntil(now + refused));

      expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
      await importUntil(now + accepted);
      const described = await describeKey(key.KeyId!);
      expect(described).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES' });
      expectDateNear(described.ValidTo, now + accepted, 1_000);
    });

    it('should show KEY_MATERIAL_EXPIRES and the ValidTo once imported', async () => {
      const key = await createExternal();
      const validTo = new Date((await clusterNow(node)).getTime() + 30 * DAY_MS);

      await importInto(kms, work, key.KeyId!, opensslRandom(work, 32), { validTo });

      const described = await describeKey(key.KeyId!);
      expect(described).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES' });
      expectDateNear(described.ValidTo, validTo, 1_000);
    });
  });

  describe('import tokens and wrapped material', () => {
    it('should refuse the import token of another key with InvalidImportTokenException', async () => {
      const [mine, theirs] = [await createExternal(), await createExternal()];
      const { ImportToken, EncryptedKeyMaterial } = await prepareImport(kms, work, theirs.KeyId!, opensslRandom(work, 32));

      const err = await awsError(() =>
        kms.send(new ImportKeyMaterialCommand({ KeyId: mine.KeyId, ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' })),
      );

      expect(err).toMatchObject({ name: 'InvalidImportTokenException', status: 400 });
      expect((await describeKey(mine.KeyId!)).KeyState).toBe('PendingImport');
    });

    it.each([
      ['its first byte', () => 0],
      ['a byte in the middle', (t: Buffer) => t.length >> 1],
      ['its last byte', (t: Buffer) => t.length - 1],
    ])('should refuse an import token with %s flipped with InvalidImportTokenException', async (_where, at) => {
      const key = await createExternal();
      const { ImportToken, EncryptedKeyMaterial } = await prepareImport(kms, work, key.KeyId!, opensslRandom(work, 32));
      const tampered = Buffer.from(ImportToken);
      tampered[at(tampered)] ^= 0x01;

      const err = await awsError(() =>
        kms.send(new ImportKeyMaterialCommand({ KeyId: key.KeyId, ImportToken: tampered, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' })),
      );

      expect(err).toMatchObject({ name: 'InvalidImportTokenException', status: 400 });
    });

    it.each<[WrappingAlgorithm, WrappingAlgorithm]>([
      ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'],
      ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
      ['RSA_AES_KEY_WRAP_SHA_256', 'RSAES_OAEP_SHA_256'],
      ['RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_256'],
    ])('should refuse material wrapped with %s parameters but by %s with InvalidCiphertextException', async (asked, used) => {
      const key = await createExternal();
      const params = await kms.send(new GetParametersForImportCommand({ KeyId: key.KeyId, WrappingAlgorithm: asked, WrappingKeySpec: 'RSA_2048' }));
      const wrapped = wrapKeyMaterial(work, params.PublicKey!, opensslRandom(work, 32), used);

      const err = await awsError(() =>
        kms.send(new ImportKeyMaterialCommand({ KeyId: key.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' })),
      );

      expect(err).toMatchObject(invalidCiphertext);
      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
    });

    it.each([
      ['256 random bytes', () => randomBytes(256)],
      ['one byte', () => Buffer.from([1])],
    ])('should refuse %s as EncryptedKeyMaterial with InvalidCiphertextException', async (_what, garbage) => {
      const key = await createExternal();
      const params = await kms.send(new GetParametersForImportCommand({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));

      const err = await awsError(() =>
        kms.send(new ImportKeyMaterialCommand({ KeyId: key.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: garbage(), ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' })),
      );

      expect(err).toMatchObject(invalidCiphertext);
    });

    it('should refuse material wrapped under a wrapping key the token does not carry with InvalidCiphertextException', async () => {
      const key = await createExternal();
      const first = await prepareImport(kms, work, key.KeyId!, opensslRandom(work, 32));
      const second = await prepareImport(kms, work, key.KeyId!, opensslRandom(work, 32));

      const err = await awsError(() =>
        kms.send(
          new ImportKeyMaterialCommand({ KeyId: key.KeyId, ImportToken: first.ImportToken, EncryptedKeyMaterial: second.EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }),
        ),
      );

      expect(err).toMatchObject(invalidCiphertext);
    });
  });

  describe('key material that does not fit the key', () => {
    const refused = async (input: Partial<CreateKeyCommandInput>, material: Buffer) => {
      const key = await createExternal(input);
      const err = await awsError(() => importInto(kms, work, key.KeyId!, material));
      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
      return err;
    };

    it.each([31, 33, 16])('should refuse %i bytes for a symmetric key with IncorrectKeyMaterialException [P]', async (bytes) => {
      expect(await refused({}, opensslRandom(work, bytes))).toMatchObject(incorrectMaterial);
    });

    it('should refuse 16 bytes for an HMAC_256 key with IncorrectKeyMaterialException [P]', async () => {
      expect(await refused({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }, opensslRandom(work, 16))).toMatchObject(incorrectMaterial);
    });

    it('should refuse a P-384 private key for an ECC_NIST_P256 key with IncorrectKeyMaterialException [P]', async () => {
      expect(await refused({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, opensslPrivateKey(work, 'P-384'))).toMatchObject(incorrectMaterial);
    });

    it('should refuse an RSA 3072 private key for an RSA_2048 key with IncorrectKeyMaterialException [P]', async () => {
      expect(await refused({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }, opensslPrivateKey(work, 'RSA_3072'))).toMatchObject(incorrectMaterial);
    });

    it('should refuse an Ed25519 private key for an ECC_NIST_P256 key with IncorrectKeyMaterialException [P]', async () => {
      expect(await refused({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, opensslPrivateKey(work, 'ED25519'))).toMatchObject(incorrectMaterial);
    });

    it.each<[string, PrivateKeyKind, Partial<CreateKeyCommandInput>]>([
      ['an EC key as SEC1', 'P-256', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }],
      ['an RSA key as PKCS#1', 'RSA_2048', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }],
    ])('should refuse %s (openssl genpkey -outform DER), not PKCS#8, with IncorrectKeyMaterialException [P]', async (_what, kind, input) => {
      const dir = work.step();
      openssl(dir, 'genpkey', ...GENPKEY_ARGS[kind], '-outform', 'DER', '-out', 'traditional.der');

      expect(await refused(input, readFileSync(join(dir, 'traditional.der')))).toMatchObject(incorrectMaterial);
    });

    it('should refuse different material for a key that had material, enabled or after DeleteImportedKeyMaterial [D]', async () => {
      const { key, imported } = await symmetricWithMaterial();

      expect(await awsError(() => importInto(kms, work, key.KeyId!, opensslRandom(work, 32)))).toMatchObject(incorrectMaterial);
      expect((await describeKey(key.KeyId!)).CurrentKeyMaterialId).toBe(imported.KeyMaterialId);
      await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId }));
      expect(await awsError(() => importInto(kms, work, key.KeyId!, opensslRandom(work, 32)))).toMatchObject(incorrectMaterial);
      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
    });

    it('should refuse a different HMAC secret for an HMAC key that had one [D]', async () => {
      const key = await createExternal({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      await importInto(kms, work, key.KeyId!, opensslRandom(work, 32));

      expect(await awsError(() => importInto(kms, work, key.KeyId!, opensslRandom(work, 32)))).toMatchObject(incorrectMaterial);
    });
  });

  describe('DeleteImportedKeyMaterial', () => {
    it('should delete the material, leaving the key pending import without expiration', async () => {
      const { key, imported } = await symmetricWithMaterial();
      const blob = await encrypt(key.KeyId!, 'sealed before the deletion');

      const res = await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId }));

      expect(res.KeyId).toBe(key.Arn);
      expect(res.KeyMaterialId).toBe(imported.KeyMaterialId);
      const described = await describeKey(key.KeyId!);
      expect(described).toMatchObject({ KeyState: 'PendingImport', Enabled: false });
      expect(described).not.toHaveProperty('ExpirationModel');
      expect(described).not.toHaveProperty('ValidTo');
      expect(await awsError(() => encrypt(key.KeyId!, 'no material'))).toEqual(pendingImport(key));
      expect(await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: blob })))).toEqual(pendingImport(key));
    });

    it('should succeed again on a key already pending import, by id or ARN [D]', async () => {
      const { key } = await symmetricWithMaterial();
      await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId }));

      const again = await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.Arn }));
      const never = await createExternal();
      const nothing = await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: never.KeyId }));

      expect(again.KeyId).toBe(key.Arn);
      expect(nothing.KeyId).toBe(never.Arn);
      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
      expect((await describeKey(never.KeyId!)).KeyState).toBe('PendingImport');
    });

    it('should delete imported HMAC and signing material too, answering without a KeyMaterialId', async () => {
      const hmac = await createExternal({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      const ecc = await createExternal({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
      await importInto(kms, work, hmac.KeyId!, opensslRandom(work, 32));
      await importInto(kms, work, ecc.KeyId!, opensslPrivateKey(work, 'P-256'));

      for (const key of [hmac, ecc]) {
        const res = await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId }));
        expect(res.KeyId).toBe(key.Arn);
        expect(res).not.toHaveProperty('KeyMaterialId');
        expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
      }
      expect(await awsError(() => kms.send(new GenerateMacCommand({ KeyId: hmac.KeyId, MacAlgorithm: 'HMAC_SHA_256', Message: utf8('m') })))).toEqual(pendingImport(hmac));
      expect(await awsError(() => kms.send(new SignCommand({ KeyId: ecc.KeyId, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256' })))).toEqual(pendingImport(ecc));
    });

    it('should refuse a key whose material KMS made with UnsupportedOperationException [D]', async () => {
      const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;

      const err = await awsError(() => kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId })));

      expect(err).toEqual({ name: 'UnsupportedOperationException', message: `${key.Arn} origin is AWS_KMS which is not valid for this operation.`, status: 400 });
    });

    it('should bring a key without material back from deletion as PendingImport, and enable it with the same material [D]', async () => {
      const { key, material } = await symmetricWithMaterial();
      const blob = await encrypt(key.KeyId!, 'outlives the deletion');
      await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));

      await kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));

      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
      await importInto(kms, work, key.KeyId!, material);
      expect(await describeKey(key.KeyId!)).toMatchObject({ KeyState: 'Enabled', Enabled: true });
      expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).toBe('outlives the deletion');
    });
  });

  describe('rotation of imported symmetric key material', () => {
    it('should keep NEW_KEY_MATERIAL pending until RotateKeyOnDemand makes it current', async () => {
      const key = await createExternal();
      const [a, b] = [opensslRandom(work, 32), opensslRandom(work, 32)];
      const first = await importInto(kms, work, key.KeyId!, a);
      const before = await encrypt(key.KeyId!, 'sealed with material A');

      const second = await importInto(kms, work, key.KeyId!, b, { importType: 'NEW_KEY_MATERIAL' });

      expect(second.KeyMaterialId).toMatch(KEY_MATERIAL_ID);
      expect(second.KeyMaterialId).not.toBe(first.KeyMaterialId);
      const byId = (list: RotationsListEntry[], id: string | undefined) => list.find((r) => r.KeyMaterialId === id);
      const pending = await rotations(key.KeyId!);
      expect(pending).toHaveLength(2);
      expect(byId(pending, first.KeyMaterialId)).toMatchObject({ KeyMaterialState: 'CURRENT', ImportState: 'IMPORTED', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
      expect(byId(pending, second.KeyMaterialId)).toMatchObject({ KeyMaterialState: 'PENDING_ROTATION', ImportState: 'IMPORTED', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
      expect((await describeKey(key.KeyId!)).CurrentKeyMaterialId).toBe(first.KeyMaterialId);
      expect((await kms.send(new DecryptCommand({ CiphertextBlob: await encrypt(key.KeyId!, 'still A') }))).KeyMaterialId).toBe(first.KeyMaterialId);

      await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));

      const rotated = await rotations(key.KeyId!);
      expect(byId(rotated, first.KeyMaterialId)).toMatchObject({ KeyMaterialState: 'NON_CURRENT' });
      expect(byId(rotated, second.KeyMaterialId)).toMatchObject({ KeyMaterialState: 'CURRENT', RotationType: 'ON_DEMAND', ImportState: 'IMPORTED' });
      expect((await describeKey(key.KeyId!)).CurrentKeyMaterialId).toBe(second.KeyMaterialId);
      const old = await kms.send(new DecryptCommand({ CiphertextBlob: before }));
      expect(text(old.Plaintext)).toBe('sealed with material A');
      expect(old.KeyMaterialId).toBe(first.KeyMaterialId);
      expect((await kms.send(new DecryptCommand({ CiphertextBlob: await encrypt(key.KeyId!, 'now B') }))).KeyMaterialId).toBe(second.KeyMaterialId);
      // Nothing waits for rotation any more [P].
      expect(await awsError(() => kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId })))).toMatchObject({ name: 'KMSInvalidStateException', status: 400 });
      expect((await describeKey(key.KeyId!)).CurrentKeyMaterialId).toBe(second.KeyMaterialId);
    });

    it('should refuse RotateKeyOnDemand without key material waiting for rotation with KMSInvalidStateException [P]', async () => {
      const { key } = await symmetricWithMaterial();

      const err = await awsError(() => kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId })));

      expect(err).toMatchObject({ name: 'KMSInvalidStateException', status: 400 });
    });

    it('should refuse automatic rotation for imported key material [D]', async () => {
      const { key } = await symmetricWithMaterial();

      const err = await awsError(() => kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId })));

      expect(err).toEqual({ name: 'UnsupportedOperationException', message: `${key.Arn} origin is EXTERNAL which is not valid for this operation.`, status: 400 });
    });

    it('should refuse ImportType NEW_KEY_MATERIAL for an HMAC key with ValidationException [D]', async () => {
      const key = await createExternal({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      await importInto(kms, work, key.KeyId!, opensslRandom(work, 32));

      const err = await awsError(() => importInto(kms, work, key.KeyId!, opensslRandom(work, 32), { importType: 'NEW_KEY_MATERIAL' }));

      expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
    });
  });

  // Last: these move the cluster clock forward for good.
  describe('as cluster time passes', () => {
    it('should expire material at its ValidTo, and take the same material back', async () => {
      const key = await createExternal();
      const material = opensslRandom(work, 32);
      const validTo = new Date((await clusterNow(node)).getTime() + 2 * DAY_MS);
      const { KeyMaterialId } = await importInto(kms, work, key.KeyId!, material, { validTo });
      const blob = await encrypt(key.KeyId!, 'sealed before expiry');
      const described = await describeKey(key.KeyId!);
      expect(described).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES' });
      expectDateNear(described.ValidTo, validTo, 1_000);

      await advanceClock(node, 3 * DAY_S);

      const expired = await eventually(async () => {
        const k = await describeKey(key.KeyId!);
        expect(k.KeyState).toBe('PendingImport');
        return k;
      }, 10_000);
      expect(expired.Enabled).toBe(false);
      expect(expired).not.toHaveProperty('ExpirationModel');
      expect(expired).not.toHaveProperty('ValidTo');
      expect(await awsError(() => encrypt(key.KeyId!, 'too late'))).toEqual(pendingImport(key));

      const again = await importInto(kms, work, key.KeyId!, material);

      expect(again.KeyMaterialId).toBe(KeyMaterialId);
      expect(await describeKey(key.KeyId!)).toMatchObject({ KeyState: 'Enabled', Enabled: true, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
      expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).toBe('sealed before expiry');
    });

    it('should refuse an import token after its 24 hours with ExpiredImportTokenException', async () => {
      const key = await createExternal();
      const { ImportToken, EncryptedKeyMaterial, parameters } = await prepareImport(kms, work, key.KeyId!, opensslRandom(work, 32));

      const now = await advanceClock(node, DAY_S + 60);

      expect(parameters.ParametersValidTo!.getTime()).toBeLessThan(now.getTime());
      const err = await awsError(() =>
        kms.send(new ImportKeyMaterialCommand({ KeyId: key.KeyId, ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' })),
      );
      expect(err).toMatchObject({ name: 'ExpiredImportTokenException', status: 400 });
      expect((await describeKey(key.KeyId!)).KeyState).toBe('PendingImport');
    });
  });
});
