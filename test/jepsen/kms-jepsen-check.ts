import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatOp, historyToJsonLines, Op } from './history';
import { decryptMismatches, kmsKeyModel, KmsKeyState, KmsOutput, partitionKmsHistory } from './kms-model';
import { CheckResult, checkLinearizability, Model } from './linearizability';
import type { JepsenRun } from './kms-jepsen';

/**
 * The checks on a finished run, and its summary. Anomalies are safety violations found in the
 * history; liveness problems and an `unknown` verdict (the search ran out of budget) also fail the
 * test, but are reported apart: they say the run proved nothing, not that the Region lied.
 */

export interface JepsenVerdict {
  linearizability: CheckResult;
  checkMs: number;
  /** Symptoms of known node bugs set aside, and which bugs were tolerated. */
  tolerated: number;
  tolerate: readonly KnownBug[];
  /** ok Decrypts that returned another plaintext or named another key (kms-model `decryptMismatches`). */
  decryptMismatches: string[];
  /** ok Encrypts whose ciphertext the final pass did not decrypt. */
  notDecrypted: string[];
  /** Keys acknowledged by CreateKey that some node did not describe in the final reads. */
  missingKeys: string[];
  /** Every safety violation, one line each (the linearizability failure as its first line). */
  anomalies: string[];
  valid: boolean;
}

export interface CheckRunOptions {
  /** The sequential specification; kmsKeyModel unless a test breaks it on purpose. */
  model?: Model<KmsKeyState, unknown, unknown>;
  timeoutMs?: number;
  /** The history to check; the run's own unless a test doctors it. */
  history?: readonly Op[];
  /** Known node bugs whose symptoms are set aside (counted, not reported), to look for other anomalies. */
  tolerate?: readonly KnownBug[];
}

/**
 * `stale-write-precheck`: a node checks a write against its own replica before proposing it, so a
 * node that lags or is cut off answers DisableKey / EnableKey on a key created meanwhile with
 * NotFoundException (stale-write-precheck.e2e-spec.ts). Tolerated, such an answer to a write
 * called after the key's CreateKey returned is taken as unknown (info) instead.
 */
export const KNOWN_BUGS = ['stale-write-precheck'] as const;
export type KnownBug = (typeof KNOWN_BUGS)[number];

export function parseKnownBugs(text: string | undefined): KnownBug[] {
  const names = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(KNOWN_BUGS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown known bug(s) ${unknown.join(', ')}; known: ${KNOWN_BUGS.join(', ')}`);
  return names as KnownBug[];
}

/** The history with tolerated symptoms made unknown, and how many there were. */
function setAside(history: readonly Op[], tolerate: readonly KnownBug[]): { history: Op[]; tolerated: number } {
  if (!tolerate.includes('stale-write-precheck')) return { history: [...history], tolerated: 0 };
  const created = new Map<string, number>();
  for (const op of history) if (op.f === 'CreateKey' && op.outcome === 'ok' && op.key) created.set(op.key, op.return);
  let tolerated = 0;
  const out = history.map((op) => {
    const stale =
      (op.f === 'DisableKey' || op.f === 'EnableKey') &&
      op.outcome === 'ok' &&
      (op.output as { error?: string }).error === 'NotFoundException' &&
      op.key !== undefined &&
      (created.get(op.key) ?? Infinity) < op.call;
    if (!stale) return op;
    tolerated++;
    return { ...op, outcome: 'info' as const, return: Number.POSITIVE_INFINITY, output: { tolerated: 'stale-write-precheck', was: op.output } };
  });
  return { history: out, tolerated };
}

export function checkKmsRun(run: JepsenRun, opts: CheckRunOptions = {}): JepsenVerdict {
  const { history, tolerated } = setAside(opts.history ?? run.history, opts.tolerate ?? []);
  const t = performance.now();
  const linearizability = checkLinearizability(opts.model ?? kmsKeyModel, history, { partition: partitionKmsHistory, timeoutMs: opts.timeoutMs ?? 20_000 });
  const checkMs = performance.now() - t;
  const mismatches = decryptMismatches(history);
  const final = history.filter((op) => op.index >= run.finalFrom);
  const output = (op: Op) => op.output as KmsOutput & { keyState?: string };

  const decrypted = new Set(final.filter((op) => op.f === 'Decrypt' && op.outcome === 'ok' && 'plaintext' in output(op)).map((op) => (op.input as { ciphertext: string }).ciphertext));
  const notDecrypted = history
    .filter((op) => op.f === 'Encrypt' && op.outcome === 'ok' && 'ciphertext' in output(op))
    .filter((op) => !decrypted.has((op.output as { ciphertext: string }).ciphertext))
    .map((op) => `#${op.index} Encrypt under ${op.key}: its ciphertext was not decrypted after the heal`);

  const missingKeys: string[] = [];
  for (const create of history.filter((op) => op.f === 'CreateKey' && op.outcome === 'ok')) {
    for (const node of run.nodeIds) {
      const reads = final.filter((op) => op.f === 'DescribeKey' && op.key === create.key && op.outcome === 'ok' && (op.input as { node: string }).node === node);
      const last = reads[reads.length - 1];
      if (!last || !('enabled' in output(last))) {
        missingKeys.push(`key ${create.key} (CreateKey #${create.index} ok) at node ${node}: ${last ? JSON.stringify(last.output) : 'never described'}`);
      }
    }
  }

  const anomalies = [
    ...linearizability.keys.filter((k) => k.verdict === 'illegal').map((k) => `${k.explanation!.text.split('\n')[0]}: cannot place ${formatOp(k.explanation!.unplaceable)}`),
    ...mismatches,
    ...notDecrypted,
    ...missingKeys,
  ];
  const valid = anomalies.length === 0 && linearizability.verdict === 'ok' && run.liveness.length === 0;
  return { linearizability, checkMs, tolerated, tolerate: opts.tolerate ?? [], decryptMismatches: mismatches, notDecrypted, missingKeys, anomalies, valid };
}

/** The run in a few lines: operations by outcome, faults by kind, anomalies, and how to replay it. */
export function formatSummary(run: JepsenRun, v: JepsenVerdict): string {
  const h = run.history;
  const count = <T>(items: readonly T[], keyOf: (t: T) => string | undefined): string => {
    const m = new Map<string, number>();
    for (const t of items) {
      const k = keyOf(t);
      if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
    }
    return [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  };
  const byOp = [...new Set(h.map((op) => op.f))]
    .map((f) => {
      const ops = h.filter((op) => op.f === f);
      const n = (o: string) => ops.filter((op) => op.outcome === o).length;
      return `${f} ${n('ok')}/${n('fail')}/${n('info')}`;
    })
    .join(', ');
  const domain = h.filter((op) => op.outcome === 'ok' && op.output && 'error' in (op.output as object)).length;
  const errors = count(h, (op) => (op.outcome === 'ok' ? undefined : cause((op.output as { thrown?: string } | undefined)?.thrown)));
  const faults = run.faults.filter((f) => f.fault);
  const keys = v.linearizability.keys;
  const lin = v.linearizability;
  const applied = Object.entries(run.finalStatus).map(([id, st]) => `${id}:${st ? `${st.role} t${st.term} a${st.applied}` : 'no answer'}`);
  const replay = `${v.tolerate.length ? `JEPSEN_TOLERATE=${v.tolerate.join(',')} ` : ''}JEPSEN_SEED=${run.seed} JEPSEN_SECONDS=${Math.round(run.options.workloadMs / 1000)} npx jest --selectProjects e2e -- test/jepsen/kms-jepsen`;
  return [
    `Jepsen KMS — seed ${run.seed}, ${run.nodeIds.length} nodes, ${run.workload.workers} workers, ${(run.workloadMs / 1000).toFixed(1)} s workload + ${(run.finalMs / 1000).toFixed(1)} s final phase, ${(run.wallMs / 1000).toFixed(1)} s wall`,
    `operations: ${h.length} — ok ${h.filter((op) => op.outcome === 'ok').length} (of which AWS errors ${domain}), fail ${h.filter((op) => op.outcome === 'fail').length}, info ${h.filter((op) => op.outcome === 'info').length}`,
    `  by op (ok/fail/info): ${byOp}`,
    `  not ok, by cause: ${errors}`,
    `faults: ${faults.length} — ${count(faults, (f) => f.fault)}; aimed at the leader ${faults.filter((f) => f.atLeader).length}; partitions by reset ${faults.filter((f) => f.mode === 'reset').length}, by black hole ${faults.filter((f) => f.mode === 'blackhole').length}`,
    `keys: ${keys.length}, ops per key ≤ ${Math.max(0, ...keys.map((k) => k.ops))}, search steps ≤ ${Math.max(0, ...keys.map((k) => k.steps))}; dropped fails ${lin.droppedFails}, unkeyed ${lin.unkeyed.length}; checked in ${v.checkMs.toFixed(0)} ms`,
    `final: ${h.filter((op) => op.index >= run.finalFrom).length} ops after the heal; nodes ${applied.join(' ')}`,
    `linearizability: ${lin.verdict}`,
    ...(v.tolerated ? [`tolerated symptoms of known node bugs: ${v.tolerated} (not counted below)`] : []),
    `anomalies: ${v.anomalies.length}${v.anomalies.length ? '\n' + v.anomalies.slice(0, 20).map((a) => `  ${a}`).join('\n') : ''}`,
    ...(run.liveness.length ? [`liveness problems: ${run.liveness.length}`, ...run.liveness.slice(0, 20).map((p) => `  ${p}`)] : []),
    `replay: ${replay}`,
  ].join('\n');
}

/** "KMSInternalException (HTTP 500)", "Error ECONNREFUSED": the error's name, and its errno when the SDK wrapped it away. */
function cause(thrown: string | undefined): string {
  if (thrown === undefined) return 'in flight at the end';
  const head = /^([^:]*)/.exec(thrown)![1];
  const errno = /\b(E[A-Z]{4,}|socket hang up)\b/.exec(thrown.slice(head.length))?.[1];
  return errno && !head.includes(errno) ? `${head} ${errno}` : head;
}

/** Writes the history (JSON lines) and the fault log next to the node logs; returns what to print. */
export function saveFailure(run: JepsenRun, v: JepsenVerdict): string {
  const historyFile = join(run.dataRoot, 'history.jsonl');
  writeFileSync(historyFile, historyToJsonLines(run.history));
  writeFileSync(join(run.dataRoot, 'faults.jsonl'), run.faults.map((f) => JSON.stringify(f)).join('\n') + '\n');
  return [
    ...(v.linearizability.failure ? [v.linearizability.failure.text] : []),
    ...(v.linearizability.verdict === 'unknown' ? [`the linearizability search ran out of budget: ${v.linearizability.keys.filter((k) => k.verdict === 'unknown').map((k) => `${k.key} (${k.ops} ops)`).join(', ')}`] : []),
    `history: ${historyFile}`,
    `faults: ${join(run.dataRoot, 'faults.jsonl')}`,
    `node logs: ${run.nodeLogs.join(' ')}`,
  ].join('\n');
}
