import { LoadResult, LoadSlice, mergeSlices, Reply, runSlice, verifyEach } from './http-load';
import type { SignedRequest } from './signed-request-recorder';

// Trent accepts an x-amz-date up to 15 minutes old. A pool is re-signed before a slice unless every
// signature in it stays current through the slice with this much to spare.
const SIGNATURE_LIFETIME_MS = 15 * 60_000;
const SIGNATURE_MARGIN_MS = 2 * 60_000;

/** A pool of signed requests for one kind of call, re-signed when its signatures would expire mid-slice. */
export class SignedPool {
  private requests: SignedRequest[] = [];
  private signedAt = 0;
  /** Bumped on every signing, so each user can check the new requests once. */
  generation = 0;

  constructor(private readonly sign: () => Promise<SignedRequest[]>) {}

  async currentFor(ms: number): Promise<SignedRequest[]> {
    if (this.requests.length === 0 || Date.now() + ms + SIGNATURE_MARGIN_MS > this.signedAt + SIGNATURE_LIFETIME_MS) {
      this.signedAt = Date.now(); // Invariant: no request in the pool is dated before signedAt.
      this.requests = await this.sign();
      this.generation++;
    }
    return this.requests;
  }
}

/** undefined when `reply` is the right answer to `request` (the i-th of its pool). */
export type ReplyCheck = (reply: Reply, request: SignedRequest, i: number) => string | undefined;

/**
 * One row of the benchmark: a server, the pool of requests replayed against it, and the slices
 * measured so far. Before the first slice after each signing, every request in the pool is sent
 * once and its reply checked; a case whose replies are wrong is not measured at all, since a
 * benchmark of error replies measures nothing.
 */
export class LoadCase {
  readonly slices: LoadSlice[] = [];
  readonly problems: string[] = [];
  private verifiedGeneration = 0;

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly pool: SignedPool,
    private readonly check: ReplyCheck,
    private readonly connections: number,
    private readonly progress: (line: string) => void,
  ) {}

  get failed(): boolean {
    return this.problems.length > 0;
  }

  /** The slices so far as one result; NaN rates and no replies when none was measured. */
  result(): LoadResult {
    if (this.slices.length > 0) return mergeSlices(this.slices);
    return { requestsPerS: NaN, p50Ms: NaN, p99Ms: NaN, completed: 0, non2xx: 0, errors: 0, timeouts: 0, statusCodes: {}, elapsedS: 0, generatorCores: NaN };
  }

  /** Unmeasured load; also the first check of the replies. */
  async warmUp(seconds: number): Promise<void> {
    const requests = await this.checkedRequests(seconds);
    if (requests && seconds > 0) await runSlice({ url: this.url, requests, connections: this.connections, durationS: seconds });
  }

  /** One measured slice, kept; undefined when the case has failed its checks. */
  async measure(seconds: number): Promise<LoadSlice | undefined> {
    const requests = await this.checkedRequests(seconds);
    if (!requests) return undefined;
    const slice = await runSlice({ url: this.url, requests, connections: this.connections, durationS: seconds });
    this.slices.push(slice);
    return slice;
  }

  private async checkedRequests(seconds: number): Promise<SignedRequest[] | undefined> {
    if (this.failed) return undefined;
    // 30 s on top for the reply checks that may come first.
    const requests = await this.pool.currentFor(seconds * 1000 + 30_000);
    if (this.pool.generation !== this.verifiedGeneration) {
      this.verifiedGeneration = this.pool.generation;
      const problems = await verifyEach(this.url, requests, (reply, i) => this.check(reply, requests[i]!, i));
      this.problems.push(...problems);
      if (this.failed) {
        this.progress(`!!! ${this.name}: ${problems.length} of ${requests.length} replies are wrong; NOT measuring it. First: ${problems.slice(0, 3).join(' | ')}`);
        return undefined;
      }
    }
    return requests;
  }
}

/**
 * Ratios of a case's slices to the baseline's, for a case run as baseline, case, baseline, case, …,
 * baseline: slice r of the case divided by the mean of the baseline slices just before and after it
 * (so `baseline` has one more entry than `rates`), which cancels a machine's drift to first order.
 */
export function interleavedRatios(rates: readonly number[], baseline: readonly number[]): number[] {
  return rates.map((rate, r) => rate / ((baseline[r]! + baseline[r + 1]!) / 2));
}

/** Parses a 200 JSON reply and runs field checks, each `true` or a description of what is wrong. */
export function expectFields(reply: Reply, fields: (body: Record<string, unknown>) => Array<true | string>): string | undefined {
  const text = reply.body.toString('utf8');
  if (reply.status !== 200) return `HTTP ${reply.status}: ${text.slice(0, 200)}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `not JSON: ${text.slice(0, 200)}`;
  }
  const wrong = fields(body).filter((f): f is string => f !== true);
  return wrong.length > 0 ? wrong.join(', ') : undefined;
}

/** A base64 blob of exactly `bytes` bytes, or of `min` to `max` (a DER-encoded ECDSA signature varies). */
export function blobLength(value: unknown, bytes: number | { min: number; max: number }): true | string {
  if (typeof value !== 'string') return `expected a base64 blob, got ${typeof value}`;
  const got = Buffer.from(value, 'base64').length;
  const { min, max } = typeof bytes === 'number' ? { min: bytes, max: bytes } : bytes;
  return (got >= min && got <= max) || `blob of ${got} bytes, expected ${min === max ? min : `${min} to ${max}`}`;
}
