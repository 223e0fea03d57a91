import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { CryptoError } from './crypto-error';
import { DomainKey, KeyBinding } from './domain-key';
import { newBackingKey } from './key-material';
import { seededRandom } from './random-source';

const binding: KeyBinding = { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', version: 1 };

describe(DomainKey.name, () => {
  describe('wrap/unwrap', () => {
    const sut = DomainKey.fromBytes(seededRandom(1).bytes(32));
    const material = newBackingKey();

    it('round-trips key material', () => {
      const wrapped = sut.wrap(material, binding);

      expect(wrapped).toHaveLength(material.length + 29);
      expect(wrapped[0]).toBe(0x01);
      expect(wrapped.includes(material)).toBe(false);
      expect(sut.unwrap(wrapped, binding)).toEqual(material);
    });

    it('round-trips variable-length material (an asymmetric private key, say)', () => {
      const der = Buffer.alloc(1217, 0xab);

      expect(sut.unwrap(sut.wrap(der, binding), binding)).toEqual(der);
    });

    it.each<[string, KeyBinding]>([
      ['another version', { ...binding, version: 2 }],
      ['another key id', { ...binding, keyId: '1234abcd-12ab-34cd-56ef-1234567890ac' }],
      ['a key id that only differs in case', { ...binding, keyId: binding.keyId.toUpperCase() }],
    ])('refuses to unwrap under %s', (_, other) => {
      const wrapped = sut.wrap(material, binding);

      expect(() => sut.unwrap(wrapped, other)).toThrow(CryptoError);
      expect(() => sut.unwrap(wrapped, other)).toThrow(expect.objectContaining({ code: 'UnwrapFailed' }));
    });

    it('refuses to unwrap with another domain key, naming its fingerprint', () => {
      const other = DomainKey.fromBytes(seededRandom(2).bytes(32));

      expect(() => other.unwrap(sut.wrap(material, binding), binding)).toThrow(other.fingerprint());
    });

    it('refuses every single-byte tamper, truncation and unknown format', () => {
      const wrapped = sut.wrap(material, binding);

      for (let i = 0; i < wrapped.length; i++) {
        const tampered = Buffer.from(wrapped);
        tampered[i] ^= 0x80;
        expect(() => sut.unwrap(tampered, binding)).toThrow(CryptoError);
      }
      for (let n = 0; n < wrapped.length; n++) expect(() => sut.unwrap(wrapped.subarray(0, n), binding)).toThrow(CryptoError);
    });

    it('uses a fresh IV per wrap', () => {
      expect(sut.wrap(material, binding)).not.toEqual(sut.wrap(material, binding));
    });

    it('wraps deterministically under an injected seeded source', () => {
      const bytes = seededRandom(1).bytes(32);
      const wrapOnce = () => DomainKey.fromBytes(bytes, seededRandom(99)).wrap(material, binding);

      expect(wrapOnce()).toEqual(wrapOnce());
    });
  });

  describe('fingerprint', () => {
    it('is 16 hex digits, stable per key, distinct across keys, and never the key', () => {
      const bytes = seededRandom(3).bytes(32);
      const sut = DomainKey.fromBytes(bytes);

      expect(sut.fingerprint()).toMatch(/^[0-9a-f]{16}$/);
      expect(DomainKey.fromBytes(Buffer.from(bytes)).fingerprint()).toBe(sut.fingerprint());
      expect(DomainKey.fromBytes(seededRandom(4).bytes(32)).fingerprint()).not.toBe(sut.fingerprint());
      expect(bytes.toString('hex')).not.toContain(sut.fingerprint());
    });

    it('keeps the key out of inspect and JSON output', () => {
      const bytes = seededRandom(3).bytes(32);
      const sut = DomainKey.fromBytes(bytes);

      for (const shown of [inspect(sut, { showHidden: true, depth: 5 }), JSON.stringify(sut)]) {
        expect(shown).toContain(sut.fingerprint());
        expect(shown).not.toContain(bytes.toString('hex'));
        expect(shown).not.toContain(bytes.toString('base64'));
      }
    });
  });

  describe(DomainKey.loadOrCreate.name, () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'trent-domain-key-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('creates a 32-byte file with mode 0600, creating missing directories', async () => {
      const path = join(dir, 'region', 'us-east-1', 'domain.key');

      const sut = await DomainKey.loadOrCreate(path, seededRandom(10));

      const st = await stat(path);
      expect(st.size).toBe(32);
      expect(st.mode & 0o777).toBe(0o600);
      expect(sut.fingerprint()).toBe(DomainKey.fromBytes(seededRandom(10).bytes(32)).fingerprint());
    });

    it('reloads the same key, which unwraps what the first instance wrapped', async () => {
      const path = join(dir, 'domain.key');
      const first = await DomainKey.loadOrCreate(path);
      const wrapped = first.wrap(Buffer.from('material'), binding);
      const onDisk = await readFile(path);

      const sut = await DomainKey.loadOrCreate(path);

      expect(sut.fingerprint()).toBe(first.fingerprint());
      expect(sut.unwrap(wrapped, binding)).toEqual(Buffer.from('material'));
      expect(await readFile(path)).toEqual(onDisk);
    });

    it('leaves no temporary files behind', async () => {
      await DomainKey.loadOrCreate(join(dir, 'domain.key'));

      const { readdir } = await import('node:fs/promises');
      expect(await readdir(dir)).toEqual(['domain.key']);
    });

    it('gives every concurrent creator the same key', async () => {
      const path = join(dir, 'domain.key');

      const keys = await Promise.all(Array.from({ length: 8 }, () => DomainKey.loadOrCreate(path)));

      expect(new Set(keys.map((k) => k.fingerprint())).size).toBe(1);
      expect(keys[0].fingerprint()).toBe(DomainKey.fromBytes(await readFile(path)).fingerprint());
    });

    it.each([0, 31, 33, 64])('refuses a %i-byte file with a clear error and leaves it alone', async (size) => {
      const path = join(dir, 'domain.key');
      await writeFile(path, Buffer.alloc(size, 7));

      await expect(DomainKey.loadOrCreate(path)).rejects.toThrow(`holds ${size} bytes, but a domain key is exactly 32`);
      await expect(DomainKey.loadOrCreate(path)).rejects.toMatchObject({ code: 'InvalidDomainKeyFile' });
      expect(await readFile(path)).toEqual(Buffer.alloc(size, 7));
    });

    it('refuses a directory in place of the file', async () => {
      await expect(DomainKey.loadOrCreate(dir)).rejects.toMatchObject({ code: 'InvalidDomainKeyFile' });
    });
  });
});
