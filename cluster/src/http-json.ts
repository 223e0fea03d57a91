import { request, type Agent } from 'node:http';

export interface JsonResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

export interface JsonRequestOptions {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly body?: unknown;
  /** Whole exchange, connect to last byte. */
  readonly timeoutMs?: number;
  readonly agent?: Agent;
  /** Extra request headers. */
  readonly headers?: Record<string, string>;
}

/**
 * One small JSON exchange with a Trent process (health, status, clock). Rejects on network
 * failure or timeout; any HTTP status resolves. A body that is not JSON resolves as its text.
 */
export function requestJson<T = unknown>(url: string, options: JsonRequestOptions = {}): Promise<JsonResponse<T>> {
  const { method = 'GET', body, timeoutMs = 2_000, agent, headers } = options;
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: agent ?? false,
        headers: {
          ...headers,
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
        },
      },
      (res) => {
        const chunks: Uint8Array[] = [];
        res.on('data', (chunk: Uint8Array) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text.length > 0 ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON: hand back the text.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(payload);
  });
}
