import { createCipheriv, createDecipheriv, createHash, createSecretKey, KeyObject } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { inspect } from 'node:util';
import { CryptoError } from './crypto-error';
import { RandomSource, systemRandom } from './random-source';

/** Which key version a piece of wrapped material belongs to; bound into the wrap so it cannot be swapped. */
export interface KeyBinding {
  keyId: string;
  version: number;
}

export const DOMAIN_KEY_LENGTH = 32;

/**
 * Wrapped key material, format 1 (the only thing stored for any backing key):
 *
 *   offset  size  field
 *        0     1  format 0x01
 *        1    12  AES-GCM IV, random per wrap
 *       13     n  AES-256-GCM ciphertext of the material
 *     13+n    16  GCM tag
 *
 *   AAD = "trent/domain-key-wrap/v1" 0x00 || uint16 BE byte length of keyId || keyId (UTF-8) || uint32 BE version
 *
 * Random 96-bit IVs keep the GCM collision bound far beyond the number of key versions a Region
 * will ever wrap (NIST SP 800-38D §8.3 allows 2^32 per key).
 */
const WRAP_FORMAT_V1 = 0x01;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const WRAP_OVERHEAD = 1 + IV_LENGTH + TAG_LENGTH;
const WRAP_LABEL = Buffer.from('trent/domain-key-wrap/v1\0', 'latin1');
const FINGERPRINT_LABEL = Buffer.from('trent/domain-key-fingerprint/v1\0', 'latin1');

/**
 * A Region's root key: 32 random bytes in a file outside LevelDB, created once by `trent up`/`init`.
 * Every backing key is stored only as `wrap(material, binding)` under it. The raw bytes live in an
 * OpenSSL key object behind a private field: they never appear in inspect/JSON output.
 */
export class DomainKey {
  readonly #key: KeyObject;
  readonly #fingerprint: string;
  readonly #rng: RandomSource;

  private constructor(bytes: Uint8Array, rng: RandomSource) {
    this.#rng = rng;
    if (bytes.length !== DOMAIN_KEY_LENGTH) throw new RangeError(`domain key must be ${DOMAIN_KEY_LENGTH} bytes, got ${bytes.length}`);
    this.#key = createSecretKey(bytes);
    this.#fingerprint = createHash('sha256').update(FINGERPRINT_LABEL).update(bytes).digest().toString('hex', 0, 8);
  }

  /** `rng` supplies wrap IVs (and, in `loadOrCreate`, a new key); inject a seeded one only in tests. */
  static fromBytes(bytes: Uint8Array, rng: RandomSource = systemRandom): DomainKey {
    return new DomainKey(bytes, rng);
  }

  /**
   * Reads the key file at `path`, or creates it (mode 0600, parent directories as needed) if absent.
   * Creation writes a temporary file, fsyncs it and then hard-links it into place: `link` fails if
   * the name exists, so two processes racing to create the key never overwrite each other's; the
   * loser adopts the winner's file. On filesystems without hard links it falls back to `rename`.
   */
  static async loadOrCreate(path: string, rng: RandomSource = systemRandom): Promise<DomainKey> {
    const existing = await readKeyFile(path, rng);
    if (existing) return existing;

    const dir = dirname(path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const bytes = rng.bytes(DOMAIN_KEY_LENGTH);
    if (bytes.length !== DOMAIN_KEY_LENGTH) throw new RangeError('random source returned the wrong number of bytes');
    const tmp = `${path}.${process.pid}.${systemRandom.bytes(6).toString('hex')}.tmp`;
    try {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.chmod(0o600); // open()'s mode is filtered by the umask; make it exact.
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await link(tmp, path);
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'EEXIST') {
          const winner = await readKeyFile(path, rng);
          if (winner) return winner;
          throw e;
        }
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
        await rename(tmp, path);
      }
      await fsyncDirectory(dir);
      return new DomainKey(bytes, rng);
    } finally {
      bytes.fill(0);
      await unlink(tmp).catch(() => undefined); // Already gone after a rename.
    }
  }

  wrap(material: Buffer, binding: KeyBinding): Buffer {
    const out = Buffer.allocUnsafe(WRAP_OVERHEAD + material.length);
    out[0] = WRAP_FORMAT_V1;
    const iv = this.#rng.bytes(IV_LENGTH);
    if (iv.length !== IV_LENGTH) throw new RangeError('random source returned the wrong number of bytes');
    iv.copy(out, 1);
    const cipher = createCipheriv('aes-256-gcm', this.#key, out.subarray(1, 1 + IV_LENGTH), { authTagLength: TAG_LENGTH });
    cipher.setAAD(bindingAad(binding));
    cipher.update(material).copy(out, 1 + IV_LENGTH);
    cipher.final();
    cipher.getAuthTag().copy(out, 1 + IV_LENGTH + material.length);
    return out;
  }

  /** The material `wrap` was given; throws `CryptoError('UnwrapFailed')` on tamper, wrong binding or wrong domain key. */
  unwrap(wrapped: Buffer, binding: KeyBinding): Buffer {
    const what = `key material of ${binding.keyId} version ${binding.version}`;
    if (wrapped.length < WRAP_OVERHEAD || wrapped[0] !== WRAP_FORMAT_V1) {
      throw new CryptoError('UnwrapFailed', `Wrapped ${what} is malformed (${wrapped.length} bytes, format ${wrapped[0]})`);
    }
    const aad = bindingAad(binding);
    const tagStart = wrapped.length - TAG_LENGTH;
    const decipher = createDecipheriv('aes-256-gcm', this.#key, wrapped.subarray(1, 1 + IV_LENGTH), { authTagLength: TAG_LENGTH });
    decipher.setAAD(aad);
    decipher.setAuthTag(wrapped.subarray(tagStart));
    const material = decipher.update(wrapped.subarray(1 + IV_LENGTH, tagStart));
    try {
      decipher.final();
    } catch (e) {
      material.fill(0);
      throw new CryptoError(
        'UnwrapFailed',
        `Wrapped ${what} failed authentication under domain key ${this.#fingerprint}: ` +
          'the data is damaged, belongs to another key or version, or was wrapped by another domain key',
        { cause: e },
      );
    }
    return material;
  }

  /** 16 hex digits identifying this domain key in status output and logs (truncated labelled SHA-256); not the key. */
  fingerprint(): string {
    return this.#fingerprint;
  }

  [inspect.custom](): string {
    return `DomainKey(${this.#fingerprint})`;
  }

  toJSON(): { fingerprint: string } {
    return { fingerprint: this.#fingerprint };
  }
}

function bindingAad({ keyId, version }: KeyBinding): Buffer {
  if (!Number.isInteger(version) || version < 0 || version > 0xffffffff) throw new RangeError(`key version must be a uint32, got ${version}`);
  const id = Buffer.from(keyId, 'utf8');
  if (id.length > 0xffff) throw new RangeError('key id too long');
  const aad = Buffer.allocUnsafe(WRAP_LABEL.length + 2 + id.length + 4);
  let at = WRAP_LABEL.copy(aad, 0);
  at = aad.writeUInt16BE(id.length, at);
  at += id.copy(aad, at);
  aad.writeUInt32BE(version, at);
  return aad;
}

/** The key in `path`, `undefined` if there is no such file, `CryptoError` if the file cannot be a domain key. */
async function readKeyFile(path: string, rng: RandomSource): Promise<DomainKey | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new CryptoError('InvalidDomainKeyFile', `Domain key file ${path} is not a regular file`);
    if (st.size !== DOMAIN_KEY_LENGTH) {
      throw new CryptoError(
        'InvalidDomainKeyFile',
        `Domain key file ${path} holds ${st.size} bytes, but a domain key is exactly ${DOMAIN_KEY_LENGTH}; ` +
          'refusing to use it (restore the original file; do not delete it unless the Region\'s data is disposable)',
      );
    }
    const bytes = Buffer.alloc(DOMAIN_KEY_LENGTH);
    const { bytesRead } = await fh.read(bytes, 0, DOMAIN_KEY_LENGTH, 0);
    if (bytesRead !== DOMAIN_KEY_LENGTH) throw new CryptoError('InvalidDomainKeyFile', `Domain key file ${path} was truncated while being read`);
    try {
      return DomainKey.fromBytes(bytes, rng);
    } finally {
      bytes.fill(0);
    }
  } finally {
    await fh.close();
  }
}

/** Makes a new directory entry durable. Best effort: some platforms cannot open or fsync a directory. */
async function fsyncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Windows and some network filesystems refuse; the file itself was already fsynced.
  }
}

const errnoCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;
