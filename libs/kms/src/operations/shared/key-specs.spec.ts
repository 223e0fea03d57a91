import { randomBytes } from 'node:crypto';
import { importMaterial, kmsError, LocalRegion } from '../../testing/local-region';

const REGION = 'us-east-1';
const DAY_MS = 86_400_000;

const importInto = (sut: LocalRegion, keyId: string, material: Buffer, extra: Record<string, unknown> = {}) => importMaterial(sut, keyId, material, extra);

/** Rules of the key-spec and import operations that the e2e suites do not reach easily. */
describe('key specs and imported material (one Region in memory)', () => {
  it('should answer IncorrectKeyException when a symmetric ciphertext names an asymmetric or HMAC key', async () => {
    const sut = new LocalRegion(REGION, [REGION]);
    const symmetric = (await sut.call('CreateKey', {})).KeyMetadata.KeyId;
    const { CiphertextBlob } = await sut.call('Encrypt', { KeyId: symmetric, Plaintext: Buffer.from('x') });
    for (const input of [
      { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
      { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' },
    ]) {
      const other = (await sut.call('CreateKey', input)).KeyMetadata.KeyId;
      expect((await kmsError(sut.call('Decrypt', { CiphertextBlob, KeyId: other }))).code).toBe('IncorrectKeyException');
    }
  });

  it('should refuse GetKeyRotationStatus on an imported key, as on AWS, but list its materials', async () => {
    const sut = new LocalRegion(REGION, [REGION]);
    const keyId = (await sut.call('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    await importInto(sut, keyId, randomBytes(32));
    expect((await kmsError(sut.call('GetKeyRotationStatus', { KeyId: keyId }))).code).toBe('UnsupportedOperationException');
    const { Rotations } = await sut.call('ListKeyRotations', { KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' });
    expect(Rotations).toEqual([expect.objectContaining({ KeyMaterialState: 'CURRENT', ImportState: 'IMPORTED', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' })]);
  });

  it('should refuse ImportType EXISTING_KEY_MATERIAL for a key that never had material', async () => {
    const sut = new LocalRegion(REGION, [REGION]);
    const keyId = (await sut.call('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    expect((await kmsError(importInto(sut, keyId, randomBytes(32), { ImportType: 'EXISTING_KEY_MATERIAL' }))).code).toBe('ValidationException');
    expect((await sut.call('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('PendingImport');
  });

  it('should expire imported material when cluster time passes ValidTo, and take the same material back', async () => {
    let now = Date.UTC(2026, 10, 23);
    const sut = new LocalRegion(REGION, [REGION], () => now);
    const keyId = (await sut.call('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    const material = randomBytes(32);
    await importInto(sut, keyId, material, { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: (now + 2 * DAY_MS) / 1000 });
    const { CiphertextBlob } = await sut.call('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('kept') });
    expect((await sut.call('DescribeKey', { KeyId: keyId })).KeyMetadata).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: (now + 2 * DAY_MS) / 1000 });

    now += DAY_MS;
    expect(sut.runDueWork()).toBe(0);
    now += 2 * DAY_MS;
    expect(sut.runDueWork()).toBe(1);
    await new Promise((r) => setImmediate(r));
    const expired = (await sut.call('DescribeKey', { KeyId: keyId })).KeyMetadata;
    expect(expired.KeyState).toBe('PendingImport');
    expect(expired.ExpirationModel).toBeUndefined();
    expect(expired.ValidTo).toBeUndefined();
    expect((await kmsError(sut.call('Decrypt', { CiphertextBlob }))).message).toMatch(/is pending import\.$/);

    expect((await kmsError(importInto(sut, keyId, randomBytes(32)))).code).toBe('IncorrectKeyMaterialException');
    await importInto(sut, keyId, material);
    expect(Buffer.from((await sut.call('Decrypt', { CiphertextBlob })).Plaintext).toString()).toBe('kept');
  });

  it('should make a key whose non-current material expired PendingImport, showing no ExpirationModel', async () => {
    let now = Date.UTC(2026, 10, 23);
    const sut = new LocalRegion(REGION, [REGION], () => now);
    const keyId = (await sut.call('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    await importInto(sut, keyId, randomBytes(32), { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: (now + DAY_MS) / 1000 });
    await importInto(sut, keyId, randomBytes(32), { ImportType: 'NEW_KEY_MATERIAL' });
    await sut.call('RotateKeyOnDemand', { KeyId: keyId });
    expect((await sut.call('DescribeKey', { KeyId: keyId })).KeyMetadata).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });

    now += 2 * DAY_MS;
    sut.runDueWork();
    await new Promise((r) => setImmediate(r));
    const described = (await sut.call('DescribeKey', { KeyId: keyId })).KeyMetadata;
    expect(described.KeyState).toBe('PendingImport');
    expect(described.ExpirationModel).toBeUndefined();
  });
});
