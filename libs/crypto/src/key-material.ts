import { createHmac } from 'node:crypto';
import { RandomSource, systemRandom } from './random-source';

/** A symmetric backing key (one version of a SYMMETRIC_DEFAULT KMS key) is 256 bits. */
export const BACKING_KEY_LENGTH = 32;

// Domain separation: this HMAC is used for nothing else.
const MATERIAL_ID_LABEL = Buffer.from('trent/key-material-id/v1\0', 'latin1');

export function newBackingKey(rng: RandomSource = systemRandom): Buffer {
  const key = rng.bytes(BACKING_KEY_LENGTH);
  if (key.length !== BACKING_KEY_LENGTH) throw new RangeError(`random source returned ${key.length} bytes, wanted ${BACKING_KEY_LENGTH}`);
  return key;
}

/**
 * The id AWS shows as `CurrentKeyMaterialId` (64 lowercase hex): HMAC-SHA-256 keyed by the material
 * over `label || keyId`. Deterministic, so a multi-Region replica (same id, same material) reports the
 * same value as its primary; as a PRF output it reveals nothing about the material.
 */
export function keyMaterialId(keyId: string, material: Buffer): string {
  return createHmac('sha256', material).update(MATERIAL_ID_LABEL).update(keyId, 'utf8').digest('hex');
}
