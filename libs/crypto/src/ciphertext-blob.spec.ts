import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  CIPHERTEXT_OVERHEAD,
  CiphertextHeader,
  openSymmetric,
  parseCiphertextHeader,
  sealSymmetric,
} from './ciphertext-blob';
import { canonicalEncryptionContext } from './encryption-context';
import { newBackingKey } from './key-material';
import { seededRandom } from './random-source';

const UUID_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK_ID = 'mrk-1234abcd12ab34cd56ef1234567890ab';
const header: CiphertextHeader = { keyId: UUID_ID, version: 7 };

describe(sealSymmetric.name, () => {
  const key = newBackingKey(seededRandom(1));
  const sut = sealSymmetric;

  it.each([1, 4096])('round-trips a %i-byte plaintext', (n) => {
    const plaintext = randomBytes(n);
    const aad = canonicalEncryptionContext({ purpose: 'test' });

    const blob = sut(key, header, plaintext, aad);

    expect(blob.length).toBe(n + CIPHERTEXT_OVERHEAD);
    expect(openSymmetric(key, blob, aad)).toEqual(plaintext);
  });

  it('round-trips with a multi-Region key id and the largest version', () => {
    const blob = sut(key, { keyId: MRK_ID, version: 0xffffffff }, Buffer.from('x'), Buffer.alloc(0));

    expect(parseCiphertextHeader(blob)).toEqual({ keyId: MRK_ID, version: 0xffffffff });
    expect(openSymmetric(key, blob, Buffer.alloc(0))).toEqual(Buffer.from('x'));
  });

  it('adds exactly 87 bytes', () => {
    expect(CIPHERTEXT_OVERHEAD).toBe(87);
  });

  it('is deterministic under a seeded random source and fresh under the system one', () => {
    const pt = Buffer.from('hello');
    const aad = Buffer.alloc(0);

    expect(sut(key, header, pt, aad, seededRandom(9))).toEqual(sut(key, header, pt, aad, seededRandom(9)));
    expect(sut(key, header, pt, aad)).not.toEqual(sut(key, header, pt, aad));
  });

  it('does not modify its inputs', () => {
    const pt = Buffer.from('plaintext');
    const before = Buffer.from(pt);
    const aad = canonicalEncryptionContext({ a: 'b' });
    const aadBefore = Buffer.from(aad);

    sut(key, header, pt, aad);

    expect(pt).toEqual(before);
    expect(aad).toEqual(aadBefore);
  });

  it.each([
    ['an uppercase UUID', { keyId: UUID_ID.toUpperCase(), version: 1 }],
    ['an alias', { keyId: 'alias/my-key-with-a-36-character-nam', version: 1 }],
    ['a short id', { keyId: 'mrk-1234', version: 1 }],
    ['a non-Latin-1 id', { keyId: '\u20ac234abcd-12ab-34cd-56ef-1234567890ab', version: 1 }],
    ['an id whose low bytes look like hex (U+0131 encodes to "1" in latin1)', { keyId: '\u0131234abcd-12ab-34cd-56ef-1234567890ab', version: 1 }],
    ['a negative version', { keyId: UUID_ID, version: -1 }],
    ['a fractional version', { keyId: UUID_ID, version: 1.5 }],
    ['a version above uint32', { keyId: UUID_ID, version: 2 ** 32 }],
  ])('refuses %s', (_, bad) => {
    expect(() => sut(key, bad, Buffer.from('x'), Buffer.alloc(0))).toThrow(RangeError);
  });

  it('refuses a backing key that is not 32 bytes', () => {
    expect(() => sut(Buffer.alloc(16), header, Buffer.from('x'), Buffer.alloc(0))).toThrow(RangeError);
  });
});

describe(openSymmetric.name, () => {
  const key = newBackingKey(seededRandom(2));
  const aad = canonicalEncryptionContext({ tenant: 'acme', stage: 'prod' });
  const sut = openSymmetric;

  it('returns undefined when any single bit of the blob is flipped', () => {
    const blob = sealSymmetric(key, header, Buffer.from('secret'), aad);

    for (let i = 0; i < blob.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = Buffer.from(blob);
        tampered[i] ^= 1 << bit;
        expect(sut(key, tampered, aad)).toBeUndefined();
      }
    }
  });

  it('returns undefined when any byte is replaced by its complement (4096-byte plaintext)', () => {
    const blob = sealSymmetric(key, header, randomBytes(4096), aad);

    for (let i = 0; i < blob.length; i += 1) {
      const tampered = Buffer.from(blob);
      tampered[i] ^= 0xff;
      expect(sut(key, tampered, aad)).toBeUndefined();
    }
  });

  it('returns undefined under another backing key, another context, or no context', () => {
    const blob = sealSymmetric(key, header, Buffer.from('secret'), aad);

    expect(sut(newBackingKey(), blob, aad)).toBeUndefined();
    expect(sut(key, blob, canonicalEncryptionContext({ tenant: 'acme', stage: 'dev' }))).toBeUndefined();
    expect(sut(key, blob, Buffer.alloc(0))).toBeUndefined();
  });

  it('returns undefined when a context is added that the blob was not sealed with', () => {
    const blob = sealSymmetric(key, header, Buffer.from('secret'), Buffer.alloc(0));

    expect(sut(key, blob, aad)).toBeUndefined();
  });

  it('returns undefined for every truncation, and for an appended byte', () => {
    const blob = sealSymmetric(key, header, Buffer.from('secret'), aad);

    for (let n = 0; n < blob.length; n++) expect(sut(key, blob.subarray(0, n), aad)).toBeUndefined();
    expect(sut(key, Buffer.concat([blob, Buffer.from([0])]), aad)).toBeUndefined();
  });

  it('accepts a plain Uint8Array view at an offset into a larger buffer', () => {
    const blob = sealSymmetric(key, header, Buffer.from('secret'), aad);
    const backing = new Uint8Array(blob.length + 10);
    backing.set(blob, 5);

    expect(sut(key, backing.subarray(5, 5 + blob.length), aad)).toEqual(Buffer.from('secret'));
  });

  it('never throws and returns undefined on random input, including inputs with a valid-looking header', () => {
    const validPrefix = sealSymmetric(key, header, Buffer.from('p'), aad).subarray(0, 71);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, withHeader) => {
        const blob = withHeader ? Buffer.concat([validPrefix, bytes]) : bytes;
        expect(sut(key, blob, aad)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('derives the per-call key exactly as documented (checked against crypto.hkdfSync)', () => {
    // Re-seal with a second, independent derivation: if the hand-written HKDF drifted from RFC 5869
    // the documented layout would no longer decrypt with a standard HKDF.
    const blob = sealSymmetric(key, header, Buffer.from('secret'), aad);
    const info = Buffer.concat([Buffer.from('trent/symmetric/v1\0', 'latin1'), blob.subarray(2, 43)]);
    const derived = Buffer.from(hkdfSync('sha256', key, blob.subarray(43, 59), info, 32));
    const decipher = createDecipheriv('aes-256-gcm', derived, blob.subarray(59, 71), { authTagLength: 16 });
    decipher.setAAD(Buffer.concat([blob.subarray(0, 71), aad]));
    decipher.setAuthTag(blob.subarray(blob.length - 16));

    expect(Buffer.concat([decipher.update(blob.subarray(71, blob.length - 16)), decipher.final()])).toEqual(Buffer.from('secret'));
  });
});

describe(parseCiphertextHeader.name, () => {
  const sut = parseCiphertextHeader;
  const key = newBackingKey(seededRandom(3));

  it('reads key id and version', () => {
    expect(sut(sealSymmetric(key, { keyId: UUID_ID, version: 42 }, Buffer.from('x'), Buffer.alloc(0)))).toEqual({
      keyId: UUID_ID,
      version: 42,
    });
  });

  it('gives undefined for empty, truncated, wrong-magic, wrong-format and wrong-length-prefix blobs', () => {
    const blob = sealSymmetric(key, header, Buffer.from('x'), Buffer.alloc(0));
    const patched = (at: number, value: number): Buffer => {
      const b = Buffer.from(blob);
      b[at] = value;
      return b;
    };

    expect(sut(new Uint8Array(0))).toBeUndefined();
    expect(sut(blob.subarray(0, CIPHERTEXT_OVERHEAD - 1))).toBeUndefined();
    expect(sut(patched(0, 0x01))).toBeUndefined();
    expect(sut(patched(1, 0x02))).toBeUndefined();
    expect(sut(patched(2, 35))).toBeUndefined();
    expect(sut(patched(3, 0x41))).toBeUndefined(); // 'A': key ids are lowercase
    expect(sut(patched(11, 0x30))).toBeUndefined(); // a UUID needs a dash here
  });

  it('never throws on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(sut(bytes)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });
});
