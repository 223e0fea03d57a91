import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  KMSClient,
  KeyMetadata,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { awsError, TrentNode } from '../support/trent-node';
import { DEV_ACCOUNT, KEY_MATERIAL_ID, text, utf8 } from './e2e-helpers';

/**
 * Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext) and GenerateRandom against a real
 * node. [S] marks texts recorded from AWS (LocalStack snapshots). InvalidCiphertextException carries
 * no message at AWS, which the JS SDK reports as "UnknownError".
 */
describe('cryptographic operations (e2e)', () => {
  const REGION = 'eu-west-1';
  let node: TrentNode;
  let kms: KMSClient;
  let key: KeyMetadata;
  let other: KeyMetadata;

  const createKey = async (): Promise<KeyMetadata> => (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const encrypt = async (keyId: string, plaintext: string, context?: Record<string, string>): Promise<Uint8Array> =>
    (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8(plaintext), EncryptionContext: context }))).CiphertextBlob!;
  const invalidCiphertext = { name: 'InvalidCiphertextException', message: 'UnknownError', status: 400 };

  beforeAll(async () => {
    node = await TrentNode.start({ region: REGION });
    kms = node.client();
    key = await createKey();
    other = await createKey();
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/crypto-main', TargetKeyId: key.KeyId }));
  });

  afterAll(async () => {
    kms?.destroy();
    await node?.dispose();
  });

  describe('Encrypt and Decrypt', () => {
    it('should answer Encrypt with CiphertextBlob, the key ARN and the algorithm', async () => {
      const res = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: utf8('hello') }));

      expect(res.CiphertextBlob).toBeInstanceOf(Uint8Array);
      expect(res.CiphertextBlob!.length).toBeGreaterThan(5);
      expect(Buffer.from(res.CiphertextBlob!).includes(Buffer.from('hello'))).toBe(false);
      expect(res.KeyId).toBe(`arn:aws:kms:eu-west-1:${DEV_ACCOUNT}:key/${key.KeyId}`);
      expect(res.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
      expect(res).not.toHaveProperty('KeyMaterialId');
    });

    it('should decrypt without a KeyId, naming the key and its current key material', async () => {
      const blob = await encrypt(key.KeyId!, 'round trip');

      const res = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));

      expect(text(res.Plaintext)).toBe('round trip');
      expect(res.KeyId).toBe(key.Arn);
      expect(res.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
      expect(res.KeyMaterialId).toBe(key.CurrentKeyMaterialId);
      expect(res.KeyMaterialId).toMatch(KEY_MATERIAL_ID);
    });

    it('should produce a different ciphertext each time for the same plaintext', async () => {
      const a = await encrypt(key.KeyId!, 'same');
      const b = await encrypt(key.KeyId!, 'same');

      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    });

    it.each([
      ['key ARN', () => key.Arn!],
      ['alias name', () => 'alias/crypto-main'],
      ['alias ARN', () => `arn:aws:kms:eu-west-1:${DEV_ACCOUNT}:alias/crypto-main`],
    ])('should encrypt and decrypt naming the key by its %s', async (_what, ref) => {
      const blob = await encrypt(ref(), `via ${ref()}`);

      const res = await kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: ref() }));

      expect(text(res.Plaintext)).toBe(`via ${ref()}`);
      expect(res.KeyId).toBe(key.Arn);
    });

    it('should take 4096 bytes of plaintext and refuse 4097 with the AWS text [S]', async () => {
      const max = Buffer.alloc(4096, 7);
      const blob = (await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: max }))).CiphertextBlob!;
      expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).equals(max)).toBe(true);

      const err = await awsError(() => kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.alloc(4097, 7) })));

      expect(err).toEqual({
        name: 'ValidationException',
        message: "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
        status: 400,
      });
    });

    it('should refuse an Encrypt without Plaintext as the model requires it', async () => {
      const err = await awsError(() => kms.send(new EncryptCommand({ KeyId: key.KeyId } as never)));

      expect(err).toEqual({
        name: 'ValidationException',
        message: "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must not be null",
        status: 400,
      });
    });

    it('should answer IncorrectKeyException when the KeyId is not the key that encrypted [S]', async () => {
      const blob = await encrypt(key.KeyId!, 'mine');

      const err = await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: other.KeyId })));

      expect(err).toEqual({
        name: 'IncorrectKeyException',
        message: 'The key ID in the request does not identify a CMK that can perform this operation.',
        status: 400,
      });
    });

    it('should answer NotFoundException for a KeyId that names no key', async () => {
      const blob = await encrypt(key.KeyId!, 'mine');

      expect((await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: 'alias/crypto-nobody' })))).name).toBe('NotFoundException');
      expect((await awsError(() => kms.send(new EncryptCommand({ KeyId: 'alias/crypto-nobody', Plaintext: utf8('x') })))).name).toBe('NotFoundException');
      expect(await awsError(() => kms.send(new EncryptCommand({ KeyId: 'not-a-key', Plaintext: utf8('x') })))).toEqual({
        name: 'NotFoundException',
        message: "Invalid keyId 'not-a-key'",
        status: 400,
      });
    });

    it('should answer NotFoundException for a key ARN of another Region [S]', async () => {
      const foreign = `arn:aws:kms:us-west-2:${DEV_ACCOUNT}:key/${key.KeyId}`;

      const err = await awsError(() => kms.send(new EncryptCommand({ KeyId: foreign, Plaintext: utf8('x') })));

      expect(err).toEqual({ name: 'NotFoundException', message: 'Invalid arn us-west-2', status: 400 });
    });

    describe('tampered ciphertext', () => {
      let blob: Buffer;

      beforeAll(async () => {
        blob = Buffer.from(await encrypt(key.KeyId!, 'integrity matters'));
      });

      it.each([
        ['the last byte flipped', (b: Buffer) => Buffer.concat([b.subarray(0, -1), Buffer.from([b[b.length - 1] ^ 1])])],
        ['a middle byte flipped', (b: Buffer) => { const c = Buffer.from(b); c[Math.floor(c.length * 0.8)] ^= 0x80; return c; }],
        ['truncated', (b: Buffer) => b.subarray(0, b.length - 5)],
        ['cut to its header', (b: Buffer) => b.subarray(0, 45)],
        ['an unknown key material version', (b: Buffer) => { const c = Buffer.from(b); c.writeUInt32BE(9, 39); return c; }],
        ['arbitrary bytes', () => Buffer.from('this is not a ciphertext blob at all')],
      ])('should answer InvalidCiphertextException for a blob with %s', async (_what, tamper) => {
        const err = await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: tamper(blob) })));

        expect(err).toEqual(invalidCiphertext);
      });

      it('should still decrypt the untouched blob', async () => {
        expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).toBe('integrity matters');
      });
    });
  });

  describe('encryption context', () => {
    const context = { purpose: 'billing', tenant: 'Acme' };
    let blob: Uint8Array;

    beforeAll(async () => {
      blob = await encrypt(key.KeyId!, 'bound to a context', context);
    });

    it('should decrypt with the same pairs given in another order', async () => {
      const res = await kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { tenant: 'Acme', purpose: 'billing' } }));

      expect(text(res.Plaintext)).toBe('bound to a context');
    });

    it.each([
      ['missing', undefined],
      ['with a key in another case', { Purpose: 'billing', tenant: 'Acme' }],
      ['with a value in another case', { purpose: 'billing', tenant: 'acme' }],
      ['with a pair left out', { purpose: 'billing' }],
      ['with an extra pair', { ...context, extra: 'x' }],
      ['with another value', { purpose: 'billing', tenant: 'Other' }],
    ])('should answer InvalidCiphertextException with the context %s', async (_what, ctx) => {
      const err = await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: ctx })));

      expect(err).toEqual(invalidCiphertext);
    });

    it('should refuse a context at decryption when none was given at encryption', async () => {
      const plain = await encrypt(key.KeyId!, 'no context');

      const err = await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: plain, EncryptionContext: { a: 'b' } })));

      expect(err).toEqual(invalidCiphertext);
    });
  });

  describe('ReEncrypt', () => {
    it('should move a ciphertext to another key and context, and report both keys', async () => {
      const blob = await encrypt(key.KeyId!, 'moving house', { from: 'old' });

      const res = await kms.send(
        new ReEncryptCommand({
          CiphertextBlob: blob,
          SourceEncryptionContext: { from: 'old' },
          DestinationKeyId: other.KeyId,
          DestinationEncryptionContext: { to: 'new' },
        }),
      );

      expect(res).toMatchObject({
        SourceKeyId: key.Arn,
        KeyId: other.Arn,
        SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        SourceKeyMaterialId: key.CurrentKeyMaterialId,
        DestinationKeyMaterialId: other.CurrentKeyMaterialId,
      });
      const back = await kms.send(new DecryptCommand({ CiphertextBlob: res.CiphertextBlob, EncryptionContext: { to: 'new' } }));
      expect(text(back.Plaintext)).toBe('moving house');
      expect(back.KeyId).toBe(other.Arn);
      expect(await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: res.CiphertextBlob, EncryptionContext: { from: 'old' } })))).toEqual(invalidCiphertext);
      expect((await awsError(() => kms.send(new DecryptCommand({ CiphertextBlob: res.CiphertextBlob, KeyId: key.KeyId, EncryptionContext: { to: 'new' } })))).name).toBe(
        'IncorrectKeyException',
      );
    });

    it('should refuse a wrong source context, and a SourceKeyId that did not encrypt', async () => {
      const blob = await encrypt(key.KeyId!, 'x', { a: '1' });

      expect(await awsError(() => kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: other.KeyId })))).toEqual(invalidCiphertext);
      expect(
        (await awsError(() => kms.send(new ReEncryptCommand({ CiphertextBlob: blob, SourceKeyId: other.KeyId, SourceEncryptionContext: { a: '1' }, DestinationKeyId: other.KeyId })))).name,
      ).toBe('IncorrectKeyException');
    });
  });

  describe('GenerateDataKey and GenerateDataKeyWithoutPlaintext', () => {
    it.each([
      [{ KeySpec: 'AES_256' as const }, 32],
      [{ KeySpec: 'AES_128' as const }, 16],
      [{ NumberOfBytes: 1 }, 1],
      [{ NumberOfBytes: 1024 }, 1024],
    ])('should return a data key for %j of %i bytes, whose encrypted copy decrypts to it', async (spec, length) => {
      const res = await kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/crypto-main', EncryptionContext: { use: 'dek' }, ...spec }));

      expect(res.Plaintext).toHaveLength(length);
      expect(res.KeyId).toBe(key.Arn);
      expect(res.KeyMaterialId).toBe(key.CurrentKeyMaterialId);
      const back = await kms.send(new DecryptCommand({ CiphertextBlob: res.CiphertextBlob, EncryptionContext: { use: 'dek' } }));
      expect(Buffer.from(back.Plaintext!).equals(Buffer.from(res.Plaintext!))).toBe(true);
    });

    it('should return only the encrypted copy from GenerateDataKeyWithoutPlaintext', async () => {
      const res = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' }));

      expect(res).not.toHaveProperty('Plaintext');
      expect(res.KeyId).toBe(key.Arn);
      expect(res.KeyMaterialId).toBe(key.CurrentKeyMaterialId);
      expect((await kms.send(new DecryptCommand({ CiphertextBlob: res.CiphertextBlob }))).Plaintext).toHaveLength(32);
    });

    it('should give a new data key each time', async () => {
      const a = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' }));
      const b = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' }));

      expect(Buffer.from(a.Plaintext!).equals(Buffer.from(b.Plaintext!))).toBe(false);
    });

    it.each([
      ['both KeySpec and NumberOfBytes', { KeySpec: 'AES_256' as const, NumberOfBytes: 32 }],
      ['neither KeySpec nor NumberOfBytes', {}],
    ])('should refuse %s with ValidationException', async (_what, spec) => {
      for (const send of [
        () => kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, ...spec })),
        () => kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key.KeyId, ...spec })),
      ]) {
        expect(await awsError(send)).toMatchObject({ name: 'ValidationException', status: 400 });
      }
    });

    it.each([0, 1025])('should refuse NumberOfBytes %i with ValidationException', async (n) => {
      const err = await awsError(() => kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, NumberOfBytes: n })));

      expect(err.name).toBe('ValidationException');
      expect(err.message).toContain(`Value '${n}' at 'numberOfBytes' failed to satisfy constraint`);
    });

    it('should refuse a KeySpec outside AES_128/AES_256', async () => {
      const err = await awsError(() => kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES-256' as never })));

      expect(err.name).toBe('ValidationException');
      expect(err.message).toContain("Value 'AES-256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set");
    });
  });

  describe('GenerateRandom', () => {
    it.each([1, 32, 1024])('should return %i random bytes', async (n) => {
      const a = await kms.send(new GenerateRandomCommand({ NumberOfBytes: n }));

      expect(a.Plaintext).toBeInstanceOf(Uint8Array);
      expect(a.Plaintext).toHaveLength(n);
      expect(a).not.toHaveProperty('CiphertextForRecipient');
    });

    it('should not repeat itself', async () => {
      const a = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
      const b = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));

      expect(Buffer.from(a.Plaintext!).equals(Buffer.from(b.Plaintext!))).toBe(false);
    });

    it.each([
      [0, "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"],
      [1025, "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"],
      [undefined, 'NumberOfBytes is required.'],
    ])('should refuse NumberOfBytes %s with the AWS text [S]', async (n, message) => {
      const err = await awsError(() => kms.send(new GenerateRandomCommand(n === undefined ? {} : { NumberOfBytes: n })));

      expect(err).toEqual({ name: 'ValidationException', message, status: 400 });
    });
  });

  describe('key states', () => {
    let disabled: KeyMetadata;
    let pending: KeyMetadata;
    let blobOfDisabled: Uint8Array;
    let blobOfPending: Uint8Array;

    beforeAll(async () => {
      disabled = await createKey();
      pending = await createKey();
      blobOfDisabled = await encrypt(disabled.KeyId!, 'before disabling');
      blobOfPending = await encrypt(pending.KeyId!, 'before scheduling');
      await kms.send(new DisableKeyCommand({ KeyId: disabled.KeyId }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending.KeyId, PendingWindowInDays: 7 }));
    });

    const cryptoCalls = (keyId: string, blob: () => Uint8Array) => ({
      Encrypt: () => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8('x') })),
      Decrypt: () => kms.send(new DecryptCommand({ CiphertextBlob: blob() })),
      DecryptWithKeyId: () => kms.send(new DecryptCommand({ CiphertextBlob: blob(), KeyId: keyId })),
      GenerateDataKey: () => kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' })),
      GenerateDataKeyWithoutPlaintext: () => kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, NumberOfBytes: 16 })),
      ReEncryptFrom: () => kms.send(new ReEncryptCommand({ CiphertextBlob: blob(), DestinationKeyId: key.KeyId })),
    });

    it('should refuse every cryptographic use of a disabled key with DisabledException [D]', async () => {
      const calls = cryptoCalls(disabled.KeyId!, () => blobOfDisabled);
      for (const [operation, send] of Object.entries(calls)) {
        expect({ operation, ...(await awsError(send)) }).toEqual({ operation, name: 'DisabledException', message: `${disabled.Arn} is disabled.`, status: 400 });
      }
    });

    it('should refuse a disabled ReEncrypt destination with DisabledException', async () => {
      const blob = await encrypt(key.KeyId!, 'x');

      const err = await awsError(() => kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: disabled.KeyId })));

      expect(err).toEqual({ name: 'DisabledException', message: `${disabled.Arn} is disabled.`, status: 400 });
    });

    it('should refuse every cryptographic use of a key pending deletion with KMSInvalidStateException [D]', async () => {
      const calls = {
        ...cryptoCalls(pending.KeyId!, () => blobOfPending),
        ReEncryptTo: async () => kms.send(new ReEncryptCommand({ CiphertextBlob: await encrypt(key.KeyId!, 'x'), DestinationKeyId: pending.KeyId })),
      };
      for (const [operation, send] of Object.entries(calls)) {
        expect({ operation, ...(await awsError(send)) }).toEqual({
          operation,
          name: 'KMSInvalidStateException',
          message: `${pending.Arn} is pending deletion.`,
          status: 400,
        });
      }
    });
  });
});
