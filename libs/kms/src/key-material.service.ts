import { BACKING_KEY_LENGTH, DomainKey, keyMaterialId, newBackingKey, RandomSource } from '@trent/crypto';
import { KeyMaterialVersion, KeyRecord } from './model/key-record';

/** Unwrapped backing keys kept in memory, most recently used last. Plaintext key material never leaves memory. */
const CACHE_LIMIT = 10_000;

/** Creates backing-key versions (wrapped by the Region's domain key) and unwraps them on use. */
export class KeyMaterialService {
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly domainKey: DomainKey,
    private readonly random: RandomSource,
  ) {}

  create(keyId: string, version: number, now: number, rotationType?: KeyMaterialVersion['rotationType']): KeyMaterialVersion {
    const material = newBackingKey(this.random);
    const wrapped = this.domainKey.wrap(material, { keyId, version });
    const created: KeyMaterialVersion = { version, materialId: keyMaterialId(keyId, material), wrapped: wrapped.toString('base64'), createdAt: now };
    if (rotationType) created.rotationType = rotationType;
    material.fill(0);
    return created;
  }

  /**
   * Material another Region sent for a multi-Region key, wrapped with this Region's domain key.
   * Undefined when it is not the material its id names (ids are derived from key id and material).
   */
  adopt(keyId: string, info: Pick<KeyMaterialVersion, 'version' | 'materialId' | 'createdAt' | 'rotationType'>, material: Buffer): KeyMaterialVersion | undefined {
    if (material.length !== BACKING_KEY_LENGTH || keyMaterialId(keyId, material) !== info.materialId) return undefined;
    const wrapped = this.domainKey.wrap(material, { keyId, version: info.version });
    return { version: info.version, materialId: info.materialId, wrapped: wrapped.toString('base64'), createdAt: info.createdAt, ...(info.rotationType ? { rotationType: info.rotationType } : {}) };
  }

  /** The plaintext backing key of one version, or undefined when the key has no such version. */
  plaintext(key: KeyRecord, version: number): Buffer | undefined {
    const entry = key.materials.find((m) => m.version === version);
    if (!entry) return undefined;
    // The material id is part of the cache key: after a forced promotion, a version a Region made
    // alone is replaced by the new primary's material of the same number.
    const cacheKey = `${key.accountId}/${key.keyId}/${version}/${entry.materialId}`;
    const hit = this.cache.get(cacheKey);
    if (hit) return hit;
    const material = this.domainKey.unwrap(Buffer.from(entry.wrapped, 'base64'), { keyId: key.keyId, version });
    if (this.cache.size >= CACHE_LIMIT) this.evictOldest();
    this.cache.set(cacheKey, material);
    return material;
  }

  /** Drops a deleted key's material from memory. */
  forget(accountId: string, keyId: string): void {
    const prefix = `${accountId}/${keyId}/`;
    for (const [k, v] of this.cache) {
      if (k.startsWith(prefix)) {
        v.fill(0);
        this.cache.delete(k);
      }
    }
  }

  private evictOldest(): void {
    const oldest = this.cache.keys().next();
    if (!oldest.done) {
      this.cache.get(oldest.value)!.fill(0);
      this.cache.delete(oldest.value);
    }
  }
}
