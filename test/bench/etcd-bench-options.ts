import { integer, splitFlag } from './flag-parsing';

/** What `node dist/test/bench/etcd-bench.js [flags]` was asked to do. */
export interface EtcdBenchOptions {
  /** Measured seconds per put case. */
  durationS: number;
  /** Unmeasured seconds per put case before it. */
  warmupS: number;
  /** Each case's measured seconds are cut into this many slices, run in rounds across the cases. */
  rounds: number;
  /** Connections of each put case, all to the leader. */
  clients: readonly number[];
  /** Also run every client count spread over all members (followers forward to the leader). */
  spread: boolean;
  /** Leaders killed for the failover measurement; 0 skips it. */
  kills: number;
  /** The etcd executable. */
  etcd: string;
}

export const ETCD_USAGE = `usage: node dist/test/bench/etcd-bench.js [--duration S] [--warmup S] [--rounds N] [--clients 1,16,64] [--spread] [--kills N] [--etcd PATH]
  --duration S    measured seconds per put case (default 5)
  --warmup S      unmeasured seconds per put case before measuring (default 1)
  --rounds N      cut each case's measured time into N slices, interleaved with the other cases (default 5; no slice under 1 s)
  --clients LIST  connections of each put case, comma-separated (default 1,16,64)
  --spread        also run each client count spread over the members (connection i to member i mod 3,
                  so 1 client means member 0, leader or not); followers forward puts to the leader
  --kills N       leaders to kill for the failover measurement (default 20; 0 skips it)
  --etcd PATH     the etcd executable (default: etcd on PATH; Debian's etcd-server installs /usr/bin/etcd)`;

export class EtcdBenchOptionsError extends Error {}

export function parseEtcdBenchOptions(argv: readonly string[]): EtcdBenchOptions | 'help' {
  const options: EtcdBenchOptions = { durationS: 5, warmupS: 1, rounds: 5, clients: [1, 16, 64], spread: false, kills: 20, etcd: 'etcd' };
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
        options.durationS = integer(flag, value(), 1, 600, problems);
        break;
      case '--warmup':
        options.warmupS = integer(flag, value(), 0, 60, problems);
        break;
      case '--rounds':
        options.rounds = integer(flag, value(), 1, 60, problems);
        break;
      case '--clients': {
        const text = value();
        options.clients = text.split(',').map((c) => integer(flag, c.trim(), 1, 1024, problems));
        break;
      }
      case '--spread':
        options.spread = true;
        break;
      case '--kills':
        options.kills = integer(flag, value(), 0, 1000, problems);
        break;
      case '--etcd':
        options.etcd = value();
        break;
      default:
        problems.push(`unknown flag ${flag}`);
    }
  }
  if (problems.length > 0) throw new EtcdBenchOptionsError(`${problems.join('; ')}\n${ETCD_USAGE}`);
  return options;
}
