import { LoadSlice } from './http-load';

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
