import { gcm } from '@noble/ciphers/aes';
import { hkdf } from '@noble/hashes/hkdf';
import { sha256 } from '@noble/hashes/sha256';
import { randomBytes } from 'node:crypto';
import { sealSymmetric } from './ciphertext-blob';
import { canonicalEncryptionContext } from './encryption-context';
import { newBackingKey } from './key-material';

/**
 * Opens a blob with nothing but @noble and the layout documented in ciphertext-blob.ts, so the comment,
 * not the implementation, is what gets tested. Offsets are written out on purpose.
 */
function openWithNoble(backingKey: Uint8Array, blob: Uint8Array, context: Uint8Array): Uint8Array {
  expect(blob[0]).toBe(0x54);
  expect(blob[1]).toBe(0x01);
  expect(blob[2]).toBe(36);
  const nonce = blob.subarray(43, 59);
  const iv = blob.subarray(59, 71);
  const info = new Uint8Array([...new TextEncoder().encode('trent/symmetric/v1\0'), ...blob.subarray(2, 43)]);
  const messageKey = hkdf(sha256, backingKey, nonce, info, 32);
  const aad = new Uint8Array([...blob.subarray(0, 71), ...context]);
  return gcm(messageKey, iv, aad).decrypt(blob.subarray(71)); // noble expects ciphertext || tag
}

describe(`${sealSymmetric.name} (differential against @noble)`, () => {
  const sut = sealSymmetric;

  it.each([
    [1, undefined],
    [4096, { 'aws:s3:arn': 'arn:aws:s3:::bucket/obj', Department: 'Finance', 'ключ': 'значение' }],
  ])('produces a blob @noble opens from the documented layout (%i bytes)', (n, ctx) => {
    const key = newBackingKey();
    const plaintext = randomBytes(n);
    const context = canonicalEncryptionContext(ctx);

    const blob = sut(key, { keyId: 'mrk-0123456789abcdef0123456789abcdef', version: 3 }, plaintext, context);

    expect(Buffer.from(openWithNoble(key, blob, context))).toEqual(plaintext);
    expect(blob.toString('latin1', 3, 39)).toBe('mrk-0123456789abcdef0123456789abcdef');
    expect(blob.readUInt32BE(39)).toBe(3);
  });

  it('binds the context: @noble rejects the blob under another context', () => {
    const key = newBackingKey();
    const blob = sut(key, { keyId: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0', version: 1 }, Buffer.from('x'), canonicalEncryptionContext({ a: 'b' }));

    expect(() => openWithNoble(key, blob, canonicalEncryptionContext({ a: 'c' }))).toThrow();
  });
});
