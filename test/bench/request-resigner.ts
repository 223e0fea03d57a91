import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { SignedRequest } from './signed-request-recorder';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/;

/**
 * Turns one request recorded from the SDK into as many distinct writes as a load run needs: every
 * call gets a fresh `amz-sdk-invocation-id` and the current `x-amz-date`, and is signed again.
 *
 * A node applies a write once per request id (access key + invocation id, which the SDK signs), so
 * replaying one signed request measures the session table, not writes; and signing each request
 * through the SDK costs ~0.7 ms, more than a write itself. Here the method, path, body, its hash
 * and every other header stay the recorded ones, the signing key is derived once per day, and each
 * request costs one SHA-256 and one HMAC (a few microseconds). `check()` proves, before a run, that
 * this signer and the SDK's agree to the byte on the recorded request.
 */
export class RequestResigner {
  private readonly accessKeyId: string;
  private readonly region: string;
  private readonly service: string;
  private readonly signedHeaders: readonly string[];
  private readonly payloadHash: string;
  private signingDay = '';
  private signingKey: Buffer = Buffer.alloc(0);
  private dateSecond = -1;
  private amzDate = '';

  constructor(
    private readonly template: SignedRequest,
    private readonly secretAccessKey: string,
  ) {
    const m = AUTHORIZATION.exec(template.headers.authorization ?? '');
    if (!m) throw new Error(`not a SigV4 header-signed request: authorization '${template.headers.authorization}'`);
    [, this.accessKeyId, , this.region, this.service] = m as unknown as [string, string, string, string, string];
    this.signedHeaders = m[5]!.split(';');
    // The path is signed as sent: fine for KMS's '/', wrong for a path that needs URI-encoding.
    if (!/^\/[\w.~-]*$/.test(template.path)) throw new Error(`the resigner signs plain paths only, got '${template.path}'`);
    for (const name of ['amz-sdk-invocation-id', 'x-amz-date', 'host']) {
      if (!this.signedHeaders.includes(name)) throw new Error(`the recorded request does not sign ${name}`);
    }
    this.payloadHash = createHash('sha256').update(template.body).digest('hex');
    if (template.headers['x-amz-content-sha256'] !== undefined && template.headers['x-amz-content-sha256'] !== this.payloadHash) {
      throw new Error('x-amz-content-sha256 of the recorded request is not the hash of its body');
    }
  }

  /** The recorded body, sent unchanged with every copy. */
  get body(): Buffer {
    return this.template.body;
  }

  /** Headers of a new request: a fresh invocation id (or the one given), dated now (or at `at`), signed. */
  headers(invocationId: string = randomUUID(), at: number = Date.now()): Record<string, string> {
    const amzDate = this.dateOf(at);
    const headers: Record<string, string> = { ...this.template.headers, 'amz-sdk-invocation-id': invocationId, 'x-amz-date': amzDate };
    const day = amzDate.slice(0, 8);
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    let canonical = `${this.template.method}\n${this.template.path}\n\n`;
    for (const name of this.signedHeaders) canonical += `${name}:${(headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`;
    canonical += `\n${this.signedHeaders.join(';')}\n${this.payloadHash}`;
    const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const signature = createHmac('sha256', this.keyFor(day)).update(stringToSign).digest('hex');
    headers.authorization = `${ALGORITHM} Credential=${this.accessKeyId}/${scope}, SignedHeaders=${this.signedHeaders.join(';')}, Signature=${signature}`;
    return headers;
  }

  /**
   * undefined when signing the recorded request again, with its own invocation id and date, gives
   * the SDK's very authorization header; else what differs. Run once before the signer is used.
   */
  check(): string | undefined {
    const t = this.template.headers;
    const at = parseAmzDate(t['x-amz-date'] ?? '');
    const mine = this.headers(t['amz-sdk-invocation-id'], at).authorization;
    return mine === t.authorization ? undefined : `the bench's SigV4 signer disagrees with the SDK's: '${mine}' vs '${t.authorization}'`;
  }

  private dateOf(at: number): string {
    const second = Math.floor(at / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.amzDate = new Date(second * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    }
    return this.amzDate;
  }

  private keyFor(day: string): Buffer {
    if (day !== this.signingDay) {
      const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
      this.signingKey = hmac(hmac(hmac(hmac(`AWS4${this.secretAccessKey}`, day), this.region), this.service), 'aws4_request');
      this.signingDay = day;
    }
    return this.signingKey;
  }
}

function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new Error(`x-amz-date '${text}' is not YYYYMMDDTHHMMSSZ`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}
