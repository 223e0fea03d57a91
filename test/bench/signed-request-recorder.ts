import { KMSClient } from '@aws-sdk/client-kms';
import type { HttpRequest } from '@smithy/core/protocols';

/** One request exactly as the SDK would put it on the wire, ready to replay. */
export interface SignedRequest {
  method: string;
  path: string;
  /** Lower-case names as the SDK sets them, host and authorization included. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Sends one command with the client it is given, e.g. `(kms) => kms.send(new EncryptCommand(input))`. */
export type KmsCall = (kms: KMSClient) => Promise<unknown>;

const CAPTURED = new Error('captured by SignedRequestRecorder');

/**
 * Runs commands through @aws-sdk/client-kms's own middleware (serialiser, content length,
 * user agent, invocation id, SigV4 signer) and keeps the finished request instead of sending it.
 * The requests are then byte for byte what the SDK would send, and signing costs nothing during
 * a measurement.
 */
export class SignedRequestRecorder {
  private readonly client: KMSClient;
  private last: SignedRequest | undefined;

  constructor(endpoint: string, region: string, credentials: { accessKeyId: string; secretAccessKey: string }) {
    this.client = new KMSClient({
      region,
      endpoint,
      credentials,
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: HttpRequest) => {
          this.last = fromSdkRequest(request);
          throw CAPTURED;
        },
      },
    });
  }

  async record(call: KmsCall): Promise<SignedRequest> {
    this.last = undefined;
    try {
      await call(this.client);
    } catch (e) {
      if (e !== CAPTURED || this.last === undefined) throw e;
      return this.last;
    }
    throw new Error('the SDK finished a command without calling the request handler');
  }

  /** `count` requests, one SDK call each (so each has its own invocation id, date and signature). */
  async recordMany(count: number, call: (kms: KMSClient, i: number) => Promise<unknown>): Promise<SignedRequest[]> {
    const out: SignedRequest[] = [];
    // Sequential on purpose: `last` belongs to one call at a time.
    for (let i = 0; i < count; i++) out.push(await this.record((kms) => call(kms, i)));
    return out;
  }

  destroy(): void {
    this.client.destroy();
  }
}

function fromSdkRequest(request: HttpRequest): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  const raw: unknown = request.body;
  // The SDK's body is a Uint8Array subclass that warns when read as a string: copy its bytes through a plain view.
  const body =
    raw === undefined ? Buffer.alloc(0) : raw instanceof Uint8Array ? Buffer.from(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)) : Buffer.from(String(raw), 'utf8');
  const query = Object.keys(request.query ?? {}).length;
  if (query > 0) throw new Error('KMS requests carry no query string; the recorder does not serialise one');
  return { method: request.method, path: request.path, headers, body };
}
