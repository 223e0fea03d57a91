import { Op } from './history';
import { KmsOutput } from './kms-model';

/**
 * Hand-written histories for the checker's specs. Times are plain numbers; each op gets its own
 * process unless one is given, and indexes follow creation order.
 */
export class HistoryBuilder {
  private readonly ops: Op[] = [];

  ok(f: string, call: number, ret: number, output: KmsOutput, opts: { key?: string; input?: unknown; process?: number } = {}): this {
    return this.add({ f, call, return: ret, outcome: 'ok', output, ...opts });
  }

  info(f: string, call: number, opts: { key?: string; input?: unknown; process?: number } = {}): this {
    return this.add({ f, call, return: Number.POSITIVE_INFINITY, outcome: 'info', output: undefined, ...opts });
  }

  fail(f: string, call: number, ret: number, opts: { key?: string; input?: unknown; process?: number } = {}): this {
    return this.add({ f, call, return: ret, outcome: 'fail', output: undefined, ...opts });
  }

  /** CreateKey of `key` (default 'k') answered at `ret`. */
  create(call: number, ret: number, key = 'k'): this {
    return this.ok('CreateKey', call, ret, { keyId: key }, { key });
  }

  build(): Op[] {
    return [...this.ops];
  }

  private add(o: { f: string; call: number; return: number; outcome: Op['outcome']; output: unknown; key?: string; input?: unknown; process?: number }): this {
    const index = this.ops.length;
    this.ops.push({
      index,
      process: o.process ?? index,
      key: 'key' in o ? o.key : 'k',
      f: o.f,
      input: o.input ?? {},
      call: o.call,
      return: o.return,
      outcome: o.outcome,
      output: o.output,
    });
    return this;
  }
}

export const history = (): HistoryBuilder => new HistoryBuilder();
