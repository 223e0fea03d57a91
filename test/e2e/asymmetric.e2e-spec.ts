import {
  CreateKeyCommand,
  DecryptCommand,
  DeriveSharedSecretCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  EncryptionAlgorithmSpec,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  KeyMetadata,
  KMSClient,
  KeySpec,
  KeyUsageType,
  MacAlgorithmSpec,
  MessageType,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  SignCommand,
  SigningAlgorithmSpec,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { awsError, TrentNode } from '../support/trent-node';
import {
  ALGORITHM_LISTS,
  caseName,
  createKeys,
  KEY_CASES,
  KeyCase,
  listed,
  messageAs,
  messageTypesOf,
  ML_DSA,
  parseSpki,
  publicKeyDer,
  SIGNATURE_LENGTH,
  SIGNING_CASES,
  tampered,
} from './asymmetric-helpers';
import { text, utf8 } from './e2e-helpers';

jest.setTimeout(30_000);

/**
 * Every asymmetric and HMAC key spec through the AWS SDK against a real node: CreateKey and
 * DescribeKey, Sign/Verify, GetPublicKey, RSA Encrypt/Decrypt/ReEncrypt, GenerateDataKeyPair*,
 * GenerateMac/VerifyMac and DeriveSharedSecret, with AWS's refusals. Results are checked only
 * through Trent here; asymmetric-interop.e2e-spec.ts checks them outside it.
 */
describe('asymmetric and HMAC keys (e2e)', () => {
  let node: TrentNode;
  let kms: KMSClient;
  let keys: Map<string, KeyMetadata>;
  let symmetric: KeyMetadata;

  const keyOf = (spec: KeySpec, usage: KeyUsageType): KeyMetadata => keys.get(caseName(spec, usage))!;
  const invalidCiphertext = { name: 'InvalidCiphertextException', status: 400 };
  const dryRun = { name: 'DryRunOperationException', message: 'The request would have succeeded, but the DryRun option is set.', status: 400 };
  const rawPublicKeys = new Map<string, Buffer>();
  const rawPublicKeyOf = async (spec: KeySpec): Promise<Buffer> => {
    if (!rawPublicKeys.has(spec)) rawPublicKeys.set(spec, parseSpki(await publicKeyDer(kms, keyOf(spec, 'SIGN_VERIFY').KeyId!)).key);
    return rawPublicKeys.get(spec)!;
  };

  beforeAll(async () => {
    node = await TrentNode.start({ region: 'eu-central-1' });
    kms = node.client();
    keys = await createKeys(kms, KEY_CASES);
    symmetric = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  }, 60_000);

  afterAll(async () => {
    kms?.destroy();
    await node?.dispose();
  });

  describe('CreateKey and DescribeKey', () => {
    it.each(KEY_CASES.map((c): [KeySpec, KeyUsageType, KeyCase] => [c.spec, c.usage, c]))('should create a %s key for %s listing exactly its algorithms', async (spec, usage, { lists }) => {
      const created = keyOf(spec, usage);

      const described = (await kms.send(new DescribeKeyCommand({ KeyId: created.KeyId }))).KeyMetadata!;

      for (const md of [created, described]) {
        expect(md).toMatchObject({ KeySpec: spec, CustomerMasterKeySpec: spec, KeyUsage: usage, KeyState: 'Enabled', Origin: 'AWS_KMS', KeyManager: 'CUSTOMER' });
        expect(Object.fromEntries(ALGORITHM_LISTS.filter((l) => listed(md, l) !== undefined).map((l) => [l, listed(md, l)]))).toEqual(lists);
        expect(md.CurrentKeyMaterialId).toBeUndefined();
      }
    });

    it.each(['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_EDWARDS25519', 'ML_DSA_65', 'HMAC_256'] as KeySpec[])(
      'should require a KeyUsage for a %s key',
      async (spec) => {
        const err = await awsError(() => kms.send(new CreateKeyCommand({ KeySpec: spec })));

        expect(err).toEqual({ name: 'ValidationException', message: 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.', status: 400 });
      },
    );

    it.each([
      ['HMAC_256', 'ENCRYPT_DECRYPT'],
      ['RSA_2048', 'GENERATE_VERIFY_MAC'],
      ['ECC_SECG_P256K1', 'KEY_AGREEMENT'],
      ['ECC_NIST_EDWARDS25519', 'KEY_AGREEMENT'],
      ['ML_DSA_44', 'ENCRYPT_DECRYPT'],
      ['ECC_NIST_P256', 'ENCRYPT_DECRYPT'],
      ['RSA_3072', 'KEY_AGREEMENT'],
    ] as [KeySpec, KeyUsageType][])('should refuse a %s key for %s', async (spec, usage) => {
      const err = await awsError(() => kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage })));

      expect(err).toEqual({ name: 'ValidationException', message: `KeyUsage ${usage} is not compatible with KeySpec ${spec}`, status: 400 });
    });

    it('should refuse SM2 keys, which AWS offers only in China Regions', async () => {
      const err = await awsError(() => kms.send(new CreateKeyCommand({ KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' })));

      expect(err).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
    });
  });

  describe('Sign and Verify', () => {
    const verify = (keyId: string, message: Uint8Array, messageType: MessageType, algorithm: SigningAlgorithmSpec, signature: Uint8Array) =>
      kms.send(new VerifyCommand({ KeyId: keyId, Message: message, MessageType: messageType, SigningAlgorithm: algorithm, Signature: signature }));

    it.each(SIGNING_CASES)('should sign with a %s key and %s, and verify in every message form it takes', async (spec, algorithm) => {
      const key = keyOf(spec, 'SIGN_VERIFY');
      const types = messageTypesOf(algorithm);
      const rawPublicKey = spec.startsWith('ML_DSA_') ? await rawPublicKeyOf(spec) : undefined;
      const message = utf8(`signed by ${spec} with ${algorithm}`);
      const form = (type: MessageType, m = message) => messageAs(type, algorithm, m, rawPublicKey);

      for (const signedAs of types) {
        const signed = await kms.send(new SignCommand({ KeyId: key.KeyId, Message: form(signedAs), MessageType: signedAs, SigningAlgorithm: algorithm }));

        expect({ signedAs, ...signed, Signature: undefined, $metadata: undefined }).toEqual({ signedAs, KeyId: key.Arn, SigningAlgorithm: algorithm });
        if (SIGNATURE_LENGTH[spec]) expect(signed.Signature).toHaveLength(SIGNATURE_LENGTH[spec]!);
        for (const verifiedAs of types) {
          const verified = await verify(key.Arn!, form(verifiedAs), verifiedAs, algorithm, signed.Signature!);
          expect({ signedAs, verifiedAs, ...verified, $metadata: undefined }).toEqual({ signedAs, verifiedAs, KeyId: key.Arn, SignatureValid: true, SigningAlgorithm: algorithm });
        }
        const forged = await awsError(() => verify(key.KeyId!, form(signedAs), signedAs, algorithm, tampered(signed.Signature!)));
        expect({ signedAs, ...forged }).toMatchObject({ signedAs, name: 'KMSInvalidSignatureException', status: 400 });
        const otherMessage = await awsError(() => verify(key.KeyId!, form(signedAs, utf8('another message')), signedAs, algorithm, signed.Signature!));
        expect({ signedAs, ...otherMessage }).toMatchObject({ signedAs, name: 'KMSInvalidSignatureException', status: 400 });
      }
    });

    it('should not accept a signature made with another key of the same spec', async () => {
      const other = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
      const message = utf8('whose signature?');
      const signed = await kms.send(new SignCommand({ KeyId: other.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));

      const err = await awsError(() => verify(keyOf('ECC_NIST_P256', 'SIGN_VERIFY').KeyId!, message, 'RAW', 'ECDSA_SHA_256', signed.Signature!));

      expect(err).toMatchObject({ name: 'KMSInvalidSignatureException', status: 400 });
    });

    it.each([
      ['ECC_NIST_P256', 'ECDSA_SHA_384'],
      ['ECC_NIST_P384', 'ECDSA_SHA_256'],
      ['ECC_NIST_P521', 'ECDSA_SHA_384'],
      ['ECC_SECG_P256K1', 'ECDSA_SHA_512'],
      ['RSA_2048', 'ECDSA_SHA_256'],
      ['ECC_NIST_EDWARDS25519', 'ECDSA_SHA_512'],
      ['ECC_NIST_P256', 'ED25519_SHA_512'],
      ['ML_DSA_65', 'RSASSA_PSS_SHA_256'],
      ['RSA_3072', 'ML_DSA_SHAKE_256'],
    ] as [KeySpec, SigningAlgorithmSpec][])('should refuse a %s key signing or verifying with %s', async (spec, algorithm) => {
      const keyId = keyOf(spec, 'SIGN_VERIFY').KeyId!;
      const expected = { name: 'InvalidKeyUsageException', message: `Algorithm ${algorithm} is incompatible with key spec ${spec}.`, status: 400 };

      expect(await awsError(() => kms.send(new SignCommand({ KeyId: keyId, Message: utf8('m'), SigningAlgorithm: algorithm })))).toEqual(expected);
      expect(await awsError(() => verify(keyId, utf8('m'), 'RAW', algorithm, randomBytes(64)))).toEqual(expected);
    });

    it.each([
      ['ECC_NIST_P256', 'ECDSA_SHA_256', 31],
      ['ECC_NIST_P256', 'ECDSA_SHA_256', 33],
      ['ECC_NIST_P384', 'ECDSA_SHA_384', 32],
      ['ECC_NIST_P521', 'ECDSA_SHA_512', 48],
      ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256', 64],
      ['RSA_2048', 'RSASSA_PSS_SHA_384', 32],
      ['ECC_NIST_EDWARDS25519', 'ED25519_PH_SHA_512', 32],
    ] as [KeySpec, SigningAlgorithmSpec, number][])('should refuse a %s DIGEST for %s of %i bytes', async (spec, algorithm, length) => {
      const keyId = keyOf(spec, 'SIGN_VERIFY').KeyId!;
      const expected = { name: 'ValidationException', message: `Digest is invalid length for algorithm ${algorithm}.`, status: 400 };

      expect(await awsError(() => kms.send(new SignCommand({ KeyId: keyId, Message: randomBytes(length), MessageType: 'DIGEST', SigningAlgorithm: algorithm })))).toEqual(expected);
      expect(await awsError(() => verify(keyId, randomBytes(length), 'DIGEST', algorithm, randomBytes(64)))).toEqual(expected);
    });

    it('should refuse a RAW message for ED25519_PH_SHA_512, which signs digests only', async () => {
      const keyId = keyOf('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY').KeyId!;
      const expected = { name: 'ValidationException', message: 'Message type RAW is incompatible with algorithm ED25519_PH_SHA_512.', status: 400 };

      expect(await awsError(() => kms.send(new SignCommand({ KeyId: keyId, Message: randomBytes(64), MessageType: 'RAW', SigningAlgorithm: 'ED25519_PH_SHA_512' })))).toEqual(expected);
      expect(await awsError(() => verify(keyId, randomBytes(64), 'RAW', 'ED25519_PH_SHA_512', randomBytes(64)))).toEqual(expected);
    });

    it('should refuse a DIGEST for ED25519_SHA_512, which signs whole messages only', async () => {
      const keyId = keyOf('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY').KeyId!;

      const err = await awsError(() => kms.send(new SignCommand({ KeyId: keyId, Message: randomBytes(64), MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_SHA_512' })));

      expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
    });

    it('should refuse a DIGEST for an ML-DSA key, naming the key spec', async () => {
      const keyId = keyOf('ML_DSA_65', 'SIGN_VERIFY').KeyId!;
      const expected = { name: 'ValidationException', message: 'Message type DIGEST is incompatible with key spec ML_DSA_65.', status: 400 };

      expect(await awsError(() => kms.send(new SignCommand({ KeyId: keyId, Message: randomBytes(32), MessageType: 'DIGEST', SigningAlgorithm: 'ML_DSA_SHAKE_256' })))).toEqual(expected);
      expect(await awsError(() => verify(keyId, randomBytes(32), 'DIGEST', 'ML_DSA_SHAKE_256', randomBytes(64)))).toEqual(expected);
    });

    it('should refuse an EXTERNAL_MU that is not 64 bytes', async () => {
      const keyId = keyOf('ML_DSA_44', 'SIGN_VERIFY').KeyId!;

      const err = await awsError(() => kms.send(new SignCommand({ KeyId: keyId, Message: randomBytes(32), MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ML_DSA_SHAKE_256' })));

      expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
    });

    it('should refuse EXTERNAL_MU for an algorithm other than ML-DSA', async () => {
      const keyId = keyOf('ECC_NIST_P256', 'SIGN_VERIFY').KeyId!;

      const err = await awsError(() => kms.send(new SignCommand({ KeyId: keyId, Message: randomBytes(64), MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ECDSA_SHA_256' })));

      expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
    });

    it.each([
      ['a symmetric encryption key', () => symmetric, 'ENCRYPT_DECRYPT'],
      ['an RSA ENCRYPT_DECRYPT key', () => keyOf('RSA_2048', 'ENCRYPT_DECRYPT'), 'ENCRYPT_DECRYPT'],
      ['a KEY_AGREEMENT key', () => keyOf('ECC_NIST_P256', 'KEY_AGREEMENT'), 'KEY_AGREEMENT'],
      ['an HMAC key', () => keyOf('HMAC_256', 'GENERATE_VERIFY_MAC'), 'GENERATE_VERIFY_MAC'],
    ])('should refuse Sign and Verify with %s, naming its key usage', async (_what, key, usage) => {
      const { KeyId, Arn } = key();

      expect(await awsError(() => kms.send(new SignCommand({ KeyId, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256' })))).toEqual({
        name: 'InvalidKeyUsageException',
        message: `${Arn} key usage is ${usage} which is not valid for Sign.`,
        status: 400,
      });
      expect(await awsError(() => verify(KeyId!, utf8('m'), 'RAW', 'ECDSA_SHA_256', randomBytes(64)))).toEqual({
        name: 'InvalidKeyUsageException',
        message: `${Arn} key usage is ${usage} which is not valid for Verify.`,
        status: 400,
      });
    });

    it('should answer DryRunOperationException to a Sign and a Verify that would succeed', async () => {
      const key = keyOf('ECC_NIST_P256', 'SIGN_VERIFY');
      const message = utf8('dry run');
      const { Signature } = await kms.send(new SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));

      expect(await awsError(() => kms.send(new SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256', DryRun: true })))).toEqual(dryRun);
      expect(
        await awsError(() => kms.send(new VerifyCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256', Signature, DryRun: true }))),
      ).toEqual(dryRun);
    });
  });

  describe('GetPublicKey', () => {
    const ASYMMETRIC = KEY_CASES.filter((c) => !c.spec.startsWith('HMAC_'));
    /** What node:crypto sees in each spec's SubjectPublicKeyInfo (Node 20 does not know ML-DSA). */
    const NODE_VIEW: Partial<Record<KeySpec, object>> = {
      RSA_2048: { type: 'rsa', details: { modulusLength: 2048, publicExponent: 65537n } },
      RSA_3072: { type: 'rsa', details: { modulusLength: 3072, publicExponent: 65537n } },
      RSA_4096: { type: 'rsa', details: { modulusLength: 4096, publicExponent: 65537n } },
      ECC_NIST_P256: { type: 'ec', details: { namedCurve: 'prime256v1' } },
      ECC_NIST_P384: { type: 'ec', details: { namedCurve: 'secp384r1' } },
      ECC_NIST_P521: { type: 'ec', details: { namedCurve: 'secp521r1' } },
      ECC_SECG_P256K1: { type: 'ec', details: { namedCurve: 'secp256k1' } },
      ECC_NIST_EDWARDS25519: { type: 'ed25519', details: {} },
    };

    it.each(ASYMMETRIC.map((c): [KeySpec, KeyUsageType, KeyCase] => [c.spec, c.usage, c]))('should answer the DER public key of a %s %s key with its spec, usage and algorithms', async (spec, usage, { lists }) => {
      const key = keyOf(spec, usage);

      const res = await kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }));

      expect(res).toMatchObject({ KeyId: key.Arn, KeySpec: spec, CustomerMasterKeySpec: spec, KeyUsage: usage });
      expect(Object.fromEntries(ALGORITHM_LISTS.filter((l) => listed(res, l) !== undefined).map((l) => [l, listed(res, l)]))).toEqual(lists);
      const der = Buffer.from(res.PublicKey!);
      if (ML_DSA[spec]) {
        expect(parseSpki(der)).toMatchObject({ oid: ML_DSA[spec]!.oid, hasParameters: false });
        expect(parseSpki(der).key).toHaveLength(ML_DSA[spec]!.publicKeyLength);
      } else {
        const pub = createPublicKey({ key: der, format: 'der', type: 'spki' });
        expect({ type: pub.asymmetricKeyType, details: pub.asymmetricKeyDetails }).toEqual(NODE_VIEW[spec]);
        expect(pub.export({ format: 'der', type: 'spki' }).equals(der)).toBe(true);
      }
    });

    it('should answer the same public key for the key ARN and on every call', async () => {
      const key = keyOf('ECC_NIST_P384', 'SIGN_VERIFY');

      const [a, b] = [await publicKeyDer(kms, key.KeyId!), await publicKeyDer(kms, key.Arn!)];

      expect(a.equals(b)).toBe(true);
    });

    it.each([
      ['a symmetric encryption key', () => symmetric],
      ['an HMAC key', () => keyOf('HMAC_384', 'GENERATE_VERIFY_MAC')],
    ])('should refuse %s with UnsupportedOperationException', async (_what, key) => {
      const err = await awsError(() => kms.send(new GetPublicKeyCommand({ KeyId: key().KeyId })));

      expect(err).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
    });
  });

  describe('RSA Encrypt, Decrypt and ReEncrypt', () => {
    const MODULUS_BYTES: Record<string, number> = { RSA_2048: 256, RSA_3072: 384, RSA_4096: 512 };
    const encrypt = (keyId: string, plaintext: Uint8Array, algorithm?: EncryptionAlgorithmSpec) =>
      kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionAlgorithm: algorithm }));
    const decrypt = (keyId: string | undefined, blob: Uint8Array, algorithm?: EncryptionAlgorithmSpec) =>
      kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: blob, EncryptionAlgorithm: algorithm }));

    it.each([
      ['RSA_2048', 'RSAES_OAEP_SHA_1', 214],
      ['RSA_2048', 'RSAES_OAEP_SHA_256', 190],
      ['RSA_3072', 'RSAES_OAEP_SHA_1', 342],
      ['RSA_3072', 'RSAES_OAEP_SHA_256', 318],
      ['RSA_4096', 'RSAES_OAEP_SHA_1', 470],
      ['RSA_4096', 'RSAES_OAEP_SHA_256', 446],
    ] as [KeySpec, EncryptionAlgorithmSpec, number][])('should encrypt with a %s key and %s up to %i bytes, and refuse one more', async (spec, algorithm, limit) => {
      const key = keyOf(spec, 'ENCRYPT_DECRYPT');
      const plaintext = randomBytes(limit);

      const encrypted = await encrypt(key.KeyId!, plaintext, algorithm);

      expect({ ...encrypted, CiphertextBlob: undefined, $metadata: undefined }).toEqual({ KeyId: key.Arn, EncryptionAlgorithm: algorithm });
      expect(encrypted.CiphertextBlob).toHaveLength(MODULUS_BYTES[spec]);
      const decrypted = await decrypt(key.KeyId, encrypted.CiphertextBlob!, algorithm);
      expect({ ...decrypted, Plaintext: undefined, $metadata: undefined }).toEqual({ KeyId: key.Arn, EncryptionAlgorithm: algorithm });
      expect(Buffer.from(decrypted.Plaintext!).equals(plaintext)).toBe(true);
      expect(await awsError(() => encrypt(key.KeyId!, randomBytes(limit + 1), algorithm))).toEqual({
        name: 'ValidationException',
        message: `Algorithm ${algorithm} and key spec ${spec} cannot encrypt data larger than ${limit} bytes.`,
        status: 400,
      });
    });

    it('should give a new ciphertext each time (OAEP is randomized)', async () => {
      const keyId = keyOf('RSA_2048', 'ENCRYPT_DECRYPT').KeyId!;

      const [a, b] = [await encrypt(keyId, utf8('same'), 'RSAES_OAEP_SHA_256'), await encrypt(keyId, utf8('same'), 'RSAES_OAEP_SHA_256')];

      expect(Buffer.from(a.CiphertextBlob!).equals(Buffer.from(b.CiphertextBlob!))).toBe(false);
    });

    it('should refuse an RSA Encrypt without EncryptionAlgorithm, as SYMMETRIC_DEFAULT', async () => {
      const err = await awsError(() => encrypt(keyOf('RSA_2048', 'ENCRYPT_DECRYPT').KeyId!, utf8('x')));

      expect(err).toEqual({ name: 'InvalidKeyUsageException', message: 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.', status: 400 });
    });

    it('should refuse an RSA Decrypt without EncryptionAlgorithm', async () => {
      const key = keyOf('RSA_2048', 'ENCRYPT_DECRYPT');
      const { CiphertextBlob } = await encrypt(key.KeyId!, utf8('x'), 'RSAES_OAEP_SHA_256');

      const err = await awsError(() => decrypt(key.KeyId, CiphertextBlob!));

      expect(err).toMatchObject({ name: 'InvalidKeyUsageException', status: 400 });
    });

    it('should refuse RSAES_OAEP_SHA_256 with a symmetric key', async () => {
      const err = await awsError(() => encrypt(symmetric.KeyId!, utf8('x'), 'RSAES_OAEP_SHA_256'));

      expect(err).toMatchObject({ name: 'InvalidKeyUsageException', status: 400 });
    });

    it('should refuse Encrypt with an RSA SIGN_VERIFY key, naming its key usage', async () => {
      const key = keyOf('RSA_2048', 'SIGN_VERIFY');

      const err = await awsError(() => encrypt(key.KeyId!, utf8('x'), 'RSAES_OAEP_SHA_256'));

      expect(err).toEqual({ name: 'InvalidKeyUsageException', message: `${key.Arn} key usage is SIGN_VERIFY which is not valid for Encrypt.`, status: 400 });
    });

    describe('undecryptable ciphertexts', () => {
      let key: KeyMetadata;
      let blob: Uint8Array;

      beforeAll(async () => {
        key = keyOf('RSA_3072', 'ENCRYPT_DECRYPT');
        blob = (await encrypt(key.KeyId!, utf8('only with SHA-256'), 'RSAES_OAEP_SHA_256')).CiphertextBlob!;
      });

      it.each([
        ['with the other OAEP algorithm', () => decrypt(key.KeyId, blob, 'RSAES_OAEP_SHA_1')],
        ['with a bit flipped', () => decrypt(key.KeyId, tampered(blob), 'RSAES_OAEP_SHA_256')],
        ['of modulus length but random', () => decrypt(key.KeyId, randomBytes(384), 'RSAES_OAEP_SHA_256')],
        ['shorter than the modulus', () => decrypt(key.KeyId, randomBytes(20), 'RSAES_OAEP_SHA_256')],
        ['under another RSA key', () => decrypt(keyOf('RSA_2048', 'ENCRYPT_DECRYPT').KeyId, blob, 'RSAES_OAEP_SHA_256')],
      ])('should answer InvalidCiphertextException to a Decrypt %s', async (_what, send) => {
        expect(await awsError(send)).toMatchObject(invalidCiphertext);
      });

      it('should still decrypt the untouched ciphertext', async () => {
        expect(text((await decrypt(key.KeyId, blob, 'RSAES_OAEP_SHA_256')).Plaintext)).toBe('only with SHA-256');
      });
    });

    it('should ReEncrypt from a symmetric key to an RSA key', async () => {
      const rsa = keyOf('RSA_2048', 'ENCRYPT_DECRYPT');
      const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: symmetric.KeyId, Plaintext: utf8('to RSA'), EncryptionContext: { leg: 'one' } }));

      const res = await kms.send(
        new ReEncryptCommand({
          CiphertextBlob,
          SourceEncryptionContext: { leg: 'one' },
          DestinationKeyId: rsa.KeyId,
          DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        }),
      );

      expect(res).toMatchObject({ SourceKeyId: symmetric.Arn, KeyId: rsa.Arn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
      expect(res.SourceKeyMaterialId).toBe(symmetric.CurrentKeyMaterialId);
      expect(res.DestinationKeyMaterialId).toBeUndefined();
      expect(res.CiphertextBlob).toHaveLength(256);
      expect(text((await decrypt(rsa.KeyId, res.CiphertextBlob!, 'RSAES_OAEP_SHA_256')).Plaintext)).toBe('to RSA');
    });

    it('should ReEncrypt from an RSA key to a symmetric key', async () => {
      const rsa = keyOf('RSA_3072', 'ENCRYPT_DECRYPT');
      const { CiphertextBlob } = await encrypt(rsa.KeyId!, utf8('from RSA'), 'RSAES_OAEP_SHA_1');

      const res = await kms.send(
        new ReEncryptCommand({
          CiphertextBlob,
          SourceKeyId: rsa.KeyId,
          SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
          DestinationKeyId: symmetric.KeyId,
          DestinationEncryptionContext: { leg: 'two' },
        }),
      );

      expect(res).toMatchObject({ SourceKeyId: rsa.Arn, KeyId: symmetric.Arn, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
      expect(res.SourceKeyMaterialId).toBeUndefined();
      expect(res.DestinationKeyMaterialId).toBe(symmetric.CurrentKeyMaterialId);
      const back = await kms.send(new DecryptCommand({ CiphertextBlob: res.CiphertextBlob, EncryptionContext: { leg: 'two' } }));
      expect(text(back.Plaintext)).toBe('from RSA');
      expect(back.KeyId).toBe(symmetric.Arn);
    });

    it('should ReEncrypt from one RSA key to another with different OAEP algorithms', async () => {
      const [from, to] = [keyOf('RSA_2048', 'ENCRYPT_DECRYPT'), keyOf('RSA_4096', 'ENCRYPT_DECRYPT')];
      const { CiphertextBlob } = await encrypt(from.KeyId!, utf8('RSA to RSA'), 'RSAES_OAEP_SHA_256');

      const res = await kms.send(
        new ReEncryptCommand({
          CiphertextBlob,
          SourceKeyId: from.KeyId,
          SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
          DestinationKeyId: to.KeyId,
          DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
        }),
      );

      expect(res.CiphertextBlob).toHaveLength(512);
      expect(text((await decrypt(to.KeyId, res.CiphertextBlob!, 'RSAES_OAEP_SHA_1')).Plaintext)).toBe('RSA to RSA');
    });

    it('should refuse a ReEncrypt of an RSA ciphertext with the wrong SourceEncryptionAlgorithm', async () => {
      const rsa = keyOf('RSA_2048', 'ENCRYPT_DECRYPT');
      const { CiphertextBlob } = await encrypt(rsa.KeyId!, utf8('x'), 'RSAES_OAEP_SHA_256');

      const err = await awsError(() =>
        kms.send(new ReEncryptCommand({ CiphertextBlob, SourceKeyId: rsa.KeyId, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1', DestinationKeyId: symmetric.KeyId })),
      );

      expect(err).toMatchObject(invalidCiphertext);
    });
  });

  describe('GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext', () => {
    const KEY_PAIR_SPECS: [string, object][] = [
      ['RSA_2048', { type: 'rsa', details: { modulusLength: 2048, publicExponent: 65537n } }],
      ['RSA_3072', { type: 'rsa', details: { modulusLength: 3072, publicExponent: 65537n } }],
      ['RSA_4096', { type: 'rsa', details: { modulusLength: 4096, publicExponent: 65537n } }],
      ['ECC_NIST_P256', { type: 'ec', details: { namedCurve: 'prime256v1' } }],
      ['ECC_NIST_P384', { type: 'ec', details: { namedCurve: 'secp384r1' } }],
      ['ECC_NIST_P521', { type: 'ec', details: { namedCurve: 'secp521r1' } }],
      ['ECC_SECG_P256K1', { type: 'ec', details: { namedCurve: 'secp256k1' } }],
      ['ECC_NIST_EDWARDS25519', { type: 'ed25519', details: {} }],
    ];
    const context = { purpose: 'data key pair' };
    const view = (k: KeyObject) => ({ type: k.asymmetricKeyType, details: k.asymmetricKeyDetails });
    /** The PKCS#8 private key parsed by node:crypto, after checking its public half is `publicKey`. */
    const expectPair = (privateKeyDer: Uint8Array, publicKey: Uint8Array, expected: object): void => {
      const privateKey = createPrivateKey({ key: Buffer.from(privateKeyDer), format: 'der', type: 'pkcs8' });
      expect(view(privateKey)).toEqual(expected);
      expect(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).equals(Buffer.from(publicKey))).toBe(true);
      expect(view(createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' }))).toEqual(expected);
    };

    it.each(KEY_PAIR_SPECS)('should generate a %s pair whose encrypted private key decrypts to its PKCS#8 plaintext', async (spec, expected) => {
      const res = await kms.send(new GenerateDataKeyPairCommand({ KeyId: symmetric.KeyId, KeyPairSpec: spec as never, EncryptionContext: context }));

      expect(res).toMatchObject({ KeyId: symmetric.Arn, KeyPairSpec: spec });
      expectPair(res.PrivateKeyPlaintext!, res.PublicKey!, expected);
      const back = await kms.send(new DecryptCommand({ CiphertextBlob: res.PrivateKeyCiphertextBlob, EncryptionContext: context }));
      expect(back.KeyId).toBe(symmetric.Arn);
      expect(Buffer.from(back.Plaintext!).equals(Buffer.from(res.PrivateKeyPlaintext!))).toBe(true);
      const wrongContext = await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: res.PrivateKeyCiphertextBlob, EncryptionContext: { purpose: 'other' } })));
      expect(wrongContext).toMatchObject(invalidCiphertext);
    });

    it.each(KEY_PAIR_SPECS)('should generate a %s pair without the plaintext private key', async (spec, expected) => {
      const res = await kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: symmetric.KeyId, KeyPairSpec: spec as never, EncryptionContext: context }));

      expect(res).toMatchObject({ KeyId: symmetric.Arn, KeyPairSpec: spec });
      expect(res).not.toHaveProperty('PrivateKeyPlaintext');
      const back = await kms.send(new DecryptCommand({ CiphertextBlob: res.PrivateKeyCiphertextBlob, EncryptionContext: context }));
      expectPair(back.Plaintext!, res.PublicKey!, expected);
      expect(await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: res.PrivateKeyCiphertextBlob })))).toMatchObject(invalidCiphertext);
    });

    it('should give a new key pair each time', async () => {
      const generate = async () => Buffer.from((await kms.send(new GenerateDataKeyPairCommand({ KeyId: symmetric.KeyId, KeyPairSpec: 'ECC_NIST_P256' }))).PublicKey!);

      expect((await generate()).equals(await generate())).toBe(false);
    });

    it.each([
      ['an RSA ENCRYPT_DECRYPT key', () => keyOf('RSA_2048', 'ENCRYPT_DECRYPT')],
      ['a SIGN_VERIFY key', () => keyOf('ECC_NIST_P256', 'SIGN_VERIFY')],
      ['an HMAC key', () => keyOf('HMAC_256', 'GENERATE_VERIFY_MAC')],
    ])('should refuse to protect a data key pair with %s', async (_what, key) => {
      for (const send of [
        () => kms.send(new GenerateDataKeyPairCommand({ KeyId: key().KeyId, KeyPairSpec: 'ECC_NIST_P256' })),
        () => kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: key().KeyId, KeyPairSpec: 'ECC_NIST_P256' })),
      ]) {
        expect(await awsError(send)).toMatchObject({ name: 'InvalidKeyUsageException', status: 400 });
      }
    });

    it('should refuse SM2 data key pairs, which AWS offers only in China Regions', async () => {
      for (const send of [
        () => kms.send(new GenerateDataKeyPairCommand({ KeyId: symmetric.KeyId, KeyPairSpec: 'SM2' })),
        () => kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: symmetric.KeyId, KeyPairSpec: 'SM2' })),
      ]) {
        expect(await awsError(send)).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
      }
    });

    it('should answer DryRunOperationException to both operations that would succeed', async () => {
      for (const send of [
        () => kms.send(new GenerateDataKeyPairCommand({ KeyId: symmetric.KeyId, KeyPairSpec: 'ECC_NIST_P256', DryRun: true })),
        () => kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: symmetric.KeyId, KeyPairSpec: 'ECC_NIST_P256', DryRun: true })),
      ]) {
        expect(await awsError(send)).toEqual(dryRun);
      }
    });
  });

  describe('GenerateMac and VerifyMac', () => {
    const HMACS = [
      ['HMAC_224', 'HMAC_SHA_224', 28],
      ['HMAC_256', 'HMAC_SHA_256', 32],
      ['HMAC_384', 'HMAC_SHA_384', 48],
      ['HMAC_512', 'HMAC_SHA_512', 64],
    ] as [KeySpec, MacAlgorithmSpec, number][];
    const generateMac = (keyId: string, message: Uint8Array, algorithm: MacAlgorithmSpec) =>
      kms.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: algorithm }));
    const verifyMac = (keyId: string, message: Uint8Array, algorithm: MacAlgorithmSpec, mac: Uint8Array) =>
      kms.send(new VerifyMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: algorithm, Mac: mac }));

    it.each(HMACS)('should MAC with a %s key and %s (%i bytes) and verify it', async (spec, algorithm, length) => {
      const key = keyOf(spec, 'GENERATE_VERIFY_MAC');
      const message = utf8(`authenticated by ${spec}`);

      const res = await generateMac(key.KeyId!, message, algorithm);

      expect({ ...res, Mac: undefined, $metadata: undefined }).toEqual({ KeyId: key.Arn, MacAlgorithm: algorithm });
      expect(res.Mac).toHaveLength(length);
      expect(Buffer.from((await generateMac(key.Arn!, message, algorithm)).Mac!).equals(Buffer.from(res.Mac!))).toBe(true);
      const verified = await verifyMac(key.KeyId!, message, algorithm, res.Mac!);
      expect({ ...verified, $metadata: undefined }).toEqual({ KeyId: key.Arn, MacValid: true, MacAlgorithm: algorithm });
      for (const [badMessage, badMac] of [
        [message, tampered(res.Mac!)],
        [utf8('another message'), res.Mac!],
        [message, res.Mac!.subarray(0, length - 1)],
      ]) {
        expect(await awsError(() => verifyMac(key.KeyId!, badMessage, algorithm, badMac))).toMatchObject({ name: 'KMSInvalidMacException', status: 400 });
      }
    });

    it('should give another MAC for the same message under another key of the same spec', async () => {
      const other = (await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
      const mine = await generateMac(keyOf('HMAC_256', 'GENERATE_VERIFY_MAC').KeyId!, utf8('m'), 'HMAC_SHA_256');

      const theirs = await generateMac(other.KeyId!, utf8('m'), 'HMAC_SHA_256');

      expect(Buffer.from(theirs.Mac!).equals(Buffer.from(mine.Mac!))).toBe(false);
      expect(await awsError(() => verifyMac(other.KeyId!, utf8('m'), 'HMAC_SHA_256', mine.Mac!))).toMatchObject({ name: 'KMSInvalidMacException', status: 400 });
    });

    it('should refuse a MAC algorithm the key does not list', async () => {
      const keyId = keyOf('HMAC_224', 'GENERATE_VERIFY_MAC').KeyId!;
      const expected = { name: 'InvalidKeyUsageException', message: 'Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.', status: 400 };

      expect(await awsError(() => generateMac(keyId, utf8('m'), 'HMAC_SHA_256'))).toEqual(expected);
      expect(await awsError(() => verifyMac(keyId, utf8('m'), 'HMAC_SHA_256', randomBytes(32)))).toEqual(expected);
    });

    it.each([
      ['a symmetric encryption key', () => symmetric, 'ENCRYPT_DECRYPT'],
      ['a SIGN_VERIFY key', () => keyOf('ECC_NIST_P256', 'SIGN_VERIFY'), 'SIGN_VERIFY'],
    ])('should refuse GenerateMac and VerifyMac with %s, naming its key usage', async (_what, key, usage) => {
      const { KeyId, Arn } = key();

      expect(await awsError(() => generateMac(KeyId!, utf8('m'), 'HMAC_SHA_256'))).toEqual({
        name: 'InvalidKeyUsageException',
        message: `${Arn} key usage is ${usage} which is not valid for GenerateMac.`,
        status: 400,
      });
      expect(await awsError(() => verifyMac(KeyId!, utf8('m'), 'HMAC_SHA_256', randomBytes(32)))).toEqual({
        name: 'InvalidKeyUsageException',
        message: `${Arn} key usage is ${usage} which is not valid for VerifyMac.`,
        status: 400,
      });
    });

    it('should answer DryRunOperationException to a GenerateMac and a VerifyMac that would succeed', async () => {
      const keyId = keyOf('HMAC_512', 'GENERATE_VERIFY_MAC').KeyId!;
      const { Mac } = await generateMac(keyId, utf8('dry'), 'HMAC_SHA_512');

      expect(await awsError(() => kms.send(new GenerateMacCommand({ KeyId: keyId, Message: utf8('dry'), MacAlgorithm: 'HMAC_SHA_512', DryRun: true })))).toEqual(dryRun);
      expect(await awsError(() => kms.send(new VerifyMacCommand({ KeyId: keyId, Message: utf8('dry'), MacAlgorithm: 'HMAC_SHA_512', Mac, DryRun: true })))).toEqual(dryRun);
    });
  });

  describe('DeriveSharedSecret', () => {
    const CURVES = [
      ['ECC_NIST_P256', 'prime256v1', 32],
      ['ECC_NIST_P384', 'secp384r1', 48],
      ['ECC_NIST_P521', 'secp521r1', 66],
    ] as [KeySpec, string, number][];
    const derive = (keyId: string, publicKey: Uint8Array, dryRun?: boolean) =>
      kms.send(new DeriveSharedSecretCommand({ KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: publicKey, DryRun: dryRun }));
    const peerOn = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });
    const spkiOf = (k: KeyObject): Buffer => k.export({ format: 'der', type: 'spki' });

    it.each(CURVES)('should agree on a %s secret with a %s peer, as the peer computes it', async (spec, namedCurve, length) => {
      const key = keyOf(spec, 'KEY_AGREEMENT');
      const peer = peerOn(namedCurve);
      const trentPublic = createPublicKey({ key: await publicKeyDer(kms, key.KeyId!), format: 'der', type: 'spki' });

      const res = await derive(key.KeyId!, spkiOf(peer.publicKey));

      expect({ ...res, SharedSecret: undefined, $metadata: undefined }).toEqual({ KeyId: key.Arn, KeyAgreementAlgorithm: 'ECDH', KeyOrigin: 'AWS_KMS' });
      expect(res.SharedSecret).toHaveLength(length);
      expect(Buffer.from(res.SharedSecret!).equals(diffieHellman({ privateKey: peer.privateKey, publicKey: trentPublic }))).toBe(true);
    });

    it('should derive another secret with another peer', async () => {
      const keyId = keyOf('ECC_NIST_P256', 'KEY_AGREEMENT').KeyId!;

      const [a, b] = [await derive(keyId, spkiOf(peerOn('prime256v1').publicKey)), await derive(keyId, spkiOf(peerOn('prime256v1').publicKey))];

      expect(Buffer.from(a.SharedSecret!).equals(Buffer.from(b.SharedSecret!))).toBe(false);
    });

    it.each([
      ['a peer on another curve', () => spkiOf(peerOn('secp384r1').publicKey)],
      ['a secp256k1 peer', () => spkiOf(peerOn('secp256k1').publicKey)],
      ['an Ed25519 peer', () => spkiOf(generateKeyPairSync('ed25519').publicKey)],
      ['garbage bytes', () => randomBytes(91)],
      ['a truncated SubjectPublicKeyInfo', () => spkiOf(peerOn('prime256v1').publicKey).subarray(0, 60)],
    ])('should refuse %s with ValidationException', async (_what, publicKey) => {
      const err = await awsError(() => derive(keyOf('ECC_NIST_P256', 'KEY_AGREEMENT').KeyId!, publicKey()));

      expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
    });

    it('should refuse a SIGN_VERIFY key, naming its key usage', async () => {
      const key = keyOf('ECC_NIST_P256', 'SIGN_VERIFY');

      const err = await awsError(() => derive(key.KeyId!, spkiOf(peerOn('prime256v1').publicKey)));

      expect(err).toEqual({ name: 'InvalidKeyUsageException', message: `${key.Arn} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.`, status: 400 });
    });

    it('should answer DryRunOperationException to a DeriveSharedSecret that would succeed', async () => {
      const err = await awsError(() => derive(keyOf('ECC_NIST_P384', 'KEY_AGREEMENT').KeyId!, spkiOf(peerOn('secp384r1').publicKey), true));

      expect(err).toEqual(dryRun);
    });
  });

  describe('disabled keys', () => {
    let signer: KeyMetadata;
    let mac: KeyMetadata;
    let agreement: KeyMetadata;
    let signature: Uint8Array;

    beforeAll(async () => {
      [signer, mac, agreement] = [...(await createKeys(kms, [
        { spec: 'ECC_NIST_P256', usage: 'SIGN_VERIFY' },
        { spec: 'HMAC_256', usage: 'GENERATE_VERIFY_MAC' },
        { spec: 'ECC_NIST_P256', usage: 'KEY_AGREEMENT' },
      ])).values()];
      signature = (await kms.send(new SignCommand({ KeyId: signer.KeyId, Message: utf8('before'), SigningAlgorithm: 'ECDSA_SHA_256' }))).Signature!;
      for (const k of [signer, mac, agreement]) await kms.send(new DisableKeyCommand({ KeyId: k.KeyId }));
    });

    it('should refuse every use of a disabled asymmetric or HMAC key with DisabledException', async () => {
      const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' });
      const calls: [string, KeyMetadata, () => Promise<unknown>][] = [
        ['Sign', signer, () => kms.send(new SignCommand({ KeyId: signer.KeyId, Message: utf8('after'), SigningAlgorithm: 'ECDSA_SHA_256' }))],
        ['Verify', signer, () => kms.send(new VerifyCommand({ KeyId: signer.KeyId, Message: utf8('before'), SigningAlgorithm: 'ECDSA_SHA_256', Signature: signature }))],
        ['GetPublicKey', signer, () => kms.send(new GetPublicKeyCommand({ KeyId: signer.KeyId }))],
        ['GenerateMac', mac, () => kms.send(new GenerateMacCommand({ KeyId: mac.KeyId, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' }))],
        ['VerifyMac', mac, () => kms.send(new VerifyMacCommand({ KeyId: mac.KeyId, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256', Mac: randomBytes(32) }))],
        ['DeriveSharedSecret', agreement, () => kms.send(new DeriveSharedSecretCommand({ KeyId: agreement.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer }))],
      ];
      for (const [operation, key, send] of calls) {
        expect({ operation, ...(await awsError(send)) }).toEqual({ operation, name: 'DisabledException', message: `${key.Arn} is disabled.`, status: 400 });
      }
    });
  });

  describe('key rotation', () => {
    it.each([
      ['RSA_2048', 'SIGN_VERIFY'],
      ['RSA_2048', 'ENCRYPT_DECRYPT'],
      ['ECC_NIST_P256', 'KEY_AGREEMENT'],
      ['ECC_NIST_EDWARDS25519', 'SIGN_VERIFY'],
      ['ML_DSA_44', 'SIGN_VERIFY'],
      ['HMAC_256', 'GENERATE_VERIFY_MAC'],
    ] as [KeySpec, KeyUsageType][])('should refuse automatic and on-demand rotation of a %s %s key', async (spec, usage) => {
      const keyId = keyOf(spec, usage).KeyId!;

      for (const [operation, send] of [
        ['EnableKeyRotation', () => kms.send(new EnableKeyRotationCommand({ KeyId: keyId }))],
        ['RotateKeyOnDemand', () => kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }))],
      ] as const) {
        expect({ operation, ...(await awsError(send)) }).toMatchObject({ operation, name: 'UnsupportedOperationException', status: 400 });
      }
    });
  });
});
