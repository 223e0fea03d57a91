import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, KeyObject, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import type { PlainMaterial, SyncPayload } from '@trent/kms';
import { REGION_PATTERN, RegionKeys } from './region-keys';
import { Rejections, systemClock, WallClock } from './rejections';

/**
 * The signed envelope every replication message travels in, and the sealing of key material.
 *
 * Wire format (UTF-8 JSON, one NATS message):
 *
 *   {"v":1,"msg":"<M>","sig":"<S>"}
 *
 * M is the JSON text of a `Message` (below), produced once by the sender with `JSON.stringify`.
 * S is base64url (no padding) of the Ed25519 signature by the sender Region's signing key over
 * the bytes `SIGNED_LABEL || UTF-8(M)`. The receiver verifies S over M's exact UTF-8 bytes as
 * received and only then trusts what `JSON.parse(M)` says: no canonical re-encoding is ever needed.
 *
 * Key material never appears in M in the clear: a sync carries `sealed`, the AES-256-GCM
 * encryption of the material (`encodeMaterial`) under a key only the destination Region can derive:
 *
 *   eph        = fresh X25519 key pair (one per message)
 *   shared     = X25519(eph.private, destination's sealingPublicKey)
 *   binding    = UTF-8(JSON.stringify([SEAL_LABEL, from, to, id, accountId, keyId, epoch, version]))
 *   key        = HKDF-SHA-256(ikm = shared, salt = eph.public (32 raw bytes), info = binding, 32 bytes)
 *   ct || tag  = AES-256-GCM(key, iv = 12 random bytes, aad = binding, plaintext)
 *   sealed     = {"epk": b64u(eph.public), "iv": b64u(iv), "ct": b64u(ct), "tag": b64u(tag)}
 *
 * so sealed material opens only in the destination, only inside the message it was sealed for,
 * and only for the key, epoch and version the signed body names.
 */

export const ENVELOPE_VERSION = 1;
export const SIGNED_LABEL = 'trent-repl-sig-v1\n';
export const SEAL_LABEL = 'trent-repl-seal-v1';
/** NATS's default max_payload; nothing larger is even parsed. */
export const MAX_WIRE_BYTES = 1024 * 1024;

export type MessageKind = 'sync' | 'ack' | 'gone' | 'gone-reply';
const REQUEST_KINDS: ReadonlySet<MessageKind> = new Set(['sync', 'gone']);
const KINDS: ReadonlySet<string> = new Set<MessageKind>(['sync', 'ack', 'gone', 'gone-reply']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const B64U = /^[A-Za-z0-9_-]*$/;
/** An Ed25519 signature in canonical unpadded base64url: exactly one spelling per signature. */
const SIG = /^[A-Za-z0-9_-]{85}[AQgw]$/;

export interface SealedMaterial {
  epk: string;
  iv: string;
  ct: string;
  tag: string;
}

/** What M (the signed text) holds. `body` is checked against the contract by the receiver's layer above. */
export interface Message {
  v: 1;
  kind: MessageKind;
  /** UUID v4, fresh per message; the replay cache keys on (from, id). */
  id: string;
  from: string;
  to: string;
  /** Sender's wall clock, ms since the epoch. */
  sentAt: number;
  /** Present on replies only: the id of the request answered. */
  inReplyTo?: string;
  body: unknown;
  /** Present on syncs only. */
  sealed?: SealedMaterial;
}

export type Outgoing =
  | { kind: 'sync'; to: string; body: SyncPayload; material: PlainMaterial[] }
  | { kind: 'gone'; to: string; body: unknown }
  | { kind: 'ack' | 'gone-reply'; to: string; inReplyTo: string; body: unknown };

/** The request a reply must answer. */
export interface Expected {
  inReplyTo: string;
  from: string;
  kind: MessageKind;
}

export interface EnvelopeOptions {
  keys: RegionKeys;
  rejections: Rejections;
  clock?: WallClock;
  /** Older messages are refused as replays. Default 5 minutes. */
  maxAgeMs?: number;
  /** Messages dated further ahead are refused as clock skew. Default 30 seconds. */
  maxSkewMs?: number;
  /** Ids remembered for replay detection. Default 100 000. */
  replayCacheSize?: number;
}

/** Seals and signs what this Region sends; verifies and opens what it receives. */
export class EnvelopeCodec {
  private readonly clock: WallClock;
  private readonly maxAgeMs: number;
  private readonly maxSkewMs: number;
  private readonly replayCacheSize: number;
  /** `${from} ${id}` → when the entry may go. Insertion order is expiry order (the clock only moves forward in practice). */
  private readonly seen = new Map<string, number>();

  constructor(private readonly opts: EnvelopeOptions) {
    this.clock = opts.clock ?? systemClock;
    this.maxAgeMs = opts.maxAgeMs ?? 5 * 60_000;
    this.maxSkewMs = opts.maxSkewMs ?? 30_000;
    this.replayCacheSize = opts.replayCacheSize ?? 100_000;
  }

  get region(): string {
    return this.opts.keys.region;
  }

  /** The wire bytes of a new message, and its id (a reply must name it). */
  seal(out: Outgoing): { id: string; bytes: Uint8Array } {
    const peer = this.opts.keys.peer(out.to);
    if (!peer || out.to === this.region) throw new Error(`replication: cannot send to Region ${out.to}: not a trusted peer`);
    const id = randomUUID();
    const message: Message = { v: ENVELOPE_VERSION, kind: out.kind, id, from: this.region, to: out.to, sentAt: this.clock.now(), body: out.body };
    if (out.kind === 'ack' || out.kind === 'gone-reply') message.inReplyTo = out.inReplyTo;
    if (out.kind === 'sync') message.sealed = sealMaterial(out.material, peer.sealingPublicKey, binding(message, out.body));
    const text = JSON.stringify(message);
    const sig = sign(null, signedBytes(text), this.opts.keys.signingPrivateKey).toString('base64url');
    return { id, bytes: Buffer.from(JSON.stringify({ v: ENVELOPE_VERSION, msg: text, sig }), 'utf8') };
  }

  /**
   * The verified message, or undefined after recording why it was refused. Without `expected` only
   * requests are accepted; with it, only the reply to that request.
   */
  open(bytes: Uint8Array, expected?: Expected): Message | undefined {
    if (bytes.byteLength > MAX_WIRE_BYTES) return this.reject({ reason: 'message too large' });
    const outer = parseObject(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    if (!outer || outer.v !== ENVELOPE_VERSION || typeof outer.msg !== 'string' || typeof outer.sig !== 'string' || !SIG.test(outer.sig)) {
      return this.reject({ reason: 'malformed envelope' });
    }
    const m = parseObject(outer.msg);
    if (!m) return this.reject({ reason: 'malformed message' });
    const seen = { from: regionOrUndefined(m.from), to: regionOrUndefined(m.to), kind: typeof m.kind === 'string' && KINDS.has(m.kind) ? m.kind : undefined };

    const peer = seen.from === undefined ? undefined : this.opts.keys.peer(seen.from);
    if (!peer) return this.reject({ ...seen, reason: 'unknown sender Region' });
    const sig = Buffer.from(outer.sig, 'base64url');
    if (!verify(null, signedBytes(outer.msg), peer.signingPublicKey, sig)) return this.reject({ ...seen, reason: 'bad signature' });

    // Signed by a trusted Region from here on; what follows guards against its mistakes, replays and misrouting.
    if (!isMessage(m)) return this.reject({ ...seen, reason: 'malformed message' });
    if (m.from === this.region) return this.reject({ ...seen, reason: 'sent by this Region' });
    if (m.to !== this.region) return this.reject({ ...seen, reason: 'misdirected' });
    const now = this.clock.now();
    if (m.sentAt < now - this.maxAgeMs) return this.reject({ ...seen, reason: 'too old' });
    if (m.sentAt > now + this.maxSkewMs) return this.reject({ ...seen, reason: 'dated in the future' });
    if (expected) {
      if (m.inReplyTo !== expected.inReplyTo || m.from !== expected.from || m.kind !== expected.kind) return this.reject({ ...seen, reason: 'not the reply to our request' });
    } else if (m.inReplyTo !== undefined || !REQUEST_KINDS.has(m.kind)) {
      return this.reject({ ...seen, reason: 'unsolicited reply' });
    }
    if ((m.kind === 'sync') !== (m.sealed !== undefined)) return this.reject({ ...seen, reason: m.kind === 'sync' ? 'sync without material' : 'material outside a sync' });
    if (!this.remember(`${m.from} ${m.id}`, now)) return this.reject({ ...seen, reason: 'replayed' });
    return m;
  }

  /**
   * The material of a verified sync whose body the caller has already checked, or undefined after
   * recording why it could not be opened. The caller owns the returned buffers.
   */
  openMaterial(m: Message, body: SyncPayload): PlainMaterial[] | undefined {
    if (!m.sealed) return this.reject({ from: m.from, to: m.to, kind: m.kind, reason: 'sync without material' });
    const material = openSealed(m.sealed, this.opts.keys.sealingPrivateKey, binding(m, body));
    if (!material) return this.reject({ from: m.from, to: m.to, kind: m.kind, reason: 'material does not open' });
    return material;
  }

  /** Records a refusal found by a layer above (bad body, mismatched reply). */
  reject(r: { from?: string; to?: string; kind?: string; reason: string }): undefined {
    this.opts.rejections.record(r);
    return undefined;
  }

  private remember(key: string, now: number): boolean {
    if (this.seen.has(key)) return false;
    for (const [k, until] of this.seen) {
      if (until > now && this.seen.size < this.replayCacheSize) break;
      // Expired, or evicted to bound memory: a replay of an evicted id is still applied idempotently by the host.
      this.seen.delete(k);
    }
    this.seen.set(key, now + this.maxAgeMs + this.maxSkewMs);
    return true;
  }
}

function signedBytes(text: string): Buffer {
  return Buffer.from(SIGNED_LABEL + text, 'utf8');
}

function binding(m: Pick<Message, 'from' | 'to' | 'id'>, body: Pick<SyncPayload, 'accountId' | 'keyId' | 'epoch' | 'version'>): Buffer {
  return Buffer.from(JSON.stringify([SEAL_LABEL, m.from, m.to, m.id, body.accountId, body.keyId, body.epoch, body.version]), 'utf8');
}

function sealMaterial(material: PlainMaterial[], recipient: KeyObject, bound: Buffer): SealedMaterial {
  const eph = generateKeyPairSync('x25519');
  const epk = Buffer.from(eph.publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient });
  const key = Buffer.from(hkdfSync('sha256', shared, epk, bound, 32));
  const iv = randomBytes(12);
  const plain = encodeMaterial(material);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(bound);
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { epk: epk.toString('base64url'), iv: iv.toString('base64url'), ct: ct.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
  } finally {
    shared.fill(0);
    key.fill(0);
    plain.fill(0);
  }
}

function openSealed(sealed: SealedMaterial, own: KeyObject, bound: Buffer): PlainMaterial[] | undefined {
  const epk = Buffer.from(sealed.epk, 'base64url');
  const iv = Buffer.from(sealed.iv, 'base64url');
  const tag = Buffer.from(sealed.tag, 'base64url');
  if (epk.length !== 32 || iv.length !== 12 || tag.length !== 16) return undefined;
  let shared: Buffer | undefined;
  let key: Buffer | undefined;
  let plain: Buffer | undefined;
  try {
    shared = diffieHellman({ privateKey: own, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: sealed.epk }, format: 'jwk' }) });
    key = Buffer.from(hkdfSync('sha256', shared, epk, bound, 32));
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(bound).setAuthTag(tag);
    plain = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]);
    return decodeMaterial(plain);
  } catch {
    return undefined;
  } finally {
    shared?.fill(0);
    key?.fill(0);
    plain?.fill(0);
  }
}

/** count (u16 BE), then per item: version (u32 BE), length (u16 BE), bytes. The caller zeroes the result. */
export function encodeMaterial(material: PlainMaterial[]): Buffer {
  if (material.length > 0xffff) throw new Error('replication: too many material versions');
  const size = 2 + material.reduce((n, m) => n + 6 + m.plaintext.length, 0);
  const out = Buffer.alloc(size);
  let at = out.writeUInt16BE(material.length, 0);
  for (const m of material) {
    if (!Number.isInteger(m.version) || m.version < 0 || m.version > 0xffffffff || m.plaintext.length === 0 || m.plaintext.length > 0xffff) {
      out.fill(0);
      throw new Error(`replication: material version ${m.version} cannot be encoded`);
    }
    at = out.writeUInt32BE(m.version, at);
    at = out.writeUInt16BE(m.plaintext.length, at);
    at += m.plaintext.copy(out, at);
  }
  return out;
}

/** The inverse of `encodeMaterial`; copies out of `plain`, which the caller zeroes. Undefined when malformed. */
export function decodeMaterial(plain: Buffer): PlainMaterial[] | undefined {
  if (plain.length < 2) return undefined;
  const n = plain.readUInt16BE(0);
  const out: PlainMaterial[] = [];
  let at = 2;
  for (let i = 0; i < n; i++) {
    if (at + 6 > plain.length) return wipe(out);
    const version = plain.readUInt32BE(at);
    const len = plain.readUInt16BE(at + 4);
    at += 6;
    if (len === 0 || at + len > plain.length || out.some((m) => m.version === version)) return wipe(out);
    const plaintext = Buffer.alloc(len);
    plain.copy(plaintext, 0, at, at + len);
    out.push({ version, plaintext });
    at += len;
  }
  return at === plain.length ? out : wipe(out);
}

function wipe(material: PlainMaterial[]): undefined {
  for (const m of material) m.plaintext.fill(0);
  return undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function regionOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' && REGION_PATTERN.test(v) ? v : undefined;
}

function isMessage(m: Record<string, unknown>): m is Record<string, unknown> & Message {
  return (
    m.v === ENVELOPE_VERSION &&
    typeof m.kind === 'string' &&
    KINDS.has(m.kind) &&
    typeof m.id === 'string' &&
    UUID.test(m.id) &&
    typeof m.from === 'string' &&
    typeof m.to === 'string' &&
    typeof m.sentAt === 'number' &&
    Number.isFinite(m.sentAt) &&
    (m.inReplyTo === undefined || (typeof m.inReplyTo === 'string' && UUID.test(m.inReplyTo))) &&
    'body' in m &&
    (m.sealed === undefined || isSealed(m.sealed))
  );
}

function isSealed(v: unknown): v is SealedMaterial {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return [s.epk, s.iv, s.ct, s.tag].every((x) => typeof x === 'string' && B64U.test(x));
}
