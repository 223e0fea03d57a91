import { constants, createPublicKey, generateKeyPairSync, KeyObject, publicEncrypt } from 'node:crypto';
import fc from 'fast-check';
import { seededRandom } from '../random-source';
import { unwrapKeyMaterial, WRAPPING_ALGORITHMS, WrappingAlgorithm, wrapKeyMaterial } from './unwrap-key-material';
import { generateWrappingKey } from './wrapping-key';

const sut = unwrapKeyMaterial;
const rsaAesKeyWrap: WrappingAlgorithm[] = ['RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'];

describe(unwrapKeyMaterial.name, () => {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let otherKey: KeyObject;
  const material = seededRandom(7).bytes(32);

  beforeAll(async () => {
    [privateKey, otherKey] = await Promise.all([generateWrappingKey('RSA_2048'), generateWrappingKey('RSA_2048')]);
    publicKey = createPublicKey(privateKey);
  });

  it.each(WRAPPING_ALGORITHMS)('round-trips 32 bytes of material under %s', (algorithm) => {
    const encrypted = wrapKeyMaterial(publicKey, algorithm, material);

    expect(sut(privateKey, algorithm, encrypted)).toEqual(material);
  });

  it.each(rsaAesKeyWrap)('round-trips an RSA-4096 PKCS #8 sized material (2.4 KB, not a multiple of 8) under %s', (algorithm) => {
    const big = seededRandom(8).bytes(2374);
    const encrypted = wrapKeyMaterial(publicKey, algorithm, big);

    expect(encrypted).toHaveLength(256 + 2384);
    expect(sut(privateKey, algorithm, encrypted)).toEqual(big);
  });

  it.each<[WrappingAlgorithm, WrappingAlgorithm]>([
    ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'],
    ['RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1'],
    ['RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'],
    ['RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_256'],
    ['RSA_AES_KEY_WRAP_SHA_256', 'RSAES_OAEP_SHA_256'],
  ])('refuses material wrapped with %s when told %s', (wrappedWith, toldSut) => {
    expect(sut(privateKey, toldSut, wrapKeyMaterial(publicKey, wrappedWith, material))).toBeUndefined();
  });

  it.each(WRAPPING_ALGORITHMS)('refuses %s material under another private key', (algorithm) => {
    expect(sut(otherKey, algorithm, wrapKeyMaterial(publicKey, algorithm, material))).toBeUndefined();
  });

  it.each(WRAPPING_ALGORITHMS)('refuses %s material truncated or extended by any amount', (algorithm) => {
    const encrypted = wrapKeyMaterial(publicKey, algorithm, material);

    for (let n = 0; n < encrypted.length; n++) expect(sut(privateKey, algorithm, encrypted.subarray(0, n))).toBeUndefined();
    for (const extra of [1, 8, 256]) expect(sut(privateKey, algorithm, Buffer.concat([encrypted, Buffer.alloc(extra)]))).toBeUndefined();
  });

  it.each(rsaAesKeyWrap)('refuses %s material whose AES key wrap fails its integrity check', (algorithm) => {
    const encrypted = wrapKeyMaterial(publicKey, algorithm, material);

    for (let i = 256; i < encrypted.length; i++) {
      const tampered = Buffer.from(encrypted);
      tampered[i] ^= 0x01;
      expect(sut(privateKey, algorithm, tampered)).toBeUndefined();
    }
  });

  it('refuses an RSA_AES_KEY_WRAP ephemeral key that is not 32 bytes', () => {
    const wrappedAesKey = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.alloc(16, 1));

    expect(sut(privateKey, 'RSA_AES_KEY_WRAP_SHA_256', Buffer.concat([wrappedAesKey, Buffer.alloc(40)]))).toBeUndefined();
  });

  it('refuses empty material', () => {
    expect(sut(privateKey, 'RSAES_OAEP_SHA_256', wrapKeyMaterial(publicKey, 'RSAES_OAEP_SHA_256', Buffer.alloc(0)))).toBeUndefined();
  });

  it('refuses keys that cannot be a wrapping private key, and unknown algorithms', () => {
    const encrypted = wrapKeyMaterial(publicKey, 'RSAES_OAEP_SHA_256', material);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

    expect(sut(publicKey, 'RSAES_OAEP_SHA_256', encrypted)).toBeUndefined();
    expect(sut(ec, 'RSAES_OAEP_SHA_256', encrypted)).toBeUndefined();
    expect(sut(privateKey, 'RSAES_PKCS1_V1_5' as WrappingAlgorithm, encrypted)).toBeUndefined();
    expect(sut(privateKey, '__proto__' as WrappingAlgorithm, encrypted)).toBeUndefined();
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...WRAPPING_ALGORITHMS), fc.uint8Array({ maxLength: 600 }), (algorithm, bytes) => {
        expect(sut(privateKey, algorithm, Buffer.from(bytes))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
