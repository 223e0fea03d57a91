import {
  createImportParameters,
  DomainKey,
  forgetPrivateKey,
  generateKeyMaterial,
  isAsymmetricSpec,
  ImportParameters,
  ImportTokenClaims,
  KeySpec,
  keyMaterialId,
  newBackingKey,
  openImportToken,
  publicKeyFromMaterial,
  RandomSource,
  unwrapKeyMaterial,
  WrappingKeyPool,
  WrappingKeySpec,
} from '@trent/crypto';
import { ImportedMaterial, KeyMaterialVersion, KeyRecord } from './model/key-record';

/** Unwrapped backing keys kept in memory, most recently used last. Plaintext key material never leaves memory. */
const CACHE_LIMIT = 10_000;

/** Creates backing-key versions (wrapped by the Region's domain key) and unwraps them on use. */
export class KeyMaterialService {
  private readonly cache = new Map<string, { material: Buffer; spec: string }>();

  constructor(
    private readonly domainKey: DomainKey,
    private readonly random: RandomSource,
    /** Makes the wrapping-key pool of a spec; tests inject one that hands out keys made beforehand. */
    private readonly newWrappingKeyPool: (spec: WrappingKeySpec) => WrappingKeyPool = (spec) => new WrappingKeyPool({ specs: [spec] }),
  ) {}

  /**
   * Spare RSA wrapping keys, per spec, from the first GetParametersForImport for that spec on: a
   * process that never imports never spends CPU on RSA key generation.
   */
  private readonly wrappingKeys = new Map<WrappingKeySpec, WrappingKeyPool>();

  /** GetParametersForImport: a fresh wrapping key pair and a token sealed under the domain key. */
  importParameters(claims: ImportTokenClaims): Promise<ImportParameters> {
    let pool = this.wrappingKeys.get(claims.wrappingKeySpec);
    if (!pool) this.wrappingKeys.set(claims.wrappingKeySpec, (pool = this.newWrappingKeyPool(claims.wrappingKeySpec)));
    return createImportParameters(this.domainKey, claims, pool);
  }

  /**
   * ImportKeyMaterial: what the token says and the material it unwraps. `claims` is undefined when
   * the token is not one this Region sealed; `material` when the wrapped material does not open.
   */
  openImport(token: Buffer, encryptedMaterial: Buffer): { claims?: ImportTokenClaims; material?: Buffer } {
    const opened = openImportToken(this.domainKey, token);
    if (!opened) return {};
    return { claims: opened.claims, material: unwrapKeyMaterial(opened.privateKey, opened.claims.wrappingAlgorithm, encryptedMaterial) };
  }

  /** A new SYMMETRIC_DEFAULT backing key (creation and rotation). */
  create(keyId: string, version: number, now: number, rotationType?: KeyMaterialVersion['rotationType']): KeyMaterialVersion {
    const material = newBackingKey(this.random);
    try {
      return this.wrapVersion(keyId, version, material, undefined, now, rotationType ? { rotationType } : {});
    } finally {
      material.fill(0);
    }
  }

  /**
   * New material for a key of any spec. Asymmetric key pairs are generated here, before the
   * command is proposed, so applying it stays deterministic; RSA generation runs off the event loop.
   */
  async generate(spec: KeySpec, keyId: string, version: number, now: number): Promise<KeyMaterialVersion> {
    if (spec === 'SYMMETRIC_DEFAULT') return this.create(keyId, version, now);
    const { material, publicKey } = await generateKeyMaterial(spec, this.random);
    try {
      return this.wrapVersion(keyId, version, material, publicKey, now, {});
    } finally {
      material.fill(0);
    }
  }

  /** Imported material (already checked against the key spec), wrapped as `version` of the key. */
  wrapImported(keyId: string, version: number, material: Buffer, publicKey: Buffer | undefined, now: number, imported: ImportedMaterial): KeyMaterialVersion {
    return this.wrapVersion(keyId, version, material, publicKey, now, { imported });
  }

  /** The id `material` would have as material of `keyId` (to compare an import with what the key had). */
  materialIdOf(keyId: string, material: Buffer): string {
    return keyMaterialId(keyId, material);
  }

  /**
   * Material another Region sent for a multi-Region key, wrapped with this Region's domain key.
   * Undefined when it is not the material its id names (ids are derived from key id and material).
   */
  adopt(keyId: string, spec: string, info: Pick<KeyMaterialVersion, 'version' | 'materialId' | 'createdAt' | 'rotationType'>, material: Buffer): KeyMaterialVersion | undefined {
    if (keyMaterialId(keyId, material) !== info.materialId) return undefined;
    let publicKey: Buffer | undefined;
    if (isAsymmetricSpec(spec)) {
      try {
        publicKey = publicKeyFromMaterial(spec as KeySpec, material);
      } catch {
        return undefined;
      }
    }
    return this.wrapVersion(keyId, info.version, material, publicKey, info.createdAt, info.rotationType ? { rotationType: info.rotationType } : {});
  }

  private wrapVersion(keyId: string, version: number, material: Buffer, publicKey: Buffer | undefined, now: number, extra: Pick<KeyMaterialVersion, 'rotationType' | 'imported'>): KeyMaterialVersion {
    const wrapped = this.domainKey.wrap(material, { keyId, version });
    return {
      version,
      materialId: keyMaterialId(keyId, material),
      wrapped: wrapped.toString('base64'),
      ...(publicKey ? { publicKey: publicKey.toString('base64') } : {}),
      createdAt: now,
      ...extra,
    };
  }

  /** The plaintext backing key of one version, or undefined when the key has no such version. */
  plaintext(key: KeyRecord, version: number): Buffer | undefined {
    const entry = key.materials.find((m) => m.version === version);
    if (!entry?.wrapped) return undefined;
    // The material id is part of the cache key: after a forced promotion, a version a Region made
    // alone is replaced by the new primary's material of the same number.
    const cacheKey = `${key.accountId}/${key.keyId}/${version}/${entry.materialId}`;
    const hit = this.cache.get(cacheKey);
    if (hit) return hit.material;
    const material = this.domainKey.unwrap(Buffer.from(entry.wrapped, 'base64'), { keyId: key.keyId, version });
    if (this.cache.size >= CACHE_LIMIT) this.drop(this.cache.keys().next().value!);
    this.cache.set(cacheKey, { material, spec: key.keySpec });
    return material;
  }

  /** Drops a deleted key's (or deleted material's) plaintext from memory, parsed private keys included. */
  forget(accountId: string, keyId: string): void {
    const prefix = `${accountId}/${keyId}/`;
    for (const k of [...this.cache.keys()]) if (k.startsWith(prefix)) this.drop(k);
  }

  private drop(cacheKey: string): void {
    const entry = this.cache.get(cacheKey);
    if (!entry) return;
    if (isAsymmetricSpec(entry.spec)) forgetPrivateKey(entry.spec as KeySpec, entry.material);
    entry.material.fill(0);
    this.cache.delete(cacheKey);
  }
}
