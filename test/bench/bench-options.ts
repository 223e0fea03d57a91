/** What `node dist/test/bench/run.js [flags]` was asked to do. */
export interface BenchOptions {
  /** Measured seconds per case. */
  durationS: number;
  /** Unmeasured seconds per case before it, to warm the JIT, the key caches and the sockets. */
  warmupS: number;
  connections: number;
  /**
   * The measured seconds of every case are cut into this many slices, run in rounds (baseline,
   * then each Trent case, every round), so drift on a shared machine hits all cases alike.
   */
  rounds: number;
  only: ReadonlyArray<TrentCase>;
  /** Write a V8 CPU profile of the Trent node and summarise it. */
  cpuProf: boolean;
}

/** `gateway`: Encrypt through the one-endpoint gateway (as clients of `trent up` on :4566 call it). */
export const TRENT_CASES = ['encrypt', 'decrypt', 'gdk', 'gateway'] as const;
export type TrentCase = (typeof TRENT_CASES)[number];

// Signatures stay valid for 15 minutes and each case's pool is signed just before the case, so a
// case (warm-up + measurement + verification) must fit well inside that window.
const MAX_CASE_S = 600;

export const USAGE = `usage: node dist/test/bench/run.js [--duration S] [--warmup S] [--connections N] [--rounds N] [--only encrypt,decrypt,gdk,gateway] [--cpu-prof]
  --duration S     measured seconds per case (default 10, at most ${MAX_CASE_S})
  --warmup S       unmeasured seconds per case before measuring (default 2)
  --connections N  concurrent keep-alive connections (default 64)
  --rounds N       cut each case's measured time into N slices, interleaved with the other cases
                   and the baseline (default 5; no slice is shorter than 1 s); 1 runs each case in one go
  --only LIST      Trent cases to run, comma-separated (default all); the Fastify baseline always runs
  --cpu-prof       profile the Trent node during its cases (V8 sampling profiler) and print where its time went;
                   the profiler slows the node, so compare ratios only between unprofiled runs`;

export class BenchOptionsError extends Error {}

export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const options: BenchOptions = { durationS: 10, warmupS: 2, connections: 64, rounds: 5, only: TRENT_CASES, cpuProf: false };
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = splitFlag(argv[i]!);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) problems.push(`${flag} needs a value`);
      return next ?? '';
    };
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--duration':
        options.durationS = integer(flag, value(), 1, MAX_CASE_S, problems);
        break;
      case '--warmup':
        options.warmupS = integer(flag, value(), 0, 60, problems);
        break;
      case '--connections':
        options.connections = integer(flag, value(), 1, 1024, problems);
        break;
      case '--rounds':
        options.rounds = integer(flag, value(), 1, 60, problems);
        break;
      case '--only':
        options.only = cases(value(), problems);
        break;
      case '--cpu-prof':
        options.cpuProf = true;
        break;
      default:
        problems.push(`unknown flag ${flag}`);
    }
  }
  if (problems.length > 0) throw new BenchOptionsError(`${problems.join('; ')}\n${USAGE}`);
  return options;
}

/** Rounds and slice length as run: no slice shorter than a second, so connection set-up stays negligible. */
export function sliceSchedule(options: BenchOptions): { rounds: number; sliceS: number } {
  const rounds = Math.min(options.rounds, options.durationS);
  return { rounds, sliceS: options.durationS / rounds };
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function integer(flag: string, text: string, min: number, max: number, problems: string[]): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) problems.push(`${flag} must be an integer from ${min} to ${max}, got '${text}'`);
  return n;
}

function cases(text: string, problems: string[]): TrentCase[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(TRENT_CASES as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) problems.push(`--only takes some of ${TRENT_CASES.join(',')}, got '${text}'`);
  // Keep the canonical order whatever order was given.
  return TRENT_CASES.filter((c) => names.includes(c));
}
