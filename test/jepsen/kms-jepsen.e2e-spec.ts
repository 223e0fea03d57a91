import { rmSync } from 'node:fs';
import { formatOp, historyFromJsonLines, historyToJsonLines, Op } from './history';
import { checkKmsRun, formatSummary, JepsenVerdict, parseKnownBugs, saveFailure } from './kms-jepsen-check';
import { JepsenRun, runKmsJepsen } from './kms-jepsen';
import { kmsKeyModel, KmsKeyState } from './kms-model';
import { Model } from './linearizability';

/**
 * The Jepsen-style test on real processes: a 3-node Region under kill -9, SIGSTOP and partitions,
 * checked for linearizability per key, Decrypt round trips and lost keys (README.md).
 *
 *   CI:    npx jest --selectProjects e2e -- test/jepsen/kms-jepsen                (25 s workload)
 *   long:  JEPSEN_SECONDS=300 JEPSEN_SEED=42 npx jest --selectProjects e2e -- test/jepsen/kms-jepsen
 *   also:  JEPSEN_VERBOSE=1 (progress and nemesis lines), JEPSEN_TOLERATE=stale-write-precheck
 */

const SECONDS = Number(process.env.JEPSEN_SECONDS ?? 25);
// A fresh seed each run unless one is given; the summary prints the command that replays it.
const SEED = Number(process.env.JEPSEN_SEED ?? Date.now() % 1_000_000);
const VERBOSE = process.env.JEPSEN_VERBOSE === '1';
// Symptoms of known node bugs to set aside, to look for other anomalies (kms-jepsen-check.ts).
const TOLERATE = parseKnownBugs(process.env.JEPSEN_TOLERATE);

// The final Decrypt pass grows with the run (see finalPhase).
jest.setTimeout(SECONDS * 1_500 + 120_000);

describe('KMS on a 3-node Region under faults (Jepsen)', () => {
  let run: JepsenRun;
  let verdict: JepsenVerdict;

  beforeAll(async () => {
    run = await runKmsJepsen({ seed: SEED, workloadMs: SECONDS * 1_000, log: VERBOSE ? (l) => process.stdout.write(`${l}\n`) : undefined });
    verdict = checkKmsRun(run, { tolerate: TOLERATE });
    const report = [formatSummary(run, verdict), ...(verdict.valid ? [] : [saveFailure(run, verdict)])].join('\n');
    process.stdout.write(`\n${report}\n`);
  });

  afterAll(() => {
    // A failing run keeps its data directory: the history and node logs are the bug report.
    if (run && verdict?.valid) rmSync(run.dataRoot, { recursive: true, force: true });
  });

  it('should inject faults throughout, and see ops of every kind succeed', () => {
    // A fault and its recovery take 3–7 s, a kill longer (the restart waits for health).
    expect(run.faults.filter((f) => f.fault).length).toBeGreaterThanOrEqual(Math.max(1, Math.floor(SECONDS / 10)));
    for (const f of ['CreateKey', 'DescribeKey', 'DisableKey', 'EnableKey', 'Encrypt', 'Decrypt']) {
      expect(run.history.some((op) => op.f === f && op.outcome === 'ok')).toBe(true);
    }
  });

  it('should recover after the heal: a leader, every key answering, every node at the same applied index', () => {
    expect(run.liveness).toEqual([]);
  });

  it('should be linearizable per key', () => {
    const lin = verdict.linearizability;
    if (lin.verdict !== 'ok') throw new Error(lin.failure?.text ?? `verdict ${lin.verdict}: the search ran out of budget`);
  });

  it('should decrypt every acknowledged Encrypt to its plaintext, and keep every acknowledged key on every node', () => {
    expect(verdict.decryptMismatches).toEqual([]);
    expect(verdict.notDecrypted).toEqual([]);
    expect(verdict.missingKeys).toEqual([]);
  });

  // The same pipeline, fed a wrong expectation or a doctored op, must say so: a test that cannot
  // fail proves nothing.
  describe('when the history or the model is wrong', () => {
    const ok = (op: Op) => op.outcome === 'ok';

    it('should report a node that forgets an acknowledged key (a doctored final DescribeKey)', () => {
      const last = [...run.history].reverse().find((op) => op.f === 'DescribeKey' && ok(op) && op.index >= run.finalFrom)!;
      const forged: Op = { ...last, index: run.history.length, call: last.return + 1, return: last.return + 2, output: { error: 'NotFoundException' } };
      // Through the saved form too: a history re-checked offline gives the same verdict.
      const doctored = historyFromJsonLines(historyToJsonLines([...run.history, forged]));
      const v = checkKmsRun(run, { history: doctored });
      expect(v.linearizability.verdict).toBe('illegal');
      // Judged on the doctored key: the run itself may have found something on another one.
      const key = v.linearizability.keys.find((k) => k.key === forged.key)!;
      expect(key.verdict).toBe('illegal');
      expect(key.explanation!.text).toContain(formatOp(forged));
      expect(v.missingKeys.join('\n')).toContain(`key ${forged.key}`);
      expect(v.valid).toBe(false);
    });

    it('should report Encrypt succeeding under a key the model says is disabled (DisableKey forgotten by the model)', () => {
      // A model in which DisableKey has no effect: every DisabledException the Region answered is
      // then a violation. The run must have produced some for this to prove anything.
      expect(run.history.some((op) => ok(op) && (op.output as { error?: string }).error === 'DisabledException')).toBe(true);
      const broken: Model<KmsKeyState, unknown, unknown> = {
        ...kmsKeyModel,
        step: (s, f, input, output) => kmsKeyModel.step(s, f === 'DisableKey' && s.exists ? 'EnableKey' : f, input as never, output as never),
      };
      const v = checkKmsRun(run, { model: broken });
      expect(v.linearizability.verdict).toBe('illegal');
      expect(v.linearizability.failure!.text).toMatch(/model expected (success|KeyState Enabled)/);
      expect(v.anomalies[0]).toMatch(/: not linearizable: cannot place #\d+/);
    });

    it('should report a Decrypt that returned another plaintext (a doctored final Decrypt)', () => {
      const i = run.history.findIndex((op) => op.f === 'Decrypt' && ok(op) && op.index >= run.finalFrom && 'plaintext' in (op.output as object));
      const doctored = run.history.map((op, j) => (j === i ? { ...op, output: { ...(op.output as object), plaintext: Buffer.from('forged').toString('base64') } } : op));
      const v = checkKmsRun(run, { history: doctored });
      expect(v.decryptMismatches).toEqual([expect.stringContaining(`#${run.history[i].index} Decrypt returned other plaintext`)]);
      expect(v.valid).toBe(false);
    });
  });
});
