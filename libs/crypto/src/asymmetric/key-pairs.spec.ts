import { ml_dsa44, ml_dsa65 } from '@noble/post-quantum/ml-dsa';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { seededRandom } from '../random-source';
import { encodePkcs8, encodeSequence, encodeTlv, TAG } from './der';
import { checkImportedMaterial, generateDataKeyPair, generateKeyMaterial, publicKeyFromMaterial } from './key-pairs';
import { KeySpec } from './key-specs';
import { ML_DSA_PARAMS, mlDsaExpandedPkcs8, mlDsaSeedPkcs8, mlDsaSpki } from './ml-dsa-keys';

const pkcs8 = (key: ReturnType<typeof generateKeyPairSync>['privateKey']): Buffer => key.export({ format: 'der', type: 'pkcs8' });

describe(generateKeyMaterial.name, () => {
  const sut = generateKeyMaterial;

  it.each([
    ['RSA_2048', 'rsa', { modulusLength: 2048, publicExponent: 65537n }],
    ['ECC_NIST_P256', 'ec', { namedCurve: 'prime256v1' }],
    ['ECC_NIST_P384', 'ec', { namedCurve: 'secp384r1' }],
    ['ECC_NIST_P521', 'ec', { namedCurve: 'secp521r1' }],
    ['ECC_SECG_P256K1', 'ec', { namedCurve: 'secp256k1' }],
    ['ECC_NIST_EDWARDS25519', 'ed25519', {}],
  ] as const)('%s: PKCS#8 DER OpenSSL reads as %s, and its SPKI', async (spec, type, details) => {
    const { material, publicKey } = await sut(spec, seededRandom(1));

    const key = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    expect(key.asymmetricKeyType).toBe(type);
    expect(key.asymmetricKeyDetails).toEqual(details);
    expect(createPublicKey(key).export({ format: 'der', type: 'spki' })).toEqual(publicKey);
  });

  it('RSA_4096 without blocking the event loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);

    const { material } = await sut('RSA_4096', seededRandom(1));

    clearInterval(timer);
    expect(createPrivateKey({ key: material, format: 'der', type: 'pkcs8' }).asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(ticks).toBeGreaterThan(0);
  });

  it.each([
    ['ML_DSA_44', ml_dsa44],
    ['ML_DSA_65', ml_dsa65],
  ] as const)('%s: seed-form PKCS#8 from 32 bytes of rng, public key as noble derives it', async (spec, noble) => {
    const seed = seededRandom(7).bytes(32);

    const { material, publicKey } = await sut(spec, seededRandom(7));

    expect(material).toEqual(mlDsaSeedPkcs8(spec, seed));
    expect(publicKey).toEqual(mlDsaSpki(spec, noble.keygen(seed).publicKey));
  });

  it.each([
    ['SYMMETRIC_DEFAULT', 32],
    ['HMAC_224', 28],
    ['HMAC_256', 32],
    ['HMAC_384', 48],
    ['HMAC_512', 64],
  ] as const)('%s: %i bytes from rng, no public key', async (spec, length) => {
    expect(await sut(spec, seededRandom(3))).toEqual({ material: seededRandom(3).bytes(length) });
  });

  it('refuses an unknown spec', async () => {
    await expect(sut('SM2' as KeySpec, seededRandom(1))).rejects.toThrow(RangeError);
  });
});

describe(publicKeyFromMaterial.name, () => {
  const sut = publicKeyFromMaterial;

  it.each(['RSA_2048', 'ECC_NIST_P384', 'ECC_NIST_EDWARDS25519', 'ML_DSA_87'] as const)('%s: the SPKI generation returned', async (spec) => {
    const { material, publicKey } = await generateKeyMaterial(spec, seededRandom(4));

    expect(sut(spec, material)).toEqual(publicKey);
  });

  it('refuses material of another spec, and symmetric specs', async () => {
    const { material } = await generateKeyMaterial('ECC_NIST_P256', seededRandom(4));

    expect(() => sut('ECC_NIST_P384', material)).toThrow(RangeError);
    expect(() => sut('HMAC_256', Buffer.alloc(32))).toThrow(RangeError);
  });
});

describe(generateDataKeyPair.name, () => {
  it.each(['RSA_2048', 'ECC_NIST_P256', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519'] as const)('%s: PKCS#8 DER and its SPKI DER', async (spec) => {
    const { privateKey, publicKey } = await generateDataKeyPair(spec);

    expect(createPublicKey(createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' })).toEqual(publicKey);
    expect(checkImportedMaterial(spec, privateKey)).toEqual({ ok: true, material: privateKey, publicKey });
  });
});

describe(checkImportedMaterial.name, () => {
  const sut = checkImportedMaterial;
  const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const seed = Buffer.alloc(32, 0x11);

  it('takes an OpenSSL PKCS#8 key of the spec and returns it with its SPKI', () => {
    expect(sut('RSA_2048', pkcs8(rsa2048.privateKey))).toEqual({
      ok: true,
      material: pkcs8(rsa2048.privateKey),
      publicKey: rsa2048.publicKey.export({ format: 'der', type: 'spki' }),
    });
    expect(sut('ECC_NIST_P256', pkcs8(p256.privateKey)).ok).toBe(true);
  });

  it('takes symmetric and HMAC material at the limits, as a copy', () => {
    const bytes = Buffer.alloc(32, 1);
    const result = sut('SYMMETRIC_DEFAULT', bytes);

    expect(result).toEqual({ ok: true, material: bytes });
    expect((result as { material: Buffer }).material).not.toBe(bytes);
    expect(sut('HMAC_224', Buffer.alloc(28)).ok).toBe(true);
    expect(sut('HMAC_224', Buffer.alloc(64)).ok).toBe(true);
    expect(sut('HMAC_512', Buffer.alloc(128)).ok).toBe(true);
  });

  it.each([
    ['RSA_2048', 'a 3072-bit RSA key', () => pkcs8(generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey), /2048-bit.*3072-bit/],
    ['RSA_2048', 'an RSA-PSS-only key', () => pkcs8(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey), /RSA-PSS-only/],
    ['ECC_NIST_P384', 'a P-256 key', () => pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), /secp384r1.*prime256v1/],
    ['ECC_NIST_P256', 'a secp256k1 key', () => pkcs8(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey), /prime256v1.*secp256k1/],
    ['ECC_NIST_P256', 'an Ed25519 key', () => pkcs8(generateKeyPairSync('ed25519').privateKey), /ed25519/],
    ['ECC_NIST_EDWARDS25519', 'an EC key', () => pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), /Ed25519.*elliptic curve/],
    ['RSA_2048', 'garbage', () => Buffer.from('-----BEGIN PRIVATE KEY-----'), /not a DER-encoded PKCS#8/],
    ['RSA_2048', 'an SPKI public key', () => rsa2048.publicKey.export({ format: 'der', type: 'spki' }), /not a DER-encoded PKCS#8/],
    ['RSA_2048', 'a key with trailing bytes', () => Buffer.concat([pkcs8(rsa2048.privateKey), Buffer.alloc(1)]), /not a DER-encoded PKCS#8/],
    ['ECC_NIST_P256', 'an ML-DSA key', () => mlDsaSeedPkcs8('ML_DSA_44', seed), /ML_DSA_44/],
    ['HMAC_256', 'a 31-byte key', () => Buffer.alloc(31), /32 to 64 bytes.*31/],
    ['HMAC_256', 'a 65-byte key', () => Buffer.alloc(65), /32 to 64 bytes.*65/],
    ['HMAC_384', 'a 47-byte key', () => Buffer.alloc(47), /48 to 128/],
    ['HMAC_512', 'a 129-byte key', () => Buffer.alloc(129), /64 to 128/],
    ['SYMMETRIC_DEFAULT', '31 bytes', () => Buffer.alloc(31), /exactly 32 bytes.*31/],
    ['SYMMETRIC_DEFAULT', '33 bytes', () => Buffer.alloc(33), /exactly 32 bytes.*33/],
    ['ML_DSA_65', 'an ML-DSA-44 key', () => mlDsaSeedPkcs8('ML_DSA_44', seed), /ML_DSA_65 cannot take ML_DSA_44/],
    ['ML_DSA_44', 'an RSA key', () => pkcs8(rsa2048.privateKey), /ML-DSA.*RSA key/],
    ['ML_DSA_44', 'garbage', () => Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]), /not a DER-encoded ML-DSA/],
    ['SM2' as KeySpec, 'anything', () => Buffer.alloc(32), /SM2/],
  ] as const)('%s refuses %s with a sentence saying why', (spec, _, bytes, reason) => {
    const result = sut(spec, bytes());

    expect(result.ok).toBe(false);
    expect((result as { reason: string }).reason).toMatch(reason);
  });

  describe('ML-DSA', () => {
    const { publicKey, secretKey } = ml_dsa65.keygen(seed);
    const oid = ML_DSA_PARAMS.ML_DSA_65.oid;
    const both = (s: Uint8Array, expanded: Uint8Array): Buffer => encodePkcs8(oid, encodeSequence(encodeTlv(TAG.OCTET_STRING, s), encodeTlv(TAG.OCTET_STRING, expanded)));

    it('takes the seed form as is', () => {
      expect(sut('ML_DSA_65', mlDsaSeedPkcs8('ML_DSA_65', seed))).toEqual({ ok: true, material: mlDsaSeedPkcs8('ML_DSA_65', seed), publicKey: mlDsaSpki('ML_DSA_65', publicKey) });
    });

    it('stores the both form as its seed, once the expanded key is checked against it', () => {
      expect(sut('ML_DSA_65', both(seed, secretKey))).toEqual({ ok: true, material: mlDsaSeedPkcs8('ML_DSA_65', seed), publicKey: mlDsaSpki('ML_DSA_65', publicKey) });
      const result = sut('ML_DSA_65', both(Buffer.alloc(32, 0x12), secretKey));
      expect(result.ok).toBe(false);
      expect((result as { reason: string }).reason).toMatch(/does not match its seed/);
    });

    it('stores the expandedKey form as given, with the public key derived from it', () => {
      expect(sut('ML_DSA_65', mlDsaExpandedPkcs8('ML_DSA_65', secretKey))).toEqual({
        ok: true,
        material: mlDsaExpandedPkcs8('ML_DSA_65', secretKey),
        publicKey: mlDsaSpki('ML_DSA_65', publicKey),
      });
    });

    it('refuses an expandedKey whose parts do not belong together', () => {
      const damaged = Uint8Array.from(secretKey);
      damaged[3000] ^= 4;

      expect(sut('ML_DSA_65', mlDsaExpandedPkcs8('ML_DSA_65', damaged))).toMatchObject({ ok: false, reason: expect.stringMatching(/damaged/) });
    });
  });
});
