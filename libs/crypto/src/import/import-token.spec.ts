import { createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { DomainKey } from '../domain-key';
import { seededRandom } from '../random-source';
import { createImportParameters, IMPORT_TOKEN_MAX_LENGTH, ImportParameters, ImportTokenClaims, openImportToken } from './import-token';
import { unwrapKeyMaterial, wrapKeyMaterial } from './unwrap-key-material';
import { generateWrappingKey } from './wrapping-key';
import { WrappingKeyPool } from './wrapping-key-pool';

const DAY_MS = 24 * 60 * 60 * 1000;
const claims: ImportTokenClaims = {
  accountId: '111122223333',
  keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  wrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256',
  wrappingKeySpec: 'RSA_2048',
  issuedAt: 1_700_000_000_000,
  validTo: 1_700_000_000_000 + DAY_MS,
};
const sealedAt = (token: Buffer): number => 4 + token[2] + token[3 + token[2]];
/** The binding the format's doc comment specifies; only for forging payloads in tests. */
const bindingOf = (accountId: string, keyId: string) => ({ keyId: 'import-token:' + JSON.stringify([accountId, keyId]), version: 0 });

describe(openImportToken.name, () => {
  const domainKey = DomainKey.fromBytes(seededRandom(1).bytes(32));
  const sut = (token: Buffer) => openImportToken(domainKey, token);
  let params: ImportParameters;

  beforeAll(async () => {
    params = await createImportParameters(domainKey, claims);
  });

  it('returns the claims and the private key half of the returned public key', () => {
    const opened = sut(params.importToken);

    expect(opened?.claims).toEqual(claims);
    expect(opened?.privateKey.type).toBe('private');
    expect(createPublicKey(opened!.privateKey).export({ format: 'der', type: 'spki' })).toEqual(params.publicKey);
  });

  it('opens to a key that unwraps material wrapped under the returned public key', () => {
    const material = seededRandom(3).bytes(32);
    const encrypted = wrapKeyMaterial(createPublicKey({ key: params.publicKey, format: 'der', type: 'spki' }), claims.wrappingAlgorithm, material);
    const { privateKey } = sut(params.importToken)!;

    expect(unwrapKeyMaterial(privateKey, claims.wrappingAlgorithm, encrypted)).toEqual(material);
  });

  it('does not carry the private key in the clear', () => {
    const der = sut(params.importToken)!.privateKey.export({ format: 'der', type: 'pkcs8' });

    expect(params.importToken.includes(der.subarray(-64))).toBe(false);
  });

  it('refuses a token sealed under another domain key', () => {
    const other = DomainKey.fromBytes(seededRandom(2).bytes(32));

    expect(openImportToken(other, params.importToken)).toBeUndefined();
  });

  it('refuses every single-bit flip', () => {
    const token = params.importToken;

    for (let i = 0; i < token.length; i++) {
      const tampered = Buffer.from(token);
      tampered[i] ^= 1 << i % 8;
      expect(sut(tampered)).toBeUndefined();
    }
  });

  it('refuses every truncation, extensions and the empty token', () => {
    const token = params.importToken;

    for (let n = 0; n < token.length; n++) expect(sut(token.subarray(0, n))).toBeUndefined();
    for (const extra of [Buffer.from([0]), Buffer.alloc(16, 0xff)]) expect(sut(Buffer.concat([token, extra]))).toBeUndefined();
    expect(sut(Buffer.alloc(0))).toBeUndefined();
  });

  it('refuses the sealed part under another account or key id of the same lengths', () => {
    const sealed = params.importToken.subarray(sealedAt(params.importToken));
    const rehead = (accountId: string, keyId: string) =>
      Buffer.concat([Buffer.from([0x49, 0x01, accountId.length]), Buffer.from(accountId), Buffer.from([keyId.length]), Buffer.from(keyId), sealed]);

    expect(sut(rehead(claims.accountId, claims.keyId))).toBeDefined();
    expect(sut(rehead('444455556666', claims.keyId))).toBeUndefined();
    expect(sut(rehead(claims.accountId, '1234abcd-12ab-34cd-56ef-1234567890ac'))).toBeUndefined();
  });

  it('seals under a binding no key version can unwrap as its material', () => {
    const sealed = params.importToken.subarray(sealedAt(params.importToken));

    for (const version of [0, 1]) expect(() => domainKey.unwrap(sealed, { keyId: claims.keyId, version })).toThrow();
  });

  it.each<[string, (der: Buffer) => Buffer]>([
    ['an unknown algorithm code', (der) => Buffer.concat([Buffer.from([9, 1]), Buffer.alloc(16), der])],
    ['an unknown key spec code', (der) => Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(16), der])],
    ['a key of another size than its spec', (der) => Buffer.concat([Buffer.from([1, 3]), Buffer.alloc(16), der])],
    ['a time beyond 2^53', (der) => Buffer.concat([Buffer.from([1, 1]), Buffer.alloc(8, 0xff), Buffer.alloc(8), der])],
    ['a private key that is not DER', () => Buffer.concat([Buffer.from([1, 1]), Buffer.alloc(16), Buffer.from('not a key')])],
    ['no private key', () => Buffer.concat([Buffer.from([1, 1]), Buffer.alloc(16)])],
  ])('refuses a sealed payload with %s', (_, payload) => {
    const der = sut(params.importToken)!.privateKey.export({ format: 'der', type: 'pkcs8' });
    const header = params.importToken.subarray(0, sealedAt(params.importToken));
    const forged = Buffer.concat([header, domainKey.wrap(payload(der), bindingOf(claims.accountId, claims.keyId))]);

    expect(sut(forged)).toBeUndefined();
  });

  it('never throws on arbitrary bytes, with or without a plausible header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, withMagic) => {
        const token = Buffer.from(bytes);
        if (withMagic && token.length >= 2) token.set([0x49, 0x01]);
        expect(sut(token)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe(createImportParameters.name, () => {
  const domainKey = DomainKey.fromBytes(seededRandom(4).bytes(32));
  const sut = (c: ImportTokenClaims, pool?: WrappingKeyPool) => createImportParameters(domainKey, c, pool);

  it('fits an RSA_4096 token with the longest ids in AWS\'s 6144-byte ImportToken', async () => {
    const longest = { ...claims, accountId: 'a'.repeat(255), keyId: 'é'.repeat(127) + 'k', wrappingKeySpec: 'RSA_4096' as const };

    const { publicKey, importToken } = await sut(longest);

    expect(importToken.length).toBeLessThan(IMPORT_TOKEN_MAX_LENGTH);
    expect(createPublicKey({ key: publicKey, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(openImportToken(domainKey, importToken)?.claims).toEqual(longest);
  });

  it('takes the wrapping key from the pool when given one', async () => {
    const key = await generateWrappingKey('RSA_2048');
    const pool = new WrappingKeyPool({ specs: [], generate: () => Promise.resolve(key) });

    const { importToken } = await sut({ ...claims, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' }, pool);

    expect(openImportToken(domainKey, importToken)?.privateKey.equals(key)).toBe(true);
  });

  it('gives every call a wrapping key of its own', async () => {
    const [a, b] = await Promise.all([sut(claims), sut(claims)]);

    expect(a.publicKey).not.toEqual(b.publicKey);
    expect(a.importToken).not.toEqual(b.importToken);
  });

  it.each<[string, Partial<ImportTokenClaims>]>([
    ['an empty account id', { accountId: '' }],
    ['a key id over 255 UTF-8 bytes', { keyId: 'é'.repeat(128) }],
    ['a key id that is not well-formed Unicode', { keyId: 'key-\ud800' }],
    ['an unknown wrapping algorithm', { wrappingAlgorithm: 'RSAES_PKCS1_V1_5' as ImportTokenClaims['wrappingAlgorithm'] }],
    ['an unknown key spec', { wrappingKeySpec: 'RSA_1024' as ImportTokenClaims['wrappingKeySpec'] }],
    ['a fractional time', { issuedAt: 1.5 }],
    ['a negative time', { issuedAt: -1 }],
    ['a token that expires before it is issued', { validTo: claims.issuedAt - 1 }],
  ])('refuses %s', async (_, bad) => {
    await expect(sut({ ...claims, ...bad })).rejects.toThrow(RangeError);
  });
});
