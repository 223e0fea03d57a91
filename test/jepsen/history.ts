/**
 * A Jepsen-style history: every client operation is an invocation followed by exactly one
 * completion, stamped from one monotonic clock on the test driver.
 *
 *   ok    the operation definitely happened, and `output` is what the system answered
 *         (domain errors such as DisabledException are ok completions with an error output);
 *   fail  the operation definitely did not happen (or, for a read, its answer is simply lost);
 *   info  unknown: timeout, dropped connection, crash. The op may take effect at any later time,
 *         so its return is +∞ and its process retires: the worker goes on as a new logical process
 *         (Jepsen's rule, reference/raft.md §3.5).
 */

export type Outcome = 'ok' | 'fail' | 'info';

/** One completed (or abandoned) operation. Times are nanoseconds since the recorder's origin. */
export interface Op<I = unknown, O = unknown> {
  /** Position in invocation order; unique within a history. */
  readonly index: number;
  /** Logical process. Never reused after an `info` completion. */
  readonly process: number;
  /** The independent key this op belongs to; undefined while unknown (e.g. a CreateKey that timed out). */
  readonly key: string | undefined;
  readonly f: string;
  readonly input: I;
  readonly call: number;
  /** Number.POSITIVE_INFINITY for `info` ops. */
  readonly return: number;
  readonly outcome: Outcome;
  /** The answer for `ok` ops; whatever was learned (e.g. an error message) otherwise — checkers ignore it. */
  readonly output: O | undefined;
}

/** Nanoseconds from a fixed origin, never going backwards. */
export type MonotonicClock = () => number;

export function hrtimeClock(): MonotonicClock {
  const origin = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - origin);
}

/** A handle on an invoked, not yet completed operation. */
export interface PendingOp<I = unknown> {
  readonly index: number;
  readonly process: number;
  readonly key: string | undefined;
  readonly f: string;
  readonly input: I;
  readonly call: number;
}

export type Completion<O = unknown> =
  | { outcome: 'ok'; output: O; /** Set when the key is learned from the answer (CreateKey). */ key?: string }
  | { outcome: 'fail'; output?: O }
  | { outcome: 'info'; output?: O };

/**
 * Records invocations and completions. Single-threaded by construction (Node's event loop), so
 * the order of `invoke` calls is the order of `call` timestamps.
 */
export class HistoryRecorder {
  private readonly completed: Op[] = [];
  private readonly pending = new Map<number, PendingOp>();
  private readonly busy = new Set<number>();
  private readonly retired = new Set<number>();
  private nextIndex = 0;
  private nextProcess = 0;

  constructor(private readonly clock: MonotonicClock = hrtimeClock()) {}

  /** A fresh logical process id. */
  newProcess(): number {
    return this.nextProcess++;
  }

  /** A worker that keeps one logical process at a time and takes a new one after each `info`. */
  worker(): ClientWorker {
    return new ClientWorker(this);
  }

  invoke<I>(process: number, f: string, input: I, key?: string): PendingOp<I> {
    // Invariant: a process has at most one op in flight, and a retired process invokes nothing.
    if (this.retired.has(process)) throw new Error(`process ${process} retired after an info op; use a new process`);
    if (this.busy.has(process)) throw new Error(`process ${process} already has an op in flight`);
    const op: PendingOp<I> = { index: this.nextIndex++, process, key, f, input, call: this.clock() };
    this.pending.set(op.index, op);
    this.busy.add(process);
    return op;
  }

  complete<I, O>(op: PendingOp<I>, completion: Completion<O>): Op<I, O> {
    if (!this.pending.delete(op.index)) throw new Error(`op ${op.index} is not pending`);
    this.busy.delete(op.process);
    const info = completion.outcome === 'info';
    if (info) this.retired.add(op.process);
    const key = completion.outcome === 'ok' && completion.key !== undefined ? completion.key : op.key;
    const done: Op<I, O> = {
      ...op,
      key,
      return: info ? Number.POSITIVE_INFINITY : this.clock(),
      outcome: completion.outcome,
      output: completion.output,
    };
    this.completed.push(done);
    return done;
  }

  ok<I, O>(op: PendingOp<I>, output: O, key?: string): Op<I, O> {
    return this.complete(op, { outcome: 'ok', output, key });
  }

  fail<I, O>(op: PendingOp<I>, output?: O): Op<I, O> {
    return this.complete<I, O>(op, { outcome: 'fail', output });
  }

  info<I, O>(op: PendingOp<I>, output?: O): Op<I, O> {
    return this.complete<I, O>(op, { outcome: 'info', output });
  }

  isRetired(process: number): boolean {
    return this.retired.has(process);
  }

  /**
   * The history so far, in invocation order. Ops still in flight are included as `info`
   * (at the end of a test they are exactly the ops whose fate is unknown).
   */
  history(): Op[] {
    const inFlight: Op[] = [...this.pending.values()].map((p) => ({
      ...p,
      return: Number.POSITIVE_INFINITY,
      outcome: 'info' as const,
      output: undefined,
    }));
    return [...this.completed, ...inFlight].sort((a, b) => a.index - b.index);
  }
}

/**
 * One concurrent client of the test. `run` records the op around `exec`; `exec` classifies its own
 * result (the KMS client wrapper knows which errors are definite). An exception escaping `exec`
 * is an `info` completion — nothing is known about an op whose client blew up.
 */
export class ClientWorker {
  private current: number;

  constructor(private readonly recorder: HistoryRecorder) {
    this.current = recorder.newProcess();
  }

  get process(): number {
    return this.current;
  }

  async run<I, O>(f: string, input: I, key: string | undefined, exec: () => Promise<Completion<O>>): Promise<Op<I, O>> {
    const pending = this.recorder.invoke(this.current, f, input, key);
    let completion: Completion<O>;
    try {
      completion = await exec();
    } catch (e) {
      completion = { outcome: 'info', output: { thrown: String(e) } as O };
    }
    const op = this.recorder.complete(pending, completion);
    if (op.outcome === 'info') this.current = this.recorder.newProcess();
    return op;
  }
}

/** Renders an op on one line for failure reports. Times in ms since the history's origin. */
export function formatOp(op: Op): string {
  const ms = (t: number): string => (Number.isFinite(t) ? (t / 1e6).toFixed(3) : '∞');
  const key = op.key === undefined ? '' : ` key=${op.key}`;
  return `#${op.index} p${op.process}${key} ${op.f}(${JSON.stringify(op.input)}) → ${op.outcome} ${
    op.output === undefined ? '' : JSON.stringify(op.output)
  } [${ms(op.call)}, ${ms(op.return)}]`.replace(/ +\[/, ' [');
}

/**
 * One op per line, for saving a failing run's history and checking it again offline. JSON has no
 * ∞, so an `info` op's return is written as null.
 */
export function historyToJsonLines(ops: readonly Op[]): string {
  return ops.map((op) => JSON.stringify({ ...op, return: Number.isFinite(op.return) ? op.return : null })).join('\n') + '\n';
}

export function historyFromJsonLines(text: string): Op[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const raw = JSON.parse(line) as Omit<Op, 'return'> & { return: number | null };
      return { ...raw, return: raw.return ?? Number.POSITIVE_INFINITY };
    });
}
