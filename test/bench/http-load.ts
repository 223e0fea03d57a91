import autocannon = require('autocannon');
import { Agent, request as httpRequest } from 'node:http';
import type { SignedRequest } from './signed-request-recorder';

export interface LoadRun {
  url: string;
  requests: readonly SignedRequest[];
  connections: number;
  durationS: number;
}

/** One stretch of load against one server; slices of the same case are merged by `mergeSlices`. */
export interface LoadSlice {
  url: string;
  connections: number;
  raw: autocannon.RawResult;
  /** CPU seconds this process (the load generator) used during the slice. */
  generatorCpuS: number;
}

export interface LoadResult {
  /** Replies of any status per second of load. */
  requestsPerS: number;
  /** Milliseconds, whole (autocannon's resolution), over 2xx replies only. */
  p50Ms: number;
  p99Ms: number;
  /** Replies of any status. */
  completed: number;
  non2xx: number;
  /** Socket errors and timeouts (autocannon counts a timeout as an error too). */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  elapsedS: number;
  /**
   * The load generator's CPU time over the elapsed time, in cores. Near 1 the generator, not the
   * server, may be what limits the rate: it runs on one thread.
   */
  generatorCores: number;
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
export function runSlice(run: LoadRun): Promise<LoadSlice> {
  return runAutocannon({ urls: [run.url], connections: run.connections, durationS: run.durationS, requests: run.requests.map(toAutocannonRequest) });
}

/**
 * One slice of load for every case of the bench: keep-alive connections (connection i goes to
 * urls[i % urls.length]), one request in flight per connection, for `durationS` seconds;
 * `stopLoad()` ends it early.
 */
export function runAutocannon(run: { urls: readonly string[]; connections: number; durationS: number; requests: autocannon.Request[] }): Promise<LoadSlice> {
  const url = run.urls.join(' ');
  return new Promise((resolve, reject) => {
    const cpuAtStart = process.cpuUsage();
    inFlight = autocannon(
      {
        url: run.urls.length === 1 ? run.urls[0] : [...run.urls],
        connections: run.connections,
        duration: run.durationS,
        pipelining: 1,
        // autocannon notices the end of a run on its next sample tick; at the default 1 s a 2 s
        // slice could run 3 s. Rates are computed from totals, so the finer ticks cost nothing.
        sampleInt: 100,
        timeout: 10,
        requests: run.requests,
        skipAggregateResult: true,
      },
      (err, raw) => {
        inFlight = undefined;
        if (err) reject(err);
        else resolve({ url, connections: run.connections, raw, generatorCpuS: cpuSeconds(process.cpuUsage(cpuAtStart)) });
      },
    );
  });
}

/** One result for several slices: counts summed, latency histograms merged, rate over the summed time. */
export function mergeSlices(slices: readonly LoadSlice[]): LoadResult {
  if (slices.length === 0) throw new Error('no slices to merge');
  const elapsedS = slices.reduce((t, s) => t + s.raw.duration, 0);
  const completed = slices.reduce((n, s) => n + s.raw.totalCompletedRequests, 0);
  // aggregateResult folds the others into its first argument, status counts included, so it gets copies.
  const merged = autocannon.aggregateResult(
    slices.map((s) => ({ ...s.raw, statusCodeStats: structuredClone(s.raw.statusCodeStats) })),
    { url: slices[0]!.url, connections: slices[0]!.connections },
  );
  return {
    requestsPerS: completed / elapsedS,
    p50Ms: merged.latency.p50,
    p99Ms: merged.latency.p99,
    completed,
    non2xx: merged.non2xx,
    errors: merged.errors,
    timeouts: merged.timeouts,
    statusCodes: Object.fromEntries(Object.entries(merged.statusCodeStats).map(([code, st]) => [code, st.count])),
    elapsedS,
    generatorCores: slices.reduce((t, s) => t + s.generatorCpuS, 0) / elapsedS,
  };
}

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

export function sliceRate(slice: LoadSlice): number {
  return slice.raw.totalCompletedRequests / slice.raw.duration;
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
