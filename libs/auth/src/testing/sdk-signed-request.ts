import { randomUUID } from 'node:crypto';
import { Sha256Js } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import type { IncomingSignedRequest } from '../sigv4-verifier';

/**
 * Requests signed by the AWS SDK's own signer (@smithy/signature-v4, with the SDK's pure-JS
 * SHA-256), shaped like the SDK's KMS requests: the independent reference the verifier is
 * tested against. Test use only.
 */

/** 2025-05-14T12:00:00Z, the instant every fixture request is signed at unless told otherwise. */
export const SIGNED_AT = Date.UTC(2025, 4, 14, 12, 0, 0);
export const DEV_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

export interface KmsRequestShape {
  target?: string;
  body?: string;
  host?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
}

/** POST / with the headers @aws-sdk/client-kms sends, before signing adds x-amz-date and the rest. */
export function kmsRequest(shape: KmsRequestShape = {}): HttpRequest {
  const body = shape.body ?? '{"KeyId":"alias/app","Plaintext":"aGVsbG8="}';
  const host = shape.host ?? 'localhost:4567';
  const [hostname, port] = host.split(':') as [string, string | undefined];
  return new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname,
    port: port === undefined ? undefined : Number(port),
    path: shape.path ?? '/',
    query: shape.query ?? {},
    headers: {
      host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': shape.target ?? 'TrentService.Encrypt',
      'x-amz-user-agent': 'aws-sdk-js/3.1164.0 ua/2.1 os/linux#6.8 lang/js md/nodejs#20.19.0 api/kms#3.1164.0',
      'user-agent': 'aws-sdk-js/3.1164.0 ua/2.1 os/linux#6.8 lang/js md/nodejs#20.19.0 api/kms#3.1164.0 m/E',
      'amz-sdk-invocation-id': randomUUID(),
      'amz-sdk-request': 'attempt=1; max=3',
      'content-length': String(Buffer.byteLength(body)),
      ...shape.headers,
    },
    body,
  });
}

export interface SigningOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  service?: string;
  signedAt?: number;
  /** The JS SDK adds x-amz-content-sha256 to every request; botocore does not. Default true. */
  applyChecksum?: boolean;
}

function signer(o: SigningOptions): SignatureV4 {
  return new SignatureV4({
    credentials: o.credentials ?? DEV_CREDENTIALS,
    region: o.region ?? 'eu-west-1',
    service: o.service ?? 'kms',
    sha256: Sha256Js,
    applyChecksum: o.applyChecksum ?? true,
  });
}

/** Header-signed, as every AWS SDK sends KMS calls. */
export async function signWithHeader(request: HttpRequest, o: SigningOptions = {}): Promise<IncomingSignedRequest> {
  const signed = await signer(o).sign(request, { signingDate: new Date(o.signedAt ?? SIGNED_AT) });
  return toIncoming(signed as HttpRequest);
}

/** Query-signed; x-amz-target and x-amz-user-agent stay headers so the request still reads as KMS. */
export async function presign(
  request: HttpRequest,
  o: SigningOptions & { expiresIn?: number; payload?: 'body' | 'unsigned' } = {},
): Promise<IncomingSignedRequest> {
  // The SDK presigner signs the body's hash when it can hash the body, UNSIGNED-PAYLOAD when it
  // cannot (a stream); an object stands in for a stream.
  const toSign = o.payload === 'unsigned' ? HttpRequest.clone({ ...request, body: {} }) : request;
  const signed = await signer(o).presign(toSign, {
    signingDate: new Date(o.signedAt ?? SIGNED_AT),
    expiresIn: o.expiresIn ?? 900,
    unhoistableHeaders: new Set(['x-amz-target', 'x-amz-user-agent']),
  });
  return toIncoming({ ...signed, body: request.body } as HttpRequest);
}

/** What a Node http server would hand the verifier for this request. */
export function toIncoming(request: HttpRequest): IncomingSignedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  const query = Object.entries(request.query ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value ?? '']).map((v) => `${wireEncode(name)}=${wireEncode(v)}`))
    .join('&');
  const raw: unknown = request.body;
  // The SDK hands its handler a byte array (wrapped so string methods still work); fixtures use strings.
  const body = raw === undefined ? Buffer.alloc(0) : raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) : Buffer.from(String(raw));
  return { method: request.method, url: query === '' ? request.path : `${request.path}?${query}`, headers, body };
}

function wireEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
