import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha256';
import { keyMaterialId, newBackingKey } from './key-material';
import { seededRandom } from './random-source';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

describe(keyMaterialId.name, () => {
  const sut = keyMaterialId;
  const material = newBackingKey(seededRandom(5));

  it('is 64 lowercase hex digits and deterministic', () => {
    expect(sut(KEY_ID, material)).toMatch(/^[0-9a-f]{64}$/);
    expect(sut(KEY_ID, Buffer.from(material))).toBe(sut(KEY_ID, material));
  });

  it('differs by key id and by material', () => {
    expect(sut('mrk-1234abcd12ab34cd56ef1234567890ab', material)).not.toBe(sut(KEY_ID, material));
    expect(sut(KEY_ID, newBackingKey(seededRandom(6)))).not.toBe(sut(KEY_ID, material));
  });

  it('is HMAC-SHA-256 keyed by the material over label || keyId (checked with @noble)', () => {
    const expected = hmac(sha256, material, new TextEncoder().encode(`trent/key-material-id/v1\0${KEY_ID}`));

    expect(sut(KEY_ID, material)).toBe(Buffer.from(expected).toString('hex'));
  });
});

describe(newBackingKey.name, () => {
  it('returns 32 bytes, fresh each time', () => {
    const sut = newBackingKey;

    expect(sut()).toHaveLength(32);
    expect(sut()).not.toEqual(sut());
  });
});
