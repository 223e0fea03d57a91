import * as nodeCrypto from 'node:crypto';
import { asBytes } from './bytes';

/**
 * The pieces of a SigV4 canonical request, built from the request as it arrived on the wire
 * ("Create a canonical request", AWS SigV4 docs):
 *
 *   METHOD \n URI \n QUERY \n name:value \n ... \n \n signed;headers \n payload-hash
 */

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** [name, value] pairs, percent-decoded, in the order they arrived. */
export type QueryPairs = ReadonlyArray<readonly [string, string]>;

export function buildCanonicalRequest(parts: {
  method: string;
  path: string;
  query: QueryPairs;
  headers: HeaderBag;
  signedHeaders: readonly string[];
  payloadHash: string;
  omitSignatureParam: boolean;
}): string {
  const headerLines = parts.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(parts.headers[name])}\n`).join('');
  return [
    parts.method,
    canonicalUri(parts.path),
    canonicalQueryString(parts.query, parts.omitSignatureParam),
    headerLines,
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

/**
 * Every service but S3 signs the path normalised (empty, '.' and '..' segments resolved) and
 * URI-encoded once more on top of the encoding it had on the wire: '/a%20b' signs as '/a%2520b'.
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '/' || rawPath === '') return '/';
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(segment));
  }
  if (segments.length === 0) return '/';
  return `/${segments.join('/')}${rawPath.endsWith('/') ? '/' : ''}`;
}

/** Sorted by encoded name, then encoded value; every name and value RFC 3986-encoded. */
export function canonicalQueryString(query: QueryPairs, omitSignatureParam: boolean): string {
  const encoded: Array<readonly [string, string]> = [];
  for (const [name, value] of query) {
    if (omitSignatureParam && name === 'X-Amz-Signature') continue;
    encoded.push([uriEncode(name), uriEncode(value)]);
  }
  encoded.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return encoded.map(([name, value]) => `${name}=${value}`).join('&');
}

/**
 * Values trimmed, every run of whitespace made one space; a header sent several times (an array,
 * as Node's `headersDistinct` gives) is joined with ','. A signed header that is absent signs as
 * empty and so fails the comparison, as at AWS.
 */
export function canonicalHeaderValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map(trimAll).join(',');
  return trimAll(value);
}

export function parseQuery(rawQuery: string): QueryPairs {
  if (rawQuery === '') return [];
  const pairs: Array<readonly [string, string]> = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? '' : piece.slice(eq + 1);
    pairs.push([percentDecode(name), percentDecode(value)]);
  }
  return pairs;
}

// One-shot hashing (Node >= 20.12) creates no Hash object per call: this runs twice per request.
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: string | Uint8Array, enc: 'hex') => string }).hash;

export function sha256Hex(data: string | Buffer): string {
  const bytes = typeof data === 'string' ? data : asBytes(data);
  return oneShotHash ? oneShotHash('sha256', bytes, 'hex') : nodeCrypto.createHash('sha256').update(bytes).digest('hex');
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

/** RFC 3986 percent-encoding: only A-Z a-z 0-9 - _ . ~ stay as they are; hex digits upper case. */
export function uriEncode(text: string): string {
  if (UNRESERVED.test(text)) return text;
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const isUnreserved =
      (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) ||
      byte === 0x2d || byte === 0x5f || byte === 0x2e || byte === 0x7e;
    out += isUnreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape is signed as it came; the signature then decides.
    return text;
  }
}

function trimAll(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}
