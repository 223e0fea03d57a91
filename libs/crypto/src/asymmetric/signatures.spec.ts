import { shake256 } from '@noble/hashes/sha3';
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { seededRandom } from '../random-source';
import { generateKeyMaterial, GeneratedKey } from './key-pairs';
import { KeySpec, MessageType, messageTypesFor, signingAlgorithms, signingDigestLength, signingHash } from './key-specs';
import { sign, verify } from './signatures';

const SIGNING_SPECS: KeySpec[] = [
  'RSA_2048',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
];

/** Every (spec, algorithm, message type) Sign accepts. */
const CASES = SIGNING_SPECS.flatMap((spec) =>
  signingAlgorithms(spec).flatMap((algorithm) => messageTypesFor(algorithm).map((messageType) => [spec, algorithm, messageType] as const)),
);

/** A message of the right shape for the message type: DIGEST is the algorithm's hash of `raw`. */
function messageFor(algorithm: string, messageType: MessageType, raw: Buffer): Buffer {
  if (messageType === 'DIGEST') return createHash(signingHash(algorithm)).update(raw).digest();
  if (messageType === 'EXTERNAL_MU') return createHash('sha512').update(raw).digest();
  return raw;
}

const keys = new Map<KeySpec, GeneratedKey>();
const otherKeys = new Map<KeySpec, GeneratedKey>();
const rng = seededRandom(2024);

beforeAll(async () => {
  for (const spec of SIGNING_SPECS) {
    keys.set(spec, await generateKeyMaterial(spec, rng));
    otherKeys.set(spec, await generateKeyMaterial(spec, rng));
  }
});

describe(sign.name, () => {
  const sut = sign;

  it.each(CASES)('%s %s %s: verifies, and not for another message, a changed signature or another key', (spec, algorithm, messageType) => {
    const { material, publicKey } = keys.get(spec)!;
    const message = messageFor(algorithm, messageType, randomBytes(100));

    const before = Buffer.from(message);

    const signature = sut(spec, material, algorithm, messageType, message, rng);

    expect(message).toEqual(before);
    expect(verify(spec, publicKey!, algorithm, messageType, message, signature)).toBe(true);
    const otherMessage = Buffer.from(message);
    otherMessage[0] ^= 1;
    expect(verify(spec, publicKey!, algorithm, messageType, otherMessage, signature)).toBe(false);
    for (const at of [0, signature.length >> 1, signature.length - 1]) {
      const tampered = Buffer.from(signature);
      tampered[at] ^= 0x10;
      expect(verify(spec, publicKey!, algorithm, messageType, message, tampered)).toBe(false);
    }
    expect(verify(spec, otherKeys.get(spec)!.publicKey!, algorithm, messageType, message, signature)).toBe(false);
  });

  it('signs RSA PKCS#1 v1.5 deterministically and the rest randomised', () => {
    const once = (spec: KeySpec, algorithm: string, type: MessageType, m: Buffer): Buffer => sut(spec, keys.get(spec)!.material, algorithm, type, m, rng);
    const m = Buffer.from('same message');

    expect(once('RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256', 'RAW', m)).toEqual(once('RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256', 'RAW', m));
    expect(once('RSA_2048', 'RSASSA_PSS_SHA_256', 'RAW', m)).not.toEqual(once('RSA_2048', 'RSASSA_PSS_SHA_256', 'RAW', m));
    const digest = createHash('sha256').update(m).digest();
    expect(once('RSA_2048', 'RSASSA_PSS_SHA_256', 'DIGEST', digest)).not.toEqual(once('RSA_2048', 'RSASSA_PSS_SHA_256', 'DIGEST', digest));
    expect(once('ECC_NIST_P256', 'ECDSA_SHA_256', 'DIGEST', digest)).not.toEqual(once('ECC_NIST_P256', 'ECDSA_SHA_256', 'DIGEST', digest));
    expect(once('ML_DSA_44', 'ML_DSA_SHAKE_256', 'RAW', m)).not.toEqual(once('ML_DSA_44', 'ML_DSA_SHAKE_256', 'RAW', m));
  });

  it('signs ML-DSA EXTERNAL_MU so the signature verifies as the RAW message μ was computed from', () => {
    const spec = 'ML_DSA_65';
    const { material, publicKey } = keys.get(spec)!;
    const raw = Buffer.from('a message too large to send, in spirit');
    const spkiKey = publicKey!.subarray(publicKey!.length - 1952);
    const tr = shake256(spkiKey, { dkLen: 64 });
    const mu = Buffer.from(shake256(Buffer.concat([tr, Buffer.from([0, 0]), raw]), { dkLen: 64 })); // FIPS 204 Algorithm 7, line 6

    const signature = sut(spec, material, 'ML_DSA_SHAKE_256', 'EXTERNAL_MU', mu, rng);

    expect(verify(spec, publicKey!, 'ML_DSA_SHAKE_256', 'RAW', raw, signature)).toBe(true);
  });

  it.each([
    ['an algorithm of another spec', 'ECC_NIST_P256', 'ECDSA_SHA_384', 'RAW', 10],
    ['a message type the algorithm refuses', 'ECC_NIST_EDWARDS25519', 'ED25519_SHA_512', 'DIGEST', 64],
    ['a digest of the wrong length', 'RSA_2048', 'RSASSA_PSS_SHA_256', 'DIGEST', 31],
    ['a μ of the wrong length', 'ML_DSA_44', 'ML_DSA_SHAKE_256', 'EXTERNAL_MU', 32],
  ] as const)('throws RangeError for %s (a caller bug)', (_, spec, algorithm, messageType, length) => {
    expect(() => sut(spec, keys.get(spec)!.material, algorithm, messageType, Buffer.alloc(length), rng)).toThrow(RangeError);
  });
});

describe(verify.name, () => {
  const sut = verify;

  it.each(CASES)('%s %s %s: hostile signature bytes give false, never a throw', (spec, algorithm, messageType) => {
    const { publicKey } = keys.get(spec)!;
    const message = messageFor(algorithm, messageType, Buffer.from('hostile'));
    const fixed = [Buffer.alloc(0), Buffer.alloc(1), Buffer.alloc(64), Buffer.alloc(256, 0xff), Buffer.alloc(4627), randomBytes(100_000), Buffer.from('3006020101020101', 'hex')];

    for (const signature of fixed) expect(sut(spec, publicKey!, algorithm, messageType, message, signature)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (signature) => sut(spec, publicKey!, algorithm, messageType, message, Buffer.from(signature)) === false),
      { numRuns: 20 },
    );
  });

  it('gives false for a public key that is not one', () => {
    const message = Buffer.alloc(signingDigestLength('ECDSA_SHA_256')!);

    expect(sut('ECC_NIST_P256', Buffer.from('garbage'), 'ECDSA_SHA_256', 'DIGEST', message, Buffer.alloc(70))).toBe(false);
    expect(sut('ECC_NIST_P256', keys.get('ECC_NIST_P384')!.publicKey!, 'ECDSA_SHA_256', 'RAW', message, Buffer.alloc(70))).toBe(false);
  });
});
