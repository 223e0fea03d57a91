import { formatOp, historyFromJsonLines, historyToJsonLines, HistoryRecorder } from './history';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ns: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ns) => (t += ns) };
}

describe(HistoryRecorder.name, () => {
  it('stamps invoke and completion from its clock and keeps invocation order', () => {
    const clock = manualClock();
    const sut = new HistoryRecorder(clock.now);
    const [p, q] = [sut.newProcess(), sut.newProcess()];
    clock.advance(10);
    const a = sut.invoke(p, 'DescribeKey', {}, 'k');
    clock.advance(5);
    const b = sut.invoke(q, 'DisableKey', {}, 'k');
    clock.advance(5);
    sut.ok(b, {});
    clock.advance(5);
    sut.ok(a, { enabled: true });
    expect(sut.history()).toEqual([
      { index: 0, process: p, key: 'k', f: 'DescribeKey', input: {}, call: 10, return: 25, outcome: 'ok', output: { enabled: true } },
      { index: 1, process: q, key: 'k', f: 'DisableKey', input: {}, call: 15, return: 20, outcome: 'ok', output: {} },
    ]);
  });

  it('learns the key from the answer (CreateKey)', () => {
    const sut = new HistoryRecorder();
    const op = sut.invoke(sut.newProcess(), 'CreateKey', {});
    expect(sut.ok(op, { keyId: 'abc' }, 'abc').key).toBe('abc');
  });

  it('gives an info op an infinite return and retires its process', () => {
    const sut = new HistoryRecorder();
    const p = sut.newProcess();
    const done = sut.info(sut.invoke(p, 'DisableKey', {}, 'k'), { thrown: 'timeout' });
    expect(done).toMatchObject({ outcome: 'info', return: Number.POSITIVE_INFINITY });
    expect(sut.isRetired(p)).toBe(true);
    expect(() => sut.invoke(p, 'DescribeKey', {}, 'k')).toThrow(/retired/);
  });

  it('keeps a fail op finite and its process alive', () => {
    const sut = new HistoryRecorder();
    const p = sut.newProcess();
    expect(Number.isFinite(sut.fail(sut.invoke(p, 'DescribeKey', {}, 'k')).return)).toBe(true);
    expect(() => sut.invoke(p, 'DescribeKey', {}, 'k')).not.toThrow();
  });

  it('refuses a second op in flight on one process', () => {
    const sut = new HistoryRecorder();
    const p = sut.newProcess();
    sut.invoke(p, 'DescribeKey', {}, 'k');
    expect(() => sut.invoke(p, 'DescribeKey', {}, 'k')).toThrow(/in flight/);
  });

  it('reports ops still in flight as info', () => {
    const sut = new HistoryRecorder();
    sut.invoke(sut.newProcess(), 'EnableKey', {}, 'k');
    expect(sut.history()).toMatchObject([{ f: 'EnableKey', outcome: 'info', return: Number.POSITIVE_INFINITY }]);
  });

  it('uses a monotonic clock by default', () => {
    const sut = new HistoryRecorder();
    const p = sut.newProcess();
    const ops = Array.from({ length: 50 }, () => sut.ok(sut.invoke(p, 'DescribeKey', {}, 'k'), {}));
    for (let i = 1; i < ops.length; i++) expect(ops[i].call).toBeGreaterThanOrEqual(ops[i - 1].return);
  });

  describe('ClientWorker', () => {
    it('continues as a new logical process after an info op, and after a thrown exec', async () => {
      const rec = new HistoryRecorder();
      const sut = rec.worker();
      const first = sut.process;
      await sut.run('DescribeKey', {}, 'k', async () => ({ outcome: 'ok', output: { enabled: true } }));
      expect(sut.process).toBe(first);
      await sut.run('DisableKey', {}, 'k', async () => ({ outcome: 'info' }));
      const second = sut.process;
      expect(second).not.toBe(first);
      const thrown = await sut.run('EnableKey', {}, 'k', async () => {
        throw new Error('socket hang up');
      });
      expect(thrown).toMatchObject({ outcome: 'info', process: second, output: { thrown: 'Error: socket hang up' } });
      expect(sut.process).not.toBe(second);
      expect(rec.history().map((o) => o.process)).toEqual([first, first, second]);
    });
  });

  it('formats an op on one line', () => {
    const sut = new HistoryRecorder(manualClock().now);
    const op = sut.info(sut.invoke(sut.newProcess(), 'DisableKey', {}, 'k'));
    expect(formatOp(op)).toBe('#0 p0 key=k DisableKey({}) → info [0.000, ∞]');
  });

  it('round-trips a history through JSON lines, info returns included', () => {
    const sut = new HistoryRecorder();
    const p = sut.newProcess();
    sut.ok(sut.invoke(p, 'CreateKey', {}), { keyId: 'k' }, 'k');
    sut.info(sut.invoke(p, 'DisableKey', {}, 'k'));
    const ops = sut.history();
    expect(historyFromJsonLines(historyToJsonLines(ops))).toEqual(ops);
  });
});
