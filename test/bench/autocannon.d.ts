// The part of autocannon 8's programmatic API the benchmark uses; the package ships no types.
declare module 'autocannon' {
  import { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /**
       * Called before every send of this request with a copy of it; what it returns is sent (a
       * request with this hook is serialised on every send, not once up front).
       */
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request;
      /** Called with every reply to this request; the body is the whole reply body as text. */
      onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>) => void;
    }

    interface Options {
      /** Several URLs: connection i goes to url[i % url.length]. */
      url: string | string[];
      connections?: number;
      /** Seconds. */
      duration?: number;
      pipelining?: number;
      /** Milliseconds between samples; a run also ends only on one of these ticks. Default 1000. */
      sampleInt?: number;
      /** Seconds before a request counts as a timeout (and an error). */
      timeout?: number;
      /** Every connection cycles through these in order; each is serialised once, up front. */
      requests?: Request[];
      /** Hand back the raw result (encoded histograms), to be merged later with aggregateResult. */
      skipAggregateResult?: boolean;
    }

    /** What a run hands back with skipAggregateResult; opaque apart from these fields. */
    interface RawResult {
      /** Seconds actually elapsed, rounded to 10 ms. */
      duration: number;
      totalCompletedRequests: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
    }

    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
      p99_9: number;
    }

    interface Result {
      /** Seconds actually elapsed. */
      duration: number;
      /** Connection errors and timeouts. */
      errors: number;
      timeouts: number;
      /** Responses whose status is not 2xx. */
      non2xx: number;
      '2xx': number;
      statusCodeStats: Record<string, { count: number }>;
      /** Milliseconds, whole; 2xx responses only. */
      latency: Histogram;
      /** Per-second samples; `average` is the usual requests/s figure. */
      requests: Histogram & { sent: number };
      throughput: Histogram;
    }

    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(opts: autocannon.Options & { skipAggregateResult: true }, done: (err: Error | null, result: autocannon.RawResult) => void): autocannon.Instance;
  function autocannon(opts: autocannon.Options, done: (err: Error | null, result: autocannon.Result) => void): autocannon.Instance;

  namespace autocannon {
    /** Merges raw results: counts are summed and latency histograms combined (exact percentiles). */
    function aggregateResult(results: RawResult[], opts: Options): Result;
  }

  export = autocannon;
}
