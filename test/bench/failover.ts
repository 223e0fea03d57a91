/**
 * Failover time of a replicated store, whatever the store: how long after its leader is killed
 * (kill -9, no goodbye) a client's write succeeds again. The store comes in as three functions, so
 * etcd and Trent are measured by the same loop.
 */
export interface FailoverOptions<Victim> {
  /** How many leaders to kill, one after the other. */
  kills: number;
  /**
   * Kills the current leader with SIGKILL and resolves at once with what it killed; the clock starts
   * when it resolves, so any search for the leader must come before the kill.
   */
  killLeader: () => Promise<Victim>;
  /** Brings the victim back and resolves once it is healthy and caught up. Not timed. */
  restart: (victim: Victim) => Promise<void>;
  /** One write attempt: true once acknowledged. It should give up when `signal` aborts. */
  write: (signal: AbortSignal) => Promise<boolean>;
  /** An attempt not acknowledged within this counts as failed (default 250 ms). */
  attemptTimeoutMs?: number;
  /** A new attempt starts this often, whether or not earlier ones have finished (default 10 ms). */
  retryEveryMs?: number;
  /** A kill after which no write succeeds within this is recorded as a failure (default 30 s). */
  giveUpMs?: number;
  progress?: (line: string) => void;
}

export interface FailoverResult {
  /** Milliseconds from each kill to the first acknowledged write, in kill order; failed kills left out. */
  samplesMs: number[];
  /** Write attempts started after each kill, failed kills included. */
  attempts: number[];
  /** One line per kill after which no write succeeded in time. */
  failures: string[];
  /** Nearest-rank percentiles: with 20 samples p99 is the largest. */
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  attemptTimeoutMs: number;
  retryEveryMs: number;
}

const DEFAULT_ATTEMPT_TIMEOUT_MS = 250;
const DEFAULT_RETRY_EVERY_MS = 10;
const DEFAULT_GIVE_UP_MS = 30_000;
/** Before each kill the store must take a write within this, or the measurement stops. */
const HEALTHY_WITHIN_MS = 10_000;

export async function measureFailover<Victim>(opts: FailoverOptions<Victim>): Promise<FailoverResult> {
  const attemptTimeoutMs = opts.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const retryEveryMs = opts.retryEveryMs ?? DEFAULT_RETRY_EVERY_MS;
  const giveUpMs = opts.giveUpMs ?? DEFAULT_GIVE_UP_MS;
  const samplesMs: number[] = [];
  const attempts: number[] = [];
  const failures: string[] = [];

  for (let k = 1; k <= opts.kills; k++) {
    // A kill of a store that was not taking writes anyway would measure nothing.
    const before = await firstWrite(opts.write, performance.now(), 1_000, 100, HEALTHY_WITHIN_MS);
    if ('problem' in before) throw new Error(`before kill ${k}, the store took no write within ${HEALTHY_WITHIN_MS} ms: ${before.problem}`);

    const victim = await opts.killLeader();
    const killedAt = performance.now();
    const after = await firstWrite(opts.write, killedAt, attemptTimeoutMs, retryEveryMs, giveUpMs);
    attempts.push(after.attempts);
    if ('problem' in after) failures.push(`kill ${k}: no write within ${giveUpMs} ms (${after.attempts} attempts; last problem: ${after.problem})`);
    else samplesMs.push(after.ms);
    opts.progress?.(`kill ${k}/${opts.kills}: ${'ms' in after ? `first write after ${after.ms.toFixed(0)} ms` : 'NO write'} (${after.attempts} attempts); restarting the victim…`);

    await opts.restart(victim);
  }

  return summarise(samplesMs, attempts, failures, attemptTimeoutMs, retryEveryMs);
}

/**
 * One result from several runs of measureFailover on the same store with the same settings (e.g.
 * one kill at a time, alternating with another store's): samples in run order, percentiles anew.
 */
export function mergeFailoverResults(results: readonly FailoverResult[]): FailoverResult {
  if (results.length === 0) throw new Error('no failover results to merge');
  const { attemptTimeoutMs, retryEveryMs } = results[0]!;
  if (results.some((r) => r.attemptTimeoutMs !== attemptTimeoutMs || r.retryEveryMs !== retryEveryMs)) throw new Error('failover results measured with different settings');
  return summarise(
    results.flatMap((r) => r.samplesMs),
    results.flatMap((r) => r.attempts),
    results.flatMap((r) => r.failures),
    attemptTimeoutMs,
    retryEveryMs,
  );
}

function summarise(samplesMs: number[], attempts: number[], failures: string[], attemptTimeoutMs: number, retryEveryMs: number): FailoverResult {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    samplesMs,
    attempts,
    failures,
    p50Ms: nearestRank(sorted, 0.5),
    p99Ms: nearestRank(sorted, 0.99),
    minMs: sorted[0] ?? NaN,
    maxMs: sorted[sorted.length - 1] ?? NaN,
    meanMs: sorted.length > 0 ? sorted.reduce((s, x) => s + x, 0) / sorted.length : NaN,
    attemptTimeoutMs,
    retryEveryMs,
  };
}

export type FirstWrite = { ms: number; attempts: number } | { problem: string; attempts: number };

/**
 * Starts an attempt every `retryEveryMs` until one is acknowledged within its own timeout, and
 * returns when that happened relative to `from`. Attempts overlap, so the result does not depend on
 * how long a doomed attempt takes to fail (a refused connection, a request parked until a leader
 * exists, a timeout): it is within one retry interval of the first moment a write could succeed.
 */
export function firstWrite(write: (signal: AbortSignal) => Promise<boolean>, from: number, attemptTimeoutMs: number, retryEveryMs: number, giveUpMs: number): Promise<FirstWrite> {
  return new Promise((resolve) => {
    const pending = new Set<AbortController>();
    let attempts = 0;
    let lastProblem = 'no attempt finished';
    let done = false;

    const finish = (result: FirstWrite): void => {
      if (done) return;
      done = true;
      clearInterval(ticker);
      clearTimeout(giveUp);
      for (const c of pending) c.abort(new Error('another attempt succeeded'));
      resolve(result);
    };

    const attempt = (): void => {
      attempts++;
      const controller = new AbortController();
      pending.add(controller);
      const timer = setTimeout(() => controller.abort(new Error(`not acknowledged within ${attemptTimeoutMs} ms`)), attemptTimeoutMs);
      write(controller.signal)
        .then(
          (ok) => {
            if (ok && !controller.signal.aborted) finish({ ms: performance.now() - from, attempts });
            else lastProblem = controller.signal.aborted ? String((controller.signal.reason as Error).message) : 'the write was refused';
          },
          (e: Error) => {
            lastProblem = controller.signal.aborted ? String((controller.signal.reason as Error).message) : e.message;
          },
        )
        .finally(() => {
          clearTimeout(timer);
          pending.delete(controller);
        });
    };

    const ticker = setInterval(attempt, retryEveryMs);
    const giveUp = setTimeout(() => finish({ problem: lastProblem, attempts }), giveUpMs);
    attempt();
  });
}

/** Nearest-rank percentile `p` (0–1) of ascending `sorted`; NaN when empty. */
export function nearestRank(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}
