import { createHash } from 'node:crypto';

const idOf = (kind: string, bytes: Uint8Array): string => `${kind}:${createHash('sha256').update(bytes).digest('base64')}`;

/**
 * Parsed keys by SHA-256 of the bytes they were parsed from, least recently used evicted first.
 * Parsing PKCS#8 costs far more than hashing it (tens of µs for RSA against ~1 µs), so callers that
 * pass the same material every time parse once. A failed build caches nothing.
 * Invariant: size ≤ capacity.
 */
export class KeyCache<V> {
  readonly #entries = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`cache capacity must be a positive integer, got ${capacity}`);
  }

  get(kind: string, bytes: Uint8Array, build: () => V): V {
    const id = idOf(kind, bytes);
    const hit = this.#entries.get(id);
    if (hit !== undefined) {
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit;
    }
    const value = build();
    if (this.#entries.size >= this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(id, value);
    return value;
  }

  /** Removes and returns the entry parsed from `bytes`, if any. */
  delete(kind: string, bytes: Uint8Array): V | undefined {
    const id = idOf(kind, bytes);
    const hit = this.#entries.get(id);
    this.#entries.delete(id);
    return hit;
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
