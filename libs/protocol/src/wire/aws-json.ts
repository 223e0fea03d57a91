import { KmsError } from '../errors/kms-error';

export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'TrentService.';

/** X-Amz-Target → operation name. Which names exist is the caller's business. */
export function parseTarget(header: string | string[] | undefined): string {
  const target = Array.isArray(header) ? header[0] : header;
  if (!target || !target.startsWith(TARGET_PREFIX) || target.length === TARGET_PREFIX.length) {
    throw new KmsError('UnknownOperationException', '');
  }
  return target.slice(TARGET_PREFIX.length);
}

// Fatal: bytes that are not UTF-8 are a broken body, not text to patch up with U+FFFD (which would
// let a garbled request through as a different, valid one). A BOM is kept, so JSON.parse refuses it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The request body as a JSON value; an empty body is `{}` (AWS clients send `{}` for no input). */
export function parseJsonBody(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) return {};
  try {
    return JSON.parse(UTF8.decode(body));
  } catch {
    throw new KmsError('SerializationException', 'Start of structure or map found where not expected.');
  }
}

/** Response JSON: blobs (Buffers) become base64, as the AWS JSON protocol sends them. */
export function serializeResponse(output: Record<string, unknown>): string {
  return JSON.stringify(encodeBlobs(output));
}

// Converts before stringify: Buffer.toJSON would first turn every blob into an array of numbers.
function encodeBlobs(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(encodeBlobs);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeBlobs(v);
    return out;
  }
  return value;
}

/** Status, headers and body of an AWS error reply. */
export function errorReply(error: KmsError): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: error.httpStatus,
    headers: { 'content-type': AWS_JSON_CONTENT_TYPE, 'x-amzn-errortype': error.code },
    body: JSON.stringify(error.toBody()),
  };
}
