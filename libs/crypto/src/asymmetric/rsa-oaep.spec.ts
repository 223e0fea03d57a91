import { constants, createHash, createPublicKey, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { seededRandom } from '../random-source';
import { generateKeyMaterial, GeneratedKey } from './key-pairs';
import { rsaPlaintextLimit } from './key-specs';
import { RsaEncryptionAlgorithm, rsaDecrypt, rsaEncrypt } from './rsa-oaep';

const ALGORITHMS: RsaEncryptionAlgorithm[] = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
let key: GeneratedKey;

beforeAll(async () => {
  key = await generateKeyMaterial('RSA_2048', seededRandom(1));
});

describe(rsaEncrypt.name, () => {
  const sut = rsaEncrypt;

  it.each(ALGORITHMS)('%s: round-trips up to the plaintext limit, bare 256-byte ciphertext, randomised', (algorithm) => {
    const limit = rsaPlaintextLimit('RSA_2048', algorithm);
    for (const n of [0, 1, limit]) {
      const plaintext = Buffer.alloc(n, 0xa5);

      const ciphertext = sut(key.publicKey!, algorithm, plaintext);

      expect(ciphertext).toHaveLength(256);
      expect(rsaDecrypt('RSA_2048', key.material, algorithm, ciphertext)).toEqual(plaintext);
    }
    expect(sut(key.publicKey!, algorithm, Buffer.from('x'))).not.toEqual(sut(key.publicKey!, algorithm, Buffer.from('x')));
  });

  it.each(ALGORITHMS)('%s: refuses a plaintext one byte over the limit', (algorithm) => {
    expect(() => sut(key.publicKey!, algorithm, Buffer.alloc(rsaPlaintextLimit('RSA_2048', algorithm) + 1))).toThrow(RangeError);
  });

  it('refuses a public key that is not RSA 2048/3072/4096', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });

    expect(() => sut(publicKey.export({ format: 'der', type: 'spki' }), 'RSAES_OAEP_SHA_256', Buffer.from('x'))).toThrow(RangeError);
  });
});

describe(rsaDecrypt.name, () => {
  const sut = rsaDecrypt;

  it('uses MGF1 with the OAEP hash: decrypts what OpenSSL encrypts with oaepHash set', () => {
    const ciphertext = publicEncrypt({ key: createPublicKey({ key: key.publicKey!, format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from('hi'));

    expect(sut('RSA_2048', key.material, 'RSAES_OAEP_SHA_256', ciphertext)).toEqual(Buffer.from('hi'));
  });

  it('gives undefined for the other algorithm, a tampered, short, long or empty ciphertext', () => {
    const ciphertext = rsaEncrypt(key.publicKey!, 'RSAES_OAEP_SHA_256', Buffer.from('secret'));
    const tampered = Buffer.from(ciphertext);
    tampered[100] ^= 1;

    expect(sut('RSA_2048', key.material, 'RSAES_OAEP_SHA_1', ciphertext)).toBeUndefined();
    expect(sut('RSA_2048', key.material, 'RSAES_OAEP_SHA_256', tampered)).toBeUndefined();
    expect(sut('RSA_2048', key.material, 'RSAES_OAEP_SHA_256', ciphertext.subarray(1))).toBeUndefined();
    expect(sut('RSA_2048', key.material, 'RSAES_OAEP_SHA_256', Buffer.concat([ciphertext, Buffer.alloc(1)]))).toBeUndefined();
    expect(sut('RSA_2048', key.material, 'RSAES_OAEP_SHA_256', Buffer.alloc(0))).toBeUndefined();
    expect(sut('RSA_2048', key.material, 'RSAES_OAEP_SHA_256', Buffer.alloc(256, 0xff))).toBeUndefined();
  });

  it('gives undefined for a ciphertext under another key', async () => {
    const other = await generateKeyMaterial('RSA_2048', seededRandom(2));
    const ciphertext = rsaEncrypt(other.publicKey!, 'RSAES_OAEP_SHA_1', createHash('sha1').digest());

    expect(sut('RSA_2048', key.material, 'RSAES_OAEP_SHA_1', ciphertext)).toBeUndefined();
  });
});
