import type { LoadResult, LoadSlice } from './http-load';

/** How many wrong replies a case keeps for its report. */
const EXAMPLES_KEPT = 5;

/**
 * One row of a write benchmark (Trent's KMS writes, etcd's puts): a number of connections, where
 * they go (resolved again before every slice, since the leader may move), and the slices measured
 * so far. Before the first slice one write per target is sent and read back, so a server that
 * answers without storing cannot pass; afterwards every reply is checked.
 */
export abstract class CheckedWriteCase {
  readonly slices: LoadSlice[] = [];
  /** Failed pre-flight checks; a case with any is not measured. */
  readonly problems: string[] = [];
  /** 200 replies in measured slices that were not the right answer (non-2xx are counted by autocannon). */
  badReplies = 0;
  /** The first few wrong replies of any kind, warm-up included, for the report. */
  readonly examples: string[] = [];
  private checked = false;

  constructor(
    readonly name: string,
    readonly connections: number,
    private readonly targets: () => Promise<string[]>,
    private readonly progress: (line: string) => void,
  ) {}

  get failed(): boolean {
    return this.problems.length > 0;
  }

  async warmUp(seconds: number): Promise<void> {
    const urls = await this.checkedTargets();
    if (urls && seconds > 0) await this.slice(urls, seconds, false);
  }

  async measure(seconds: number): Promise<LoadSlice | undefined> {
    const urls = await this.checkedTargets();
    if (!urls) return undefined;
    const slice = await this.slice(urls, seconds, true);
    this.slices.push(slice);
    return slice;
  }

  /** Runs load on `urls` for `seconds`, passing every reply to `checkReply`. */
  protected abstract slice(urls: string[], seconds: number, counted: boolean, onGood?: () => void): Promise<LoadSlice>;

  /** One write to `url`, then reads it back; a problem, or undefined when both went right. */
  protected abstract writeAndReadBack(url: string): Promise<string | undefined>;

  /** Counts and keeps a reply's problem (undefined: a right reply, passed to `onGood`). */
  protected checkReply(problem: string | undefined, status: number, counted: boolean, onGood?: () => void): void {
    if (problem === undefined) return onGood?.();
    if (status === 200 && counted) this.badReplies++;
    if (this.examples.length < EXAMPLES_KEPT) this.examples.push(problem);
  }

  protected async checkedTargets(): Promise<string[] | undefined> {
    if (this.failed) return undefined;
    const urls = await this.targets();
    if (!this.checked) {
      this.checked = true;
      for (const url of urls) {
        const problem = await this.writeAndReadBack(url).catch((e: Error) => e.message);
        if (problem !== undefined) this.problems.push(`${url}: ${problem}`);
      }
      if (this.failed) {
        this.progress(`!!! ${this.name}: pre-flight write failed; NOT measuring it. ${this.problems.join(' | ')}`);
        return undefined;
      }
    }
    return urls;
  }
}

/** How a write case went, as both write reports (etcd alone, Trent beside etcd) print it. */
export interface WriteOutcome {
  case: string;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Everything that is not a good write: non-2xx, 200 with a wrong body, socket errors, timeouts, failed pre-flight. */
  errors: number;
  detail: { completed: number; non2xx: number; badBodies: number; socketErrors: number; timeouts: number; statusCodes: Record<string, number>; preflightProblems: string[]; examples: string[] };
  /** CPU the load generator used, in cores (it runs on one thread). */
  generatorCores: number;
}

export function writeOutcome(c: CheckedWriteCase, r: LoadResult): WriteOutcome {
  return {
    case: c.name,
    requestsPerS: r.requestsPerS,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    // autocannon counts a timeout in `errors` as well, so it is not added twice.
    errors: r.non2xx + r.errors + c.badReplies + c.problems.length,
    detail: { completed: r.completed, non2xx: r.non2xx, badBodies: c.badReplies, socketErrors: r.errors - r.timeouts, timeouts: r.timeouts, statusCodes: r.statusCodes, preflightProblems: c.problems, examples: c.examples },
    generatorCores: r.generatorCores,
  };
}
