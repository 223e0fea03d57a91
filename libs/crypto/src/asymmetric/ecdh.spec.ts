import { createECDH, generateKeyPairSync } from 'node:crypto';
import { seededRandom } from '../random-source';
import { encodeOid, encodeSequence, encodeTlv, TAG } from './der';
import { deriveSharedSecret } from './ecdh';
import { generateKeyMaterial } from './key-pairs';
import { KeySpec } from './key-specs';

const spki = (key: ReturnType<typeof generateKeyPairSync>['publicKey']): Buffer => key.export({ format: 'der', type: 'spki' });

/** An SPKI for `point` on `curveOid` that OpenSSL did not write, so the point may be anything. */
const handMadeSpki = (curveOid: string, point: Buffer): Buffer =>
  encodeSequence(encodeSequence(encodeOid('1.2.840.10045.2.1'), encodeOid(curveOid)), encodeTlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), point])));

describe(deriveSharedSecret.name, () => {
  const sut = deriveSharedSecret;

  it.each([
    ['ECC_NIST_P256', 'P-256', 32],
    ['ECC_NIST_P384', 'P-384', 48],
    ['ECC_NIST_P521', 'P-521', 66],
  ] as const)('%s: both sides derive the same field-size secret', async (spec, curve, length) => {
    const mine = await generateKeyMaterial(spec as KeySpec, seededRandom(1));
    const peer = generateKeyPairSync('ec', { namedCurve: curve });

    const result = sut(spec, mine.material, spki(peer.publicKey));

    expect(result.ok).toBe(true);
    const secret = (result as { secret: Buffer }).secret;
    expect(secret).toHaveLength(length);
    const theirs = await generateKeyMaterial(spec as KeySpec, seededRandom(2));
    expect(sut(spec, mine.material, theirs.publicKey!)).toEqual(sut(spec, theirs.material, mine.publicKey!));
  });

  it('accepts a compressed peer point', async () => {
    const mine = await generateKeyMaterial('ECC_NIST_P256', seededRandom(1));
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const compressed = handMadeSpki('1.2.840.10045.3.1.7', ecdh.getPublicKey(undefined, 'compressed'));
    const uncompressed = handMadeSpki('1.2.840.10045.3.1.7', ecdh.getPublicKey());

    expect(sut('ECC_NIST_P256', mine.material, compressed)).toEqual(sut('ECC_NIST_P256', mine.material, uncompressed));
    expect(sut('ECC_NIST_P256', mine.material, compressed).ok).toBe(true);
  });

  it.each([
    ['garbage', () => Buffer.from('not a key'), 'malformed'],
    ['an empty buffer', () => Buffer.alloc(0), 'malformed'],
    ['a P-384 key', () => spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey), 'wrong-curve'],
    ['a secp256k1 key', () => spki(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey), 'wrong-curve'],
    ['an Ed25519 key', () => spki(generateKeyPairSync('ed25519').publicKey), 'wrong-curve'],
    ['an X25519 key', () => spki(generateKeyPairSync('x25519').publicKey), 'wrong-curve'],
    ['an RSA key', () => spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), 'wrong-curve'],
    ['a point off the curve', () => handMadeSpki('1.2.840.10045.3.1.7', Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)])), 'invalid-point'],
    ['the point at infinity', () => handMadeSpki('1.2.840.10045.3.1.7', Buffer.from([0])), 'invalid-point'],
    ['a truncated point', () => handMadeSpki('1.2.840.10045.3.1.7', Buffer.from([4, 1, 2])), 'invalid-point'],
  ] as const)('refuses %s as %s', async (_, peer, reason) => {
    const mine = await generateKeyMaterial('ECC_NIST_P256', seededRandom(1));

    expect(sut('ECC_NIST_P256', mine.material, peer())).toEqual({ ok: false, reason });
  });

  it('refuses a spec that cannot agree keys', async () => {
    const k1 = await generateKeyMaterial('ECC_SECG_P256K1', seededRandom(1));

    expect(() => sut('ECC_SECG_P256K1', k1.material, k1.publicKey!)).toThrow(RangeError);
  });
});
