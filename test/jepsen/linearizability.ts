import { formatOp, Op } from './history';

/**
 * A linearizability checker: the Wing–Gong search with Lowe's memoisation, in the shape Porcupine
 * gives it (reference/raft.md §3.6). Histories are split per key first (P-compositionality), each
 * key is searched depth-first over a linked list of call/return entries, and a (linearized-set,
 * model-state) cache prunes configurations already explored.
 */

/** The output of an op whose completion is unknown (`info`): the model must accept any answer. */
export const UNKNOWN: unique symbol = Symbol('unknown output');
export type Observed<O> = O | typeof UNKNOWN;

export type StepResult<S> = { legal: true; state: S } | { legal: false; /** What the model would have answered. */ expected?: string };

/** A pure sequential specification of one key. `step` must not mutate `state`. */
export interface Model<S, I = unknown, O = unknown> {
  init(): S;
  step(state: S, f: string, input: I, output: Observed<O>): StepResult<S>;
  hash(state: S): number;
  equal(a: S, b: S): boolean;
  /**
   * True when a `fail` op of this kind may be dropped: it leaves no trace whether or not it ran
   * (reads). A `fail` the model cannot vouch for is checked as `info` instead — never a false alarm.
   */
  failedOpHasNoEffect(f: string, input: I): boolean;
  describeState(state: S): string;
}

export type Verdict = 'ok' | 'illegal' | 'unknown';

/** Why a key's history is not linearizable. */
export interface Explanation {
  key: string;
  /** The longest prefix the search could linearize, in linearization order. */
  prefix: Op[];
  stateAfterPrefix: string;
  /** The op whose return was reached while it still could not be placed after `prefix`. */
  unplaceable: Op;
  /** Concurrent ops the model refused right after `prefix`, with what it expected instead. */
  refused: Array<{ op: Op; expected?: string }>;
  /** All of the above, for a test failure message. */
  text: string;
}

export interface KeyResult {
  key: string;
  verdict: Verdict;
  ops: number;
  steps: number;
  /** For `ok`: a linearization, as op indexes. */
  order?: number[];
  explanation?: Explanation;
}

export interface CheckResult {
  verdict: Verdict;
  keys: KeyResult[];
  /** The first illegal key's explanation, if any. */
  failure?: Explanation;
  /** `fail` ops dropped because the model says they leave no trace. */
  droppedFails: number;
  /** `fail` ops the model could not vouch for, checked as `info`. */
  failsCheckedAsInfo: number;
  /** Ops the partition could not attribute to a key (e.g. a CreateKey that timed out). */
  unkeyed: Op[];
}

export interface Partitioned {
  byKey: Map<string, Op[]>;
  unkeyed: Op[];
}

export interface CheckOptions {
  /** Search steps allowed per key; the key is `unknown` beyond it. */
  maxStepsPerKey?: number;
  /** Wall-clock budget for the whole check; keys not finished in time are `unknown`. */
  timeoutMs?: number;
  /** How to split the history into independent keys; by `op.key` unless given. */
  partition?: (ops: readonly Op[]) => Partitioned;
}

const DEFAULT_MAX_STEPS = 5_000_000;

export function partitionByKey(ops: readonly Op[]): Partitioned {
  const byKey = new Map<string, Op[]>();
  const unkeyed: Op[] = [];
  for (const op of ops) {
    if (op.key === undefined) {
      unkeyed.push(op);
      continue;
    }
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  return { byKey, unkeyed };
}

export function checkLinearizability<S, I, O>(model: Model<S, I, O>, history: readonly Op[], options: CheckOptions = {}): CheckResult {
  const maxSteps = options.maxStepsPerKey ?? DEFAULT_MAX_STEPS;
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.timeoutMs;

  let droppedFails = 0;
  let failsCheckedAsInfo = 0;
  const checked: Op[] = [];
  for (const op of history) {
    if (op.outcome !== 'fail') {
      checked.push(op);
    } else if (model.failedOpHasNoEffect(op.f, op.input as I)) {
      droppedFails++;
    } else {
      failsCheckedAsInfo++;
      checked.push({ ...op, outcome: 'info', return: Number.POSITIVE_INFINITY, output: undefined });
    }
  }

  const { byKey, unkeyed } = (options.partition ?? partitionByKey)(checked);
  const keys: KeyResult[] = [];
  for (const [key, ops] of byKey) {
    keys.push(checkKey(model, key, ops, maxSteps, deadline));
  }
  const failure = keys.find((k) => k.verdict === 'illegal')?.explanation;
  const verdict: Verdict = failure ? 'illegal' : keys.some((k) => k.verdict === 'unknown') ? 'unknown' : 'ok';
  return { verdict, keys, failure, droppedFails, failsCheckedAsInfo, unkeyed };
}

// ---- one key -------------------------------------------------------------------------------

interface Entry {
  readonly isCall: boolean;
  /** Position of the op in the key's op list. */
  readonly id: number;
  readonly time: number;
  /** For a call: its return entry. */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

interface Frame<S> {
  call: Entry;
  stateBefore: S;
}

/** Best (deepest) dead end seen, for the explanation. */
interface DeadEnd<S> {
  prefix: number[];
  state: S;
  blocker: number;
  refused: Array<{ id: number; expected?: string }>;
}

/**
 * Searches one key's history. Every op that is not `ok` is taken as unknown with return +∞ —
 * `checkLinearizability` has already dropped the `fail` ops the model allows dropping.
 */
export function checkKey<S, I, O>(
  model: Model<S, I, O>,
  key: string,
  ops: readonly Op[],
  maxSteps = DEFAULT_MAX_STEPS,
  deadline = Number.POSITIVE_INFINITY,
): KeyResult {
  const outputs: Array<Observed<O>> = ops.map((op) => (op.outcome === 'ok' ? (op.output as O) : UNKNOWN));
  const head = buildEntries(ops);
  const linearized = new Bitset(ops.length);
  const cache = new Map<number, Array<{ bits: Bitset; state: S }>>();
  const stack: Array<Frame<S>> = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  let refused: Array<{ id: number; expected?: string }> = [];
  let deadEnd: DeadEnd<S> | undefined;

  // Adds (linearized, state) to the cache; false if that configuration was explored already.
  const remember = (next: S): boolean => {
    const h = (linearized.hash() ^ Math.imul(model.hash(next), 0x9e3779b1)) >>> 0;
    const bucket = cache.get(h);
    if (bucket?.some((c) => c.bits.equals(linearized) && model.equal(c.state, next))) return false;
    const item = { bits: linearized.clone(), state: next };
    if (bucket) bucket.push(item);
    else cache.set(h, [item]);
    return true;
  };

  while (head.next !== null) {
    steps++;
    if (steps > maxSteps || ((steps & 0xfff) === 0 && performance.now() > deadline)) {
      return { key, verdict: 'unknown', ops: ops.length, steps };
    }
    // Invariant: entry !== null while the list is non-empty — the scan always meets a return
    // (every unlinearized call is followed by its own return) before running off the end.
    const e = entry!;
    if (e.isCall) {
      const op = ops[e.id];
      const result = model.step(state, op.f, op.input as I, outputs[e.id]);
      if (result.legal) {
        linearized.set(e.id);
        if (remember(result.state)) {
          stack.push({ call: e, stateBefore: state });
          state = result.state;
          lift(e);
          entry = head.next;
          refused = [];
          continue;
        }
        linearized.clear(e.id);
      } else {
        refused.push({ id: e.id, expected: result.expected });
      }
      entry = e.next;
    } else {
      // A return whose call is still in the list: that op cannot be placed after this prefix.
      if (deadEnd === undefined || stack.length > deadEnd.prefix.length) {
        deadEnd = { prefix: stack.map((f) => f.call.id), state, blocker: e.id, refused };
      }
      const frame = stack.pop();
      if (frame === undefined) {
        return { key, verdict: 'illegal', ops: ops.length, steps, explanation: explain(model, key, ops, deadEnd) };
      }
      linearized.clear(frame.call.id);
      unlift(frame.call);
      state = frame.stateBefore;
      entry = frame.call.next;
      refused = [];
    }
  }
  return { key, verdict: 'ok', ops: ops.length, steps, order: stack.map((f) => ops[f.call.id].index) };
}

/** Call and return entries sorted by time, calls first at equal times (closed intervals), as a linked list. */
function buildEntries(ops: readonly Op[]): Entry {
  const entries: Entry[] = [];
  ops.forEach((op, id) => {
    const ret: Entry = { isCall: false, id, time: op.outcome === 'ok' ? op.return : Number.POSITIVE_INFINITY, match: null, prev: null, next: null };
    const call: Entry = { isCall: true, id, time: op.call, match: ret, prev: null, next: null };
    entries.push(call, ret);
  });
  entries.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.id - b.id);
  const head: Entry = { isCall: false, id: -1, time: Number.NEGATIVE_INFINITY, match: null, prev: null, next: null };
  let last = head;
  for (const e of entries) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

/** Unlinks a call and its return. The removed entries keep their own links, so `unlift` can undo it. */
function lift(call: Entry): void {
  call.prev!.next = call.next;
  call.next!.prev = call.prev; // a call is always followed by at least its return
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

/** Undoes `lift`; calls must be unlifted in the reverse order they were lifted. */
function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}

function explain<S>(model: Model<S, unknown, unknown>, key: string, ops: readonly Op[], deadEnd: DeadEnd<S>): Explanation {
  const prefix = deadEnd.prefix.map((id) => ops[id]);
  const unplaceable = ops[deadEnd.blocker];
  const refused = deadEnd.refused.map((r) => ({ op: ops[r.id], expected: r.expected }));
  const stateAfterPrefix = model.describeState(deadEnd.state);
  const lines = [
    `key ${key}: not linearizable`,
    `longest linearizable prefix (${prefix.length} of ${ops.length} ops):`,
    ...prefix.map((op) => `  ${formatOp(op)}`),
    `state after prefix: ${stateAfterPrefix}`,
    `cannot place: ${formatOp(unplaceable)}`,
    ...refused.map((r) => `  refused ${formatOp(r.op)}${r.expected ? ` (model expected ${r.expected})` : ''}`),
  ];
  return { key, prefix, stateAfterPrefix, unplaceable, refused, text: lines.join('\n') };
}

/** The set of linearized ops, by position in the key's op list. */
class Bitset {
  private readonly words: Uint32Array;

  constructor(size: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array(Math.ceil(size / 32));
  }

  set(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }

  clear(i: number): void {
    this.words[i >>> 5] &= ~(1 << (i & 31));
  }

  clone(): Bitset {
    return new Bitset(0, this.words.slice());
  }

  equals(other: Bitset): boolean {
    for (let i = 0; i < this.words.length; i++) if (this.words[i] !== other.words[i]) return false;
    return true;
  }

  /** FNV-1a over the words. */
  hash(): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.words.length; i++) h = Math.imul(h ^ this.words[i], 0x01000193);
    return h >>> 0;
  }
}
