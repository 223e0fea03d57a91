import fc from 'fast-check';
import { Op } from './history';
import { history } from './jepsen-fixtures';
import { KmsKeyState, kmsKeyModel, KmsOperation, KmsOutput, partitionKmsHistory } from './kms-model';
import { checkLinearizability, Model, UNKNOWN } from './linearizability';
import { SeededRandom } from './seeded-random';

const check = (ops: Op[], opts = {}) => checkLinearizability(kmsKeyModel, ops, opts);

describe(checkLinearizability.name, () => {
  describe('linearizable histories', () => {
    it('accepts a sequential lifecycle, including idempotent DisableKey', () => {
      const ops = history()
        .create(0, 1)
        .ok('Encrypt', 2, 3, { ciphertext: 'c1' })
        .ok('DisableKey', 4, 5, {})
        .ok('DisableKey', 6, 7, {})
        .ok('DescribeKey', 8, 9, { enabled: false })
        .ok('Encrypt', 10, 11, { error: 'DisabledException' })
        .ok('Decrypt', 12, 13, { error: 'DisabledException' })
        .ok('EnableKey', 14, 15, {})
        .ok('Decrypt', 16, 17, { plaintext: 'p', keyId: 'k' })
        .build();
      const sut = check(ops);
      expect(sut.verdict).toBe('ok');
      expect(sut.keys[0].order).toEqual(ops.map((o) => o.index));
    });

    it('orders concurrent ops by what they saw, not by when they were called', () => {
      // DisableKey spans [2, 10]. An Encrypt called before it succeeds, one called after it is
      // refused, yet the refused one returned first: both fit, Disable lands between them.
      const ops = history()
        .create(0, 1)
        .ok('DisableKey', 2, 10, {})
        .ok('Encrypt', 3, 9, { error: 'DisabledException' })
        .ok('Encrypt', 2.5, 9.5, { ciphertext: 'c' })
        .ok('DescribeKey', 4, 8, { enabled: false })
        .build();
      const sut = check(ops);
      expect(sut.verdict).toBe('ok');
      const order = sut.keys[0].order!;
      expect(order.indexOf(3)).toBeLessThan(order.indexOf(1)); // the ok Encrypt before DisableKey
      expect(order.indexOf(1)).toBeLessThan(order.indexOf(2));
    });

    it('treats touching intervals as concurrent (closed intervals)', () => {
      const ops = history().create(0, 1).ok('DisableKey', 2, 5, {}).ok('Encrypt', 5, 6, { ciphertext: 'c' }).build();
      expect(check(ops).verdict).toBe('ok');
    });

    it('linearizes an info DisableKey late: long after its call, a read sees it', () => {
      const ops = history()
        .create(0, 1)
        .info('DisableKey', 2)
        .ok('DescribeKey', 10, 11, { enabled: true })
        .ok('Encrypt', 12, 13, { ciphertext: 'c' })
        .ok('DescribeKey', 100, 101, { enabled: false })
        .build();
      expect(check(ops).verdict).toBe('ok');
    });

    it('lets an info DisableKey never happen', () => {
      const ops = history()
        .create(0, 1)
        .info('DisableKey', 2)
        .ok('DescribeKey', 10, 11, { enabled: true })
        .ok('Encrypt', 100, 101, { ciphertext: 'c' })
        .build();
      expect(check(ops).verdict).toBe('ok');
    });

    it('drops failed reads, which leave no trace', () => {
      const ops = history().create(0, 1).fail('DescribeKey', 2, 3).fail('Encrypt', 2, 3).ok('Encrypt', 4, 5, { ciphertext: 'c' }).build();
      const sut = check(ops);
      expect(sut.verdict).toBe('ok');
      expect(sut.droppedFails).toBe(2);
      expect(sut.failsCheckedAsInfo).toBe(0);
    });

    it('checks a failed write as info: the model does not vouch that it had no effect', () => {
      const ops = history().create(0, 1).fail('DisableKey', 2, 3).ok('DescribeKey', 4, 5, { enabled: false }).build();
      const sut = check(ops);
      expect(sut.verdict).toBe('ok');
      expect(sut.failsCheckedAsInfo).toBe(1);
    });

    it('accepts NotFoundException as a definite answer before the key exists', () => {
      // Not something the workload can produce (it learns the id from CreateKey), but the model covers it.
      const ops = history().ok('DescribeKey', 0, 1, { error: 'NotFoundException' }).create(2, 3).build();
      expect(check(ops).verdict).toBe('ok');
    });
  });

  describe('histories that are not linearizable', () => {
    it('rejects an Encrypt that succeeds after a completed DisableKey (stale read)', () => {
      const ops = history()
        .create(0, 1)
        .ok('Encrypt', 2, 3, { ciphertext: 'c1' })
        .ok('DisableKey', 4, 5, {})
        .ok('Encrypt', 6, 7, { ciphertext: 'c2' })
        .build();
      const sut = check(ops);
      expect(sut.verdict).toBe('illegal');
      const why = sut.failure!;
      expect(why.key).toBe('k');
      expect(why.prefix.map((o) => o.f)).toEqual(['CreateKey', 'Encrypt', 'DisableKey']);
      expect(why.stateAfterPrefix).toBe('Disabled');
      expect(why.unplaceable.index).toBe(3);
      expect(why.refused).toEqual([{ op: ops[3], expected: 'DisabledException' }]);
      expect(why.text).toContain('cannot place: #3');
    });

    it('rejects Disabled followed by Enabled with no EnableKey in between', () => {
      const ops = history()
        .create(0, 1)
        .ok('DisableKey', 2, 3, {})
        .ok('DescribeKey', 4, 5, { enabled: false })
        .ok('DescribeKey', 6, 7, { enabled: true })
        .build();
      const sut = check(ops);
      expect(sut.verdict).toBe('illegal');
      expect(sut.failure!.unplaceable.index).toBe(3);
      expect(sut.failure!.refused[0].expected).toBe('KeyState Disabled');
    });

    it('accepts the same reads when an info EnableKey was called before the second one', () => {
      const ops = history()
        .create(0, 1)
        .ok('DisableKey', 2, 3, {})
        .ok('DescribeKey', 4, 5, { enabled: false })
        .info('EnableKey', 5.5)
        .ok('DescribeKey', 6, 7, { enabled: true })
        .build();
      expect(check(ops).verdict).toBe('ok');
    });

    it('rejects a read that disagrees with a completed EnableKey while a concurrent read agrees', () => {
      const ops = history()
        .create(0, 1)
        .ok('DisableKey', 2, 3, {})
        .ok('EnableKey', 4, 5, {})
        .ok('DescribeKey', 6, 9, { enabled: true })
        .ok('DescribeKey', 7, 8, { enabled: false })
        .build();
      expect(check(ops).verdict).toBe('illegal');
    });

    it('rejects an info op that would have to take effect before it was called', () => {
      const ops = history()
        .create(0, 1)
        .ok('DescribeKey', 2, 3, { enabled: false }) // nothing disabled the key yet
        .info('DisableKey', 4)
        .build();
      expect(check(ops).verdict).toBe('illegal');
    });
  });

  describe('partitioning by key', () => {
    it('checks each key on its own and blames only the bad one', () => {
      const ops = history()
        .create(0, 1, 'a')
        .create(0, 1, 'b')
        .ok('DisableKey', 2, 3, {}, { key: 'a' })
        .ok('Encrypt', 4, 5, { ciphertext: 'cb' }, { key: 'b' }) // fine: b is enabled
        .ok('Encrypt', 4, 5, { error: 'DisabledException' }, { key: 'a' })
        .ok('DescribeKey', 6, 7, { enabled: true }, { key: 'a' }) // stale
        .build();
      const sut = check(ops);
      expect(sut.verdict).toBe('illegal');
      expect(sut.keys.map((k) => [k.key, k.verdict])).toEqual([
        ['a', 'illegal'],
        ['b', 'ok'],
      ]);
      expect(sut.failure!.key).toBe('a');
    });

    it('leaves a CreateKey with unknown id out, and reports it', () => {
      const ops = history().info('CreateKey', 0, { key: undefined }).create(1, 2, 'b').build();
      const sut = check(ops);
      expect(sut.verdict).toBe('ok');
      expect(sut.unkeyed.map((o) => o.index)).toEqual([0]);
    });

    it('adopts a key found later (ListKeys) under a synthetic info CreateKey', () => {
      const ops = history()
        .info('CreateKey', 5, { key: undefined })
        .ok('DescribeKey', 50, 51, { enabled: true }, { key: 'orphan' })
        .build();
      expect(check(ops).verdict).toBe('illegal'); // by op.key, the key was never created
      const sut = check(ops, { partition: partitionKmsHistory });
      expect(sut.verdict).toBe('ok');
    });

    it('does not let an adopted key exist before the earliest unattributed CreateKey was called', () => {
      const ops = history()
        .ok('DescribeKey', 0, 1, { enabled: true }, { key: 'orphan' })
        .info('CreateKey', 5, { key: undefined })
        .build();
      expect(check(ops, { partition: partitionKmsHistory }).verdict).toBe('illegal');
    });
  });

  describe('budget', () => {
    // 14 info toggles all pending from the start, then a read no order can explain: the search
    // must try every subset of toggles before it can say "illegal".
    const hard = (): Op[] => {
      const b = history().create(0, 1);
      for (let i = 0; i < 14; i++) b.info(i % 2 ? 'EnableKey' : 'DisableKey', 2 + i);
      return b.ok('DescribeKey', 100, 101, { error: 'NotFoundException' }).build();
    };

    it("answers 'unknown' when the step budget runs out", () => {
      const sut = check(hard(), { maxStepsPerKey: 1_000 });
      expect(sut.verdict).toBe('unknown');
      expect(sut.keys[0]).toMatchObject({ verdict: 'unknown', steps: 1_001 });
    });

    it("answers 'unknown' when the time budget runs out", () => {
      expect(check(hard(), { timeoutMs: 0 }).verdict).toBe('unknown');
    });

    it('reaches the verdict given enough budget', () => {
      expect(check(hard()).verdict).toBe('illegal');
    });

    it('reports illegal over unknown when both occur', () => {
      const bad = history().create(0, 1, 'bad').ok('DescribeKey', 2, 3, { enabled: false }, { key: 'bad' }).build();
      const slow = hard().map((o) => ({ ...o, index: o.index + 100, key: 'slow' }));
      const sut = check([...bad, ...slow], { maxStepsPerKey: 1_000 });
      expect(sut.verdict).toBe('illegal');
      expect(sut.keys.find((k) => k.key === 'slow')!.verdict).toBe('unknown');
    });
  });

  describe('against generated executions', () => {
    const OPS: Array<Exclude<KmsOperation, 'CreateKey'>> = ['DescribeKey', 'DisableKey', 'EnableKey', 'Encrypt', 'Decrypt'];

    /**
     * Simulates a linearizable KMS key: each op takes effect at a point inside its interval, and
     * its output is the model's answer at that point. Some writes end up `info` (their effect
     * applied, or never), some reads `fail`.
     */
    function execution(seed: number, size: number, faults = true): Op[] {
      const rng = new SeededRandom(seed);
      type Planned = { f: KmsOperation | 'CreateKey'; call: number; at: number; ret: number; fate: 'ok' | 'info' | 'lost' | 'fail' };
      const planned: Planned[] = [{ f: 'CreateKey', call: 0, at: 0.5, ret: 1, fate: 'ok' }];
      for (let i = 0; i < size; i++) {
        const f = rng.pick(OPS);
        const at = 2 + rng.next() * size;
        // Without faults, ops are instants: a sequential history.
        const call = faults ? at - rng.next() * 3 : at;
        const ret = faults ? at + rng.next() * 3 : at;
        const write = f === 'DisableKey' || f === 'EnableKey';
        const roll = faults ? rng.next() : 1;
        const fate = write && roll < 0.15 ? 'info' : write && roll < 0.25 ? 'lost' : !write && roll < 0.1 ? 'fail' : 'ok';
        planned.push({ f, call: Math.max(call, 1.01), at, ret, fate });
      }
      let state: KmsKeyState = kmsKeyModel.init();
      const answers = new Map<Planned, KmsOutput>();
      for (const p of [...planned].sort((a, b) => a.at - b.at)) {
        if (p.fate === 'lost') continue; // an info write that never took effect
        const output = answerFor(p.f, state);
        const r = kmsKeyModel.step(state, p.f, {}, UNKNOWN);
        if (!r.legal) throw new Error('generator bug');
        state = r.state;
        answers.set(p, output);
      }
      return planned.map((p, index) => ({
        index,
        process: index,
        key: 'k',
        f: p.f,
        input: {},
        call: p.call,
        return: p.fate === 'info' || p.fate === 'lost' ? Number.POSITIVE_INFINITY : p.ret,
        outcome: p.fate === 'lost' ? 'info' : p.fate,
        output: p.fate === 'ok' ? answers.get(p) : undefined,
      }));
    }

    function answerFor(f: string, s: KmsKeyState): KmsOutput {
      switch (f) {
        case 'CreateKey':
          return { keyId: 'k' };
        case 'DescribeKey':
          return { enabled: s.enabled };
        case 'Encrypt':
          return s.enabled ? { ciphertext: 'c' } : { error: 'DisabledException' };
        case 'Decrypt':
          return s.enabled ? { plaintext: 'p', keyId: 'k' } : { error: 'DisabledException' };
        default:
          return {};
      }
    }

    it('finds every linearizable execution linearizable, and its witness replays', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 40 }), (seed, size) => {
          const ops = execution(seed, size);
          const sut = check(ops);
          expect(sut.verdict).toBe('ok');
          expect(replays(kmsKeyModel, ops, sut.keys[0].order!)).toBe(true);
        }),
        { numRuns: 200 },
      );
    });

    it('agrees with a brute-force search on small random histories, linearizable or not', () => {
      const outputs: Record<Exclude<KmsOperation, 'CreateKey'>, KmsOutput[]> = {
        DescribeKey: [{ enabled: true }, { enabled: false }],
        DisableKey: [{}],
        EnableKey: [{}],
        Encrypt: [{ ciphertext: 'c' }, { error: 'DisabledException' }],
        Decrypt: [{ plaintext: 'p', keyId: 'k' }, { error: 'DisabledException' }],
      };
      let illegal = 0;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 6 }), (seed, size) => {
          const rng = new SeededRandom(seed);
          const b = history().create(0, 1);
          for (let i = 0; i < size; i++) {
            const f = rng.pick(OPS);
            const call = 2 + rng.int(8);
            if (rng.next() < 0.2) b.info(f, call);
            else b.ok(f, call, call + rng.int(4), rng.pick(outputs[f]));
          }
          const ops = b.build();
          const expected = bruteForce(kmsKeyModel, ops);
          if (!expected) illegal++;
          expect(check(ops).verdict).toBe(expected ? 'ok' : 'illegal');
        }),
        { numRuns: 500 },
      );
      expect(illegal).toBeGreaterThan(50); // the property saw both verdicts
    });

    it('finds a sequential history with one read answer flipped illegal', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 30 }), (seed, size) => {
          const rng = new SeededRandom(seed);
          const ops = execution(seed, size, false);
          const reads = ops.filter((o) => o.f === 'DescribeKey');
          fc.pre(reads.length > 0);
          const victim = rng.pick(reads);
          const flipped = ops.map((o) => (o === victim ? { ...o, output: { enabled: !(o.output as { enabled: boolean }).enabled } } : o));
          expect(check(flipped).verdict).toBe('illegal');
        }),
        { numRuns: 200 },
      );
    });
  });
});

/** Tries every order of all ops (info ops with return +∞): the definition, for tiny histories. */
function bruteForce<S>(model: Model<S>, ops: Op[]): boolean {
  const ret = (o: Op): number => (o.outcome === 'ok' ? o.return : Number.POSITIVE_INFINITY);
  const search = (remaining: Op[], state: S): boolean => {
    if (remaining.length === 0) return true;
    return remaining.some((op) => {
      // `op` may go next only if no remaining op returned before it was called.
      if (remaining.some((o) => ret(o) < op.call)) return false;
      const r = model.step(state, op.f, op.input, op.outcome === 'ok' ? op.output : UNKNOWN);
      return r.legal && search(remaining.filter((o) => o !== op), r.state);
    });
  };
  return search(ops, model.init());
}

/**
 * True if `order` (op indexes) is a witness: it respects real time (no op placed after one that
 * was called after it returned) and the model accepts it, with unknown outputs for non-ok ops.
 */
function replays<S>(model: Model<S>, ops: Op[], order: number[]): boolean {
  const byIndex = new Map(ops.map((o) => [o.index, o]));
  const placed = order.map((i) => byIndex.get(i)!);
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) if (placed[j].return < placed[i].call) return false;
  }
  let state = model.init();
  for (const op of placed) {
    const r = model.step(state, op.f, op.input, op.outcome === 'ok' ? op.output : UNKNOWN);
    if (!r.legal) return false;
    state = r.state;
  }
  return true;
}
