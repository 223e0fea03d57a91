/**
 * The few pieces of DER (ITU-T X.690 §10) Trent writes or inspects itself: key containers OpenSSL 3.0
 * cannot handle (ML-DSA) and the algorithm identifiers of keys it is handed. Single-byte tags only;
 * lengths must be in minimal definite form, so every value has exactly one accepted encoding.
 */

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  /** [0] IMPLICIT, primitive. */
  CONTEXT_0: 0x80,
} as const;

export class DerError extends Error {
  override name = 'DerError';
}

/** One TLV; `content` is a view into the input, `start`/`end` the offsets of its first byte and just past it. */
export interface Tlv {
  tag: number;
  content: Buffer;
  start: number;
  end: number;
}

/** Reads the TLV at `offset`; throws `DerError` on a truncated, multi-byte-tag or non-minimal encoding. */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  if (offset + 2 > buf.length) throw new DerError('truncated');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let length = buf[offset + 1];
  let at = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER');
    if (count > 4) throw new DerError('length too large');
    if (at + count > buf.length) throw new DerError('truncated');
    if (buf[at] === 0) throw new DerError('non-minimal length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[at + i];
    if (length < 0x80) throw new DerError('non-minimal length');
    at += count;
  }
  if (at + length > buf.length) throw new DerError('truncated');
  return { tag, content: buf.subarray(at, at + length), start: offset, end: at + length };
}

/** Reads the single TLV that must make up all of `buf`, with tag `tag`. */
export function readWhole(buf: Buffer, tag: number): Buffer {
  const tlv = readTlv(buf);
  if (tlv.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  if (tlv.end !== buf.length) throw new DerError('trailing bytes');
  return tlv.content;
}

/** The TLVs that make up a constructed value's content, in order. */
export function readChildren(content: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < content.length; ) {
    const tlv = readTlv(content, at);
    out.push(tlv);
    at = tlv.end;
  }
  return out;
}

export function encodeTlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  let head: number[];
  if (n < 0x80) head = [tag, n];
  else if (n < 0x100) head = [tag, 0x81, n];
  else if (n < 0x10000) head = [tag, 0x82, n >> 8, n & 0xff];
  else if (n < 0x1000000) head = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  else throw new RangeError('DER value too long');
  return Buffer.concat([Buffer.from(head), content]);
}

export const encodeSequence = (...children: Uint8Array[]): Buffer => encodeTlv(TAG.SEQUENCE, Buffer.concat(children));

/** A non-negative INTEGER small enough for a JS number (versions). */
export function encodeSmallInteger(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative integer: ${n}`);
  const bytes: number[] = [];
  do {
    bytes.unshift(n % 256);
    n = Math.floor(n / 256);
  } while (n > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return encodeTlv(TAG.INTEGER, Buffer.from(bytes));
}

/** The value of a small non-negative INTEGER's content; `undefined` if negative, non-minimal or too large. */
export function decodeSmallInteger(content: Buffer): number | undefined {
  if (content.length === 0 || content.length > 6 || content[0] & 0x80) return undefined;
  if (content.length > 1 && content[0] === 0 && !(content[1] & 0x80)) return undefined;
  let n = 0;
  for (const b of content) n = n * 256 + b;
  return n;
}

/** Encodes a dotted OID such as `2.16.840.1.101.3.4.3.17` (X.690 §8.19). */
export function encodeOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((s) => {
    if (!/^(0|[1-9][0-9]*)$/.test(s)) throw new RangeError(`bad OID ${dotted}`);
    return BigInt(s);
  });
  if (arcs.length < 2 || arcs[0] > 2n || (arcs[0] < 2n && arcs[1] > 39n)) throw new RangeError(`bad OID ${dotted}`);
  const subs = [arcs[0] * 40n + arcs[1], ...arcs.slice(2)];
  const bytes: number[] = [];
  for (const sub of subs) {
    const group = [Number(sub & 0x7fn)];
    for (let v = sub >> 7n; v > 0n; v >>= 7n) group.unshift(Number(v & 0x7fn) | 0x80);
    bytes.push(...group);
  }
  return encodeTlv(TAG.OID, Buffer.from(bytes));
}

/** Dotted form of an OID's content; throws `DerError` on a non-minimal or truncated sub-identifier. */
export function decodeOid(content: Buffer): string {
  if (content.length === 0) throw new DerError('empty OID');
  const subs: bigint[] = [];
  let v = 0n;
  let fresh = true;
  for (const b of content) {
    if (fresh && b === 0x80) throw new DerError('non-minimal OID sub-identifier');
    v = (v << 7n) | BigInt(b & 0x7f);
    fresh = !(b & 0x80);
    if (fresh) {
      subs.push(v);
      v = 0n;
    }
  }
  if (!fresh) throw new DerError('truncated OID');
  const first = subs[0] < 80n ? [subs[0] / 40n, subs[0] % 40n] : [2n, subs[0] - 80n];
  return [...first, ...subs.slice(1)].join('.');
}

/** An AlgorithmIdentifier (RFC 5280 §4.1.1.2): its OID and, if present, its parameters as raw DER. */
export interface AlgorithmIdentifier {
  oid: string;
  parameters?: Buffer;
}

function readAlgorithmIdentifier(tlv: Tlv): AlgorithmIdentifier {
  if (tlv.tag !== TAG.SEQUENCE) throw new DerError('AlgorithmIdentifier is not a SEQUENCE');
  const parts = readChildren(tlv.content);
  if (parts.length < 1 || parts.length > 2 || parts[0].tag !== TAG.OID) throw new DerError('malformed AlgorithmIdentifier');
  const oid = decodeOid(parts[0].content);
  return parts.length === 1 ? { oid } : { oid, parameters: tlv.content.subarray(parts[1].start, parts[1].end) };
}

/** SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). `publicKey` is the BIT STRING's bits; unused bits must be 0. */
export interface SubjectPublicKeyInfo {
  algorithm: AlgorithmIdentifier;
  publicKey: Buffer;
}

export function parseSpki(der: Buffer): SubjectPublicKeyInfo {
  const parts = readChildren(readWhole(der, TAG.SEQUENCE));
  if (parts.length !== 2 || parts[1].tag !== TAG.BIT_STRING) throw new DerError('malformed SubjectPublicKeyInfo');
  const bits = parts[1].content;
  if (bits.length < 1 || bits[0] !== 0) throw new DerError('public key BIT STRING has unused bits');
  return { algorithm: readAlgorithmIdentifier(parts[0]), publicKey: bits.subarray(1) };
}

export function encodeSpki(algorithmOid: string, publicKey: Uint8Array): Buffer {
  return encodeSequence(encodeSequence(encodeOid(algorithmOid)), encodeTlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), publicKey])));
}

/**
 * PrivateKeyInfo (RFC 5208 §5) or OneAsymmetricKey (RFC 5958 §2), version 0 or 1. `privateKey` is the
 * OCTET STRING's content; `extra` holds any attributes or public key that follow, unparsed.
 */
export interface PrivateKeyInfo {
  algorithm: AlgorithmIdentifier;
  privateKey: Buffer;
  extra: Tlv[];
}

export function parsePkcs8(der: Buffer): PrivateKeyInfo {
  const parts = readChildren(readWhole(der, TAG.SEQUENCE));
  if (parts.length < 3 || parts[0].tag !== TAG.INTEGER || parts[2].tag !== TAG.OCTET_STRING) throw new DerError('malformed PrivateKeyInfo');
  const version = decodeSmallInteger(parts[0].content);
  if (version !== 0 && version !== 1) throw new DerError(`unsupported PrivateKeyInfo version ${version}`);
  return { algorithm: readAlgorithmIdentifier(parts[1]), privateKey: parts[2].content, extra: parts.slice(3) };
}

/** Version 0 with no attributes: the only shape Trent writes itself. */
export function encodePkcs8(algorithmOid: string, privateKey: Uint8Array): Buffer {
  return encodeSequence(encodeSmallInteger(0), encodeSequence(encodeOid(algorithmOid)), encodeTlv(TAG.OCTET_STRING, privateKey));
}
