/** Encryption context as it arrives in a request: string keys to string values. */
export type EncryptionContext = Readonly<Record<string, string>>;

const EMPTY = Buffer.alloc(0);

/**
 * The bytes an encryption context contributes to the AAD. AWS treats the context as an unordered,
 * case-sensitive map, so the encoding is:
 *
 *   for each entry, ordered by the UTF-8 bytes of its key:
 *     uint32 BE  byte length of key    || key   (UTF-8)
 *     uint32 BE  byte length of value  || value (UTF-8)
 *
 * Length prefixes make it injective ({a:'bc'} and {ab:'c'} differ); `undefined` and `{}` give the
 * empty buffer. Strings holding a lone UTF-16 surrogate are refused: UTF-8 encoding would replace it
 * with U+FFFD and make two different contexts collide. The protocol layer validates contexts before
 * they get here, so a throw from this function is a bug upstream.
 */
export function canonicalEncryptionContext(ctx?: EncryptionContext): Buffer {
  if (ctx === undefined) return EMPTY;
  const keys = Object.keys(ctx);
  if (keys.length === 0) return EMPTY;

  const entries: Array<[Buffer, Buffer]> = [];
  let total = 0;
  for (const key of keys) {
    const value = ctx[key];
    if (typeof value !== 'string') throw new TypeError(`encryption context value for "${key}" is not a string`);
    if (!isWellFormed(key) || !isWellFormed(value)) throw new TypeError('encryption context holds an unpaired UTF-16 surrogate');
    const k = Buffer.from(key, 'utf8');
    const v = Buffer.from(value, 'utf8');
    entries.push([k, v]);
    total += 8 + k.length + v.length;
  }
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));

  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const [k, v] of entries) {
    at = out.writeUInt32BE(k.length, at);
    at += k.copy(out, at);
    at = out.writeUInt32BE(v.length, at);
    at += v.copy(out, at);
  }
  return out;
}

// String.prototype.isWellFormed ships with Node 20 (V8 11.3) but is not in the ES2023 lib typings.
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
