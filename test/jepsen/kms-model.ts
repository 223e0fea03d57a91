import { Completion, Op } from './history';
import { Model, Observed, Partitioned, partitionByKey, StepResult, UNKNOWN } from './linearizability';

/**
 * The sequential specification of one KMS key under the Jepsen workload
 * CreateKey / DescribeKey / DisableKey / EnableKey / Encrypt / Decrypt.
 *
 * Domain errors are outputs, not failures: Encrypt on a disabled key answering DisabledException is
 * an `ok` op whose output is `{ error: 'DisabledException' }`, and the model checks it like any
 * other answer. Only transport trouble (timeouts, resets, 5xx) makes an op `info` (writes) or
 * `fail` (reads, which leave no trace and are dropped) — see `kmsCompletionForError`.
 *
 * Which key an op belongs to: CreateKey's KeyId is only known from its answer, so the recorder
 * assigns the key at completion (`HistoryRecorder.ok(op, output, keyId)`), and the CreateKey op is
 * the first op of that key's history. A CreateKey that ends `info` has no key; it is left out of
 * the per-key check (nothing in the history refers to its key). If the assembler also operates on
 * keys discovered later (ListKeys), `partitionKmsHistory` gives such a key a synthetic `info`
 * CreateKey called when the earliest unattributed CreateKey was — the most permissive placement,
 * so adopting an orphan can never cause a false alarm.
 */

export type KmsOperation = 'CreateKey' | 'DescribeKey' | 'DisableKey' | 'EnableKey' | 'Encrypt' | 'Decrypt';

/** The AWS errors this workload can legitimately observe, as definite answers. */
export const KMS_MODEL_ERRORS = ['NotFoundException', 'DisabledException'] as const;
export type KmsModelError = (typeof KMS_MODEL_ERRORS)[number];

/** Op inputs: `{}`, except Encrypt `{ plaintext }` and Decrypt `{ ciphertext }` (base64). The model ignores them. */
export type KmsInput = Record<string, never> | { plaintext: string } | { ciphertext: string };

/** What the workload records as an op's output. Exactly one of these shapes per operation. */
export type KmsOutput =
  | { error: KmsModelError }
  | { keyId: string } // CreateKey
  | { enabled: boolean } // DescribeKey: KeyState Enabled / Disabled
  | Record<string, never> // DisableKey, EnableKey
  | { ciphertext: string } // Encrypt, base64
  | { plaintext: string; keyId: string }; // Decrypt, base64; KeyId as AWS reports it

export interface KmsKeyState {
  readonly exists: boolean;
  readonly enabled: boolean;
}

const ABSENT: KmsKeyState = Object.freeze({ exists: false, enabled: false });
const ENABLED: KmsKeyState = Object.freeze({ exists: true, enabled: true });
const DISABLED: KmsKeyState = Object.freeze({ exists: true, enabled: false });

/** What the specification answers: a success (of a given shape) or an AWS error. */
type Expected = { error: KmsModelError } | { success: true } | { described: boolean };

/**
 * The specification as a table: per operation, from a state, the one answer AWS gives and the next
 * state; undefined where the operation cannot happen at all (a KeyId is created once).
 * Idempotent in AWS: disabling a disabled key (or enabling an enabled one) succeeds.
 */
const SPEC: Record<KmsOperation, (s: KmsKeyState) => { expect: Expected; next: KmsKeyState } | undefined> = {
  CreateKey: (s) => (s.exists ? undefined : { expect: { success: true }, next: ENABLED }),
  DescribeKey: (s) => ({ expect: s.exists ? { described: s.enabled } : { error: 'NotFoundException' }, next: s }),
  DisableKey: (s) => (s.exists ? { expect: { success: true }, next: DISABLED } : { expect: { error: 'NotFoundException' }, next: s }),
  EnableKey: (s) => (s.exists ? { expect: { success: true }, next: ENABLED } : { expect: { error: 'NotFoundException' }, next: s }),
  Encrypt: (s) => ({ expect: usable(s), next: s }),
  Decrypt: (s) => ({ expect: usable(s), next: s }),
};

function usable(s: KmsKeyState): Expected {
  if (!s.exists) return { error: 'NotFoundException' };
  return s.enabled ? { success: true } : { error: 'DisabledException' };
}

/** Operations that never change the key's state: a failed one can be dropped. */
const READ_ONLY: ReadonlySet<KmsOperation> = new Set(['DescribeKey', 'Encrypt', 'Decrypt']);

export function isKmsOperation(f: string): f is KmsOperation {
  return Object.prototype.hasOwnProperty.call(SPEC, f);
}

function matches(expected: Expected, output: KmsOutput): boolean {
  const error = 'error' in output ? output.error : undefined;
  if ('error' in expected) return error === expected.error;
  if (error !== undefined) return false;
  if ('described' in expected) return 'enabled' in output && output.enabled === expected.described;
  return true;
}

function show(expected: Expected): string {
  if ('error' in expected) return expected.error;
  if ('described' in expected) return `KeyState ${expected.described ? 'Enabled' : 'Disabled'}`;
  return 'success';
}

export const kmsKeyModel: Model<KmsKeyState, KmsInput, KmsOutput> = {
  init: () => ABSENT,

  step(state: KmsKeyState, f: string, _input: KmsInput, output: Observed<KmsOutput>): StepResult<KmsKeyState> {
    if (!isKmsOperation(f)) return { legal: false, expected: `no operation ${f} in the model` };
    const spec = SPEC[f](state);
    if (spec === undefined) return { legal: false, expected: `no ${f} from state ${kmsKeyModel.describeState(state)}` };
    const { expect, next } = spec;
    // An unknown (info) op is linearizable anywhere; where it lands, it has its effect.
    if (output === UNKNOWN || matches(expect, output)) return { legal: true, state: next };
    return { legal: false, expected: show(expect) };
  },

  hash: (s) => (s.exists ? 1 : 0) | (s.enabled ? 2 : 0),
  equal: (a, b) => a.exists === b.exists && a.enabled === b.enabled,
  failedOpHasNoEffect: (f) => isKmsOperation(f) && READ_ONLY.has(f),
  describeState: (s) => (s.exists ? (s.enabled ? 'Enabled' : 'Disabled') : 'absent'),
};

/**
 * How the workload should record an op whose AWS call threw. A model error with a 4xx status is a
 * definite answer (`ok` with an error output). A refused connection is `fail`: nothing was sent.
 * Anything else — timeouts, resets, 5xx, an error the model does not know — leaves the outcome
 * unknown: `info` for writes, `fail` for reads (a read with no answer constrains nothing and is
 * dropped).
 */
export function kmsCompletionForError(f: KmsOperation, err: unknown): Completion<KmsOutput> {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  const name = typeof e?.name === 'string' ? e.name : undefined;
  const status = e?.$metadata?.httpStatusCode;
  if (name !== undefined && (KMS_MODEL_ERRORS as readonly string[]).includes(name) && status !== undefined && status < 500) {
    return { outcome: 'ok', output: { error: name as KmsModelError } };
  }
  const code = (err as { code?: unknown } | null)?.code;
  const detail = { thrown: `${name ?? 'Error'}${typeof code === 'string' ? ` ${code}` : ''}${status ? ` (HTTP ${status})` : ''}: ${String((err as Error)?.message ?? err)}` };
  // A refused connection carried no request, so even a write definitely did not happen (Jepsen's
  // :fail). The checker still treats a failed write as unknown unless the model vouches for it.
  // Under jest the SDK may see the socket error from another realm and wrap it ("AWS SDK error
  // wrapper for Error: connect ECONNREFUSED …"), dropping `code`: the message says it then.
  const refused = code === 'ECONNREFUSED' || /\bconnect ECONNREFUSED\b/.test(String((err as Error)?.message));
  if (refused) return { outcome: 'fail', output: detail as unknown as KmsOutput };
  return { outcome: READ_ONLY.has(f) ? 'fail' : 'info', output: detail as unknown as KmsOutput };
}

/**
 * Splits a KMS history per key (see the file comment). Ops with no key other than info CreateKeys
 * are returned as unkeyed. A key whose history holds no CreateKey gets a synthetic `info` one,
 * called when the earliest unattributed CreateKey was (or at time 0 if there is none — the key then
 * came from outside the workload, and the check treats its creation as unconstrained).
 */
export function partitionKmsHistory(ops: readonly Op[]): Partitioned {
  const { byKey, unkeyed } = partitionByKey(ops);
  const orphanCreates = unkeyed.filter((op) => op.f === 'CreateKey');
  const earliest = orphanCreates.length ? Math.min(...orphanCreates.map((op) => op.call)) : 0;
  let synthetic = -1;
  for (const [key, list] of byKey) {
    if (list.some((op) => op.f === 'CreateKey')) continue;
    list.unshift({
      index: synthetic--,
      process: -1,
      key,
      f: 'CreateKey',
      input: {},
      call: earliest,
      return: Number.POSITIVE_INFINITY,
      outcome: 'info',
      output: undefined,
    });
  }
  return { byKey, unkeyed };
}

/**
 * Decrypt round trips, checked outside the model: every ok Decrypt must return the plaintext of
 * the Encrypt that produced its ciphertext, and name the key that Encrypt used. Returns one line
 * per violation.
 */
export function decryptMismatches(ops: readonly Op[]): string[] {
  const encrypted = new Map<string, Op>();
  for (const op of ops) {
    const out = op.output as KmsOutput | undefined;
    if (op.f === 'Encrypt' && op.outcome === 'ok' && out && 'ciphertext' in out) encrypted.set(out.ciphertext, op);
  }
  const problems: string[] = [];
  for (const op of ops) {
    const out = op.output as KmsOutput | undefined;
    if (op.f !== 'Decrypt' || op.outcome !== 'ok' || !out || !('plaintext' in out)) continue;
    const { ciphertext } = op.input as { ciphertext: string };
    const source = encrypted.get(ciphertext);
    if (!source) {
      problems.push(`#${op.index} Decrypt of a ciphertext no ok Encrypt produced`);
      continue;
    }
    const { plaintext } = source.input as { plaintext: string };
    if (out.plaintext !== plaintext) problems.push(`#${op.index} Decrypt returned other plaintext than #${source.index} encrypted`);
    if (source.key !== undefined && !sameKey(out.keyId, source.key)) {
      problems.push(`#${op.index} Decrypt names key ${out.keyId}, but #${source.index} encrypted under ${source.key}`);
    }
  }
  return problems;
}

/** AWS returns the key ARN from Decrypt; the workload knows the bare KeyId. */
function sameKey(reported: string, keyId: string): boolean {
  return reported === keyId || reported.endsWith(`:key/${keyId}`);
}
