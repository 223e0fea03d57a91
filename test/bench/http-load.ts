import autocannon = require('autocannon');
import { Agent, request as httpRequest } from 'node:http';
import type { SignedRequest } from './signed-request-recorder';

export interface LoadRun {
  url: string;
  requests: readonly SignedRequest[];
  connections: number;
  durationS: number;
}

export interface LoadResult {
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses of any status. */
  completed: number;
  non2xx: number;
  /** Socket errors and timeouts (autocannon counts a timeout as an error too). */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  elapsedS: number;
}

/** Stops the load generator in flight, if any (Ctrl-C, the bench's deadline). */
let inFlight: autocannon.Instance | undefined;
export function stopLoad(): void {
  inFlight?.stop();
}

/**
 * Replays `requests` over `connections` keep-alive connections for `durationS` seconds, every
 * connection cycling through the list. autocannon serialises each request once, before the run,
 * so the generator only writes bytes and parses replies while it measures.
 */
export function runLoad(run: LoadRun): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    inFlight = autocannon(
      {
        url: run.url,
        connections: run.connections,
        duration: run.durationS,
        pipelining: 1,
        timeout: 10,
        requests: run.requests.map(toAutocannonRequest),
      },
      (err, r) => {
        inFlight = undefined;
        if (err) return reject(err);
        const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count]));
        resolve({
          requestsPerS: r.requests.average,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          completed: r.requests.total,
          non2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
          statusCodes,
          elapsedS: r.duration,
        });
      },
    );
  });
}

function toAutocannonRequest(req: SignedRequest): autocannon.Request {
  // autocannon writes Content-Length and Connection itself; a second Content-Length would be a
  // malformed request. The value it writes is the body length, the same one the SDK signed.
  const { 'content-length': declared, connection: _connection, ...headers } = req.headers;
  if (declared !== undefined && Number(declared) !== req.body.length) throw new Error(`signed content-length ${declared} is not the body length ${req.body.length}`);
  return { method: req.method, path: req.path, headers, body: req.body };
}

export interface Reply {
  status: number;
  body: Buffer;
}

/**
 * Sends every request once, a few at a time, and returns the problems `check` finds (empty when
 * all replies are right). Run before measuring: a benchmark of error replies measures nothing.
 */
export async function verifyEach(url: string, requests: readonly SignedRequest[], check: (reply: Reply, i: number) => string | undefined): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const problems: string[] = [];
  try {
    await Promise.all(
      requests.map(async (req, i) => {
        let problem: string | undefined;
        try {
          problem = check(await send(url, req, agent), i);
        } catch (e) {
          problem = (e as Error).message;
        }
        if (problem !== undefined) problems.push(`request ${i}: ${problem}`);
      }),
    );
  } finally {
    agent.destroy();
  }
  return problems;
}

function send(url: string, req: SignedRequest, agent: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(req.path, url);
    const out = httpRequest(target, { method: req.method, headers: req.headers, agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('timeout', () => out.destroy(new Error('no reply within 10 s')));
    out.on('error', reject);
    out.end(req.body);
  });
}
