import { ed25519, ed25519ph } from '@noble/curves/ed25519';
import { p256, p384, p521 } from '@noble/curves/nist';
import { secp256k1 } from '@noble/curves/secp256k1';
import { hmac } from '@noble/hashes/hmac';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { seededRandom } from '../random-source';
import { deriveSharedSecret } from './ecdh';
import { generateKeyMaterial, GeneratedKey, publicKeyFromMaterial } from './key-pairs';
import { KeySpec } from './key-specs';
import { computeMac } from './mac';
import { mlDsaSeedPkcs8, mlDsaSpki } from './ml-dsa-keys';
import { sign, verify } from './signatures';

const RUNS = { numRuns: 8 };
const message = fc.uint8Array({ maxLength: 300 }).map((m) => Buffer.from(m));
const rng = seededRandom(99);

/** Raw key bytes as @noble wants them, read through OpenSSL's JWK export rather than Trent's code. */
const jwk = (der: Buffer, type: 'pkcs8' | 'spki') =>
  (type === 'pkcs8' ? createPrivateKey({ key: der, format: 'der', type }) : createPublicKey({ key: der, format: 'der', type })).export({ format: 'jwk' });
const b64 = (s: string | undefined): Buffer => Buffer.from(s!, 'base64url');
const privateScalar = (key: GeneratedKey): Buffer => b64(jwk(key.material, 'pkcs8').d);
const ecPoint = (key: GeneratedKey): Buffer => {
  const { x, y } = jwk(key.publicKey!, 'spki');
  return Buffer.concat([Buffer.from([4]), b64(x), b64(y)]);
};

const ECDSA = [
  ['ECC_NIST_P256', 'ECDSA_SHA_256', p256, 'sha256'],
  ['ECC_NIST_P384', 'ECDSA_SHA_384', p384, 'sha384'],
  ['ECC_NIST_P521', 'ECDSA_SHA_512', p521, 'sha512'],
  ['ECC_SECG_P256K1', 'ECDSA_SHA_256', secp256k1, 'sha256'],
] as const;

const keys = new Map<KeySpec, GeneratedKey>();
beforeAll(async () => {
  for (const spec of ['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519'] as const) {
    keys.set(spec, await generateKeyMaterial(spec, rng));
  }
});

describe(`${sign.name} (differential against @noble)`, () => {
  it.each(ECDSA)('%s %s: OpenSSL RAW signatures verify with noble, noble signatures verify here (DER both ways)', (spec, algorithm, curve) => {
    const key = keys.get(spec)!;
    fc.assert(
      fc.property(message, (m) => {
        const ours = sign(spec, key.material, algorithm, 'RAW', m, rng);
        expect(curve.verify(ours, m, ecPoint(key), { prehash: true, lowS: false, format: 'der' })).toBe(true);

        const theirs = curve.sign(m, privateScalar(key), { prehash: true, lowS: false }).toDERRawBytes();
        expect(verify(spec, key.publicKey!, algorithm, 'RAW', m, Buffer.from(theirs))).toBe(true);
      }),
      RUNS,
    );
  });

  it.each(ECDSA)('%s %s: DIGEST signatures verify with noble and as RAW over the message', (spec, algorithm, curve, hash) => {
    const key = keys.get(spec)!;
    fc.assert(
      fc.property(message, (m) => {
        const digest = createHash(hash).update(m).digest();

        const signature = sign(spec, key.material, algorithm, 'DIGEST', digest, rng);

        expect(curve.verify(signature, digest, ecPoint(key), { prehash: false, lowS: false, format: 'der' })).toBe(true);
        expect(verify(spec, key.publicKey!, algorithm, 'RAW', m, signature)).toBe(true);
        expect(verify(spec, key.publicKey!, algorithm, 'DIGEST', digest, sign(spec, key.material, algorithm, 'RAW', m, rng))).toBe(true);
      }),
      RUNS,
    );
  });

  it('accepts high-S ECDSA signatures (AWS does not enforce low S)', () => {
    const key = keys.get('ECC_SECG_P256K1')!;
    const m = Buffer.from('malleable');
    const low = secp256k1.sign(sha256(m), privateScalar(key), { lowS: true });
    const high = new secp256k1.Signature(low.r, secp256k1.CURVE.n - low.s);

    expect(verify('ECC_SECG_P256K1', key.publicKey!, 'ECDSA_SHA_256', 'RAW', m, Buffer.from(high.toDERRawBytes()))).toBe(true);
    expect(verify('ECC_SECG_P256K1', key.publicKey!, 'ECDSA_SHA_256', 'DIGEST', Buffer.from(sha256(m)), Buffer.from(high.toDERRawBytes()))).toBe(true);
  });

  it('ED25519_SHA_512 is pure Ed25519: byte-identical to noble ed25519 both ways', () => {
    const key = keys.get('ECC_NIST_EDWARDS25519')!;
    const seed = privateScalar(key);
    fc.assert(
      fc.property(message, (m) => {
        const ours = sign('ECC_NIST_EDWARDS25519', key.material, 'ED25519_SHA_512', 'RAW', m, rng);
        expect(ours).toEqual(Buffer.from(ed25519.sign(m, seed)));
        expect(ed25519.verify(ours, m, b64(jwk(key.publicKey!, 'spki').x))).toBe(true);
      }),
      RUNS,
    );
  });

  // AWS (SignRequest.MessageType): with ED25519_PH_SHA_512 KMS "still performs the SHA-512
  // prehash", so the caller's digest is Ed25519ph's message, hashed once more.
  it('ED25519_PH_SHA_512 is Ed25519ph over the caller\'s digest (hashed again): equal to noble ed25519ph over the digest', () => {
    const key = keys.get('ECC_NIST_EDWARDS25519')!;
    const seed = privateScalar(key);
    const publicKey = b64(jwk(key.publicKey!, 'spki').x);
    fc.assert(
      fc.property(message, (m) => {
        const digest = Buffer.from(sha512(m));

        const ours = sign('ECC_NIST_EDWARDS25519', key.material, 'ED25519_PH_SHA_512', 'DIGEST', digest, rng);

        expect(ed25519ph.verify(ours, digest, publicKey, { zip215: false })).toBe(true);
        expect(ed25519ph.verify(ours, m, publicKey, { zip215: false })).toBe(false);
        expect(ours).toEqual(Buffer.from(ed25519ph.sign(digest, seed)));
        expect(verify('ECC_NIST_EDWARDS25519', key.publicKey!, 'ED25519_PH_SHA_512', 'DIGEST', digest, Buffer.from(ed25519ph.sign(digest, seed)))).toBe(true);
        expect(verify('ECC_NIST_EDWARDS25519', key.publicKey!, 'ED25519_SHA_512', 'RAW', m, ours)).toBe(false);
      }),
      RUNS,
    );
  });

  it.each(['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'])(
    '%s: a RAW signature verifies as DIGEST of the hash, and a DIGEST signature as RAW',
    (algorithm) => {
      const key = keys.get('RSA_2048')!;
      const hash = `sha${algorithm.slice(-3)}`;
      fc.assert(
        fc.property(message, (m) => {
          const digest = createHash(hash).update(m).digest();
          expect(verify('RSA_2048', key.publicKey!, algorithm, 'DIGEST', digest, sign('RSA_2048', key.material, algorithm, 'RAW', m, rng))).toBe(true);
          expect(verify('RSA_2048', key.publicKey!, algorithm, 'RAW', m, sign('RSA_2048', key.material, algorithm, 'DIGEST', digest, rng))).toBe(true);
        }),
        RUNS,
      );
    },
  );

  it('RSASSA_PKCS1_V1_5 over a DIGEST is byte-identical to the RAW signature (the scheme is deterministic)', () => {
    const key = keys.get('RSA_2048')!;
    const m = Buffer.from('deterministic');

    expect(sign('RSA_2048', key.material, 'RSASSA_PKCS1_V1_5_SHA_384', 'DIGEST', createHash('sha384').update(m).digest(), rng)).toEqual(
      sign('RSA_2048', key.material, 'RSASSA_PKCS1_V1_5_SHA_384', 'RAW', m, rng),
    );
  });

  it.each([
    ['ML_DSA_44', ml_dsa44],
    ['ML_DSA_65', ml_dsa65],
    ['ML_DSA_87', ml_dsa87],
  ] as const)('%s: keys from a seed match noble keygen; signatures are pure ML-DSA with an empty context both ways', (spec, noble) => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), message, (seed, m) => {
        const { publicKey, secretKey } = noble.keygen(seed);
        const material = mlDsaSeedPkcs8(spec, seed);
        const spki = mlDsaSpki(spec, publicKey);

        const ours = sign(spec, material, 'ML_DSA_SHAKE_256', 'RAW', m, rng);

        expect(publicKeyFromMaterial(spec, material)).toEqual(spki);
        expect(noble.verify(publicKey, m, ours)).toBe(true);
        expect(verify(spec, spki, 'ML_DSA_SHAKE_256', 'RAW', m, Buffer.from(noble.sign(secretKey, m)))).toBe(true);
      }),
      { numRuns: 3 },
    );
  });
});

describe(`${computeMac.name} (differential against @noble)`, () => {
  it.each([
    ['HMAC_SHA_224', sha224],
    ['HMAC_SHA_256', sha256],
    ['HMAC_SHA_384', sha384],
    ['HMAC_SHA_512', sha512],
  ] as const)('%s equals noble hmac for random keys and messages', (algorithm, hash) => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 28, maxLength: 128 }), message, (key, m) => {
        expect(computeMac(algorithm, Buffer.from(key), m)).toEqual(Buffer.from(hmac(hash, key, m)));
      }),
      { numRuns: 50 },
    );
  });
});

describe(`${deriveSharedSecret.name} (differential against @noble)`, () => {
  it.each([
    ['ECC_NIST_P256', p256],
    ['ECC_NIST_P384', p384],
    ['ECC_NIST_P521', p521],
  ] as const)('%s equals noble getSharedSecret without its prefix byte', async (spec, curve) => {
    for (let i = 0; i < 3; i++) {
      const mine = await generateKeyMaterial(spec, rng);
      const peer = await generateKeyMaterial(spec, rng);

      const result = deriveSharedSecret(spec, mine.material, peer.publicKey!);

      expect(result).toEqual({ ok: true, secret: Buffer.from(curve.getSharedSecret(privateScalar(mine), ecPoint(peer)).subarray(1)) });
    }
  });
});
