import { createHmac, createSecretKey, KeyObject } from 'node:crypto';

const DEFAULT_CAPACITY = 256;

/**
 * SigV4 signing keys, kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
 * kept per (secret, date, region, service). Four HMACs per request become one map lookup; a key
 * changes only when the day, the region or the caller does.
 *
 * Invariant: size <= capacity. The least recently used key is dropped first.
 */
export class SigningKeyCache {
  // A Map iterates in insertion order; a hit is moved to the end, so the first entry is the coldest.
  private readonly keys = new Map<string, KeyObject>();

  constructor(readonly capacity: number = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  signingKey(secretAccessKey: string, date: string, region: string, service: string): KeyObject {
    // '/' cannot occur in date, region or service (the credential scope is split on it), so the
    // cache key is unambiguous even though the secret may contain anything.
    const id = `${date}/${region}/${service}/${secretAccessKey}`;
    const cached = this.keys.get(id);
    if (cached !== undefined) {
      this.keys.delete(id);
      this.keys.set(id, cached);
      return cached;
    }
    const derived = deriveSigningKey(secretAccessKey, date, region, service);
    this.keys.set(id, derived);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value as string);
    return derived;
  }

  get size(): number {
    return this.keys.size;
  }
}

/**
 * The HMAC chain of SigV4 ("Derive a signing key", AWS SigV4 docs). Kept as a KeyObject: opaque to
 * logging and inspection, and accepted by createHmac as it is.
 */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): KeyObject {
  let key = createSecretKey(`AWS4${secretAccessKey}`, 'utf8');
  for (const part of [date, region, service, 'aws4_request']) {
    key = createSecretKey(createHmac('sha256', key).update(part, 'utf8').digest('hex'), 'hex');
  }
  return key;
}
