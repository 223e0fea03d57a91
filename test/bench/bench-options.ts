import { integer, splitFlag } from './flag-parsing';

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
  /** Single-node cases; empty when --only names Raft sections alone (the node and baseline then do not start). */
  only: ReadonlyArray<TrentCase>;
  /** Write a V8 CPU profile of the Trent node and summarise it (in the Raft writes: the leader's processes). */
  cpuProf: boolean;
  /** Raft sections: a 3-node Region beside a 3-member etcd cluster. */
  raft: RaftOptions;
  /** The multi-Region section: 3 Regions × 3 nodes through the real launcher. */
  multiRegion: MultiRegionOptions;
  /** The key-specs section: Sign, Verify and GenerateMac per key spec beside the raw operation. */
  keySpecs: KeySpecsOptions;
}

/**
 * Like the single-node cases' but shorter by default (9 cases); --duration, --warmup, --rounds and
 * --connections, when given, apply here too.
 */
export interface KeySpecsOptions {
  run: boolean;
  durationS: number;
  warmupS: number;
  rounds: number;
  connections: number;
}

export interface MultiRegionOptions {
  /** Whether `multi-region` is among the sections asked for. */
  run: boolean;
  /** Multi-Region keys replicated, then rotated, one at a time. */
  keys: number;
  /** Kills of the primary's whole Region, each followed by a forced promotion and a write. */
  kills: number;
}

export interface RaftOptions {
  sections: ReadonlyArray<RaftSection>;
  /** Connections of each write case. */
  clients: readonly number[];
  /** Measured seconds per write case, cut into `rounds` slices interleaved with the others. */
  durationS: number;
  warmupS: number;
  rounds: number;
  /** Also run every client count spread over all nodes / members (followers forward to the leader). */
  spread: boolean;
  /** Leaders killed, each of Trent and etcd, for the failover section. */
  kills: number;
  /** The etcd executable. */
  etcd: string;
}

/** `gateway`: Encrypt through the one-endpoint gateway (as clients of `trent up` on :4566 call it). */
export const TRENT_CASES = ['encrypt', 'decrypt', 'gdk', 'gateway'] as const;
export type TrentCase = (typeof TRENT_CASES)[number];

/**
 * `raft-writes`: TagResource and CreateKey on a 3-node Region beside etcd puts at the same client
 * counts; `failover`: leader kill -9 → first acknowledged write, Trent and etcd kills alternating.
 */
export const RAFT_SECTIONS = ['raft-writes', 'failover'] as const;
export type RaftSection = (typeof RAFT_SECTIONS)[number];

/** `multi-region`: ReplicateKey → Enabled, rotation → every replica, Region kill → forced promotion → first write. */
export const MULTI_REGION_SECTION = 'multi-region';

/** `key-specs`: Sign and Verify per asymmetric key spec and GenerateMac, each beside the raw operation in-process. */
export const KEY_SPECS_SECTION = 'key-specs';

// Signatures stay valid for 15 minutes and each case's pool is signed just before the case, so a
// case (warm-up + measurement + verification) must fit well inside that window.
const MAX_CASE_S = 600;

export const USAGE = `usage: node dist/test/bench/run.js [--duration S] [--warmup S] [--connections N] [--rounds N]
         [--only encrypt,decrypt,gdk,gateway,key-specs,raft-writes,failover,multi-region] [--cpu-prof]
         [--raft-clients 1,16,64] [--raft-duration S] [--raft-warmup S] [--raft-rounds N] [--raft-spread] [--kills N] [--etcd PATH]
         [--mr-keys N] [--region-kills N]
  --duration S     measured seconds per single-node case (default 10, at most ${MAX_CASE_S}; key-specs: default 2)
  --warmup S       unmeasured seconds per single-node case before measuring (default 2; key-specs: default 1)
  --connections N  concurrent keep-alive connections of the single-node and key-specs cases (default 64)
  --rounds N       cut each single-node case's measured time into N slices, interleaved with the other cases
                   and the baseline (default 5; no slice is shorter than 1 s); 1 runs each case in one go;
                   key-specs: default 2, each API slice between two slices of the raw operation
  --only LIST      sections to run, comma-separated (default all): the single-node cases (the Fastify
                   baseline runs whenever one of them does), key-specs, raft-writes, failover, multi-region
  --cpu-prof       profile Trent (V8 sampling profiler) and print where its time went: the single node during
                   its cases; the Region leader's primary and worker and a follower's primary during the Raft
                   writes; the profiler slows the node, so compare ratios only between unprofiled runs
  --raft-clients LIST  connections of each Raft write case, comma-separated (default 1,16,64)
  --raft-duration S    measured seconds per Raft write case (default 6)
  --raft-warmup S      unmeasured seconds per Raft write case before measuring (default 1)
  --raft-rounds N      cut each Raft write case into N slices, interleaved with etcd's (default 3; no slice under 1 s)
  --raft-spread        also run each client count spread over all nodes and members (connection i to node i mod 3)
  --kills N            leaders killed, each of Trent and etcd, for failover (default 20; 0 skips it)
  --etcd PATH          the etcd executable (default: etcd on PATH; Debian's etcd-server installs /usr/bin/etcd)
  --mr-keys N          multi-region: keys replicated to both other Regions, then rotated (default 50)
  --region-kills N     multi-region: kills of the primary's whole Region, each with a forced promotion (default 5; 0 skips)`;

export class BenchOptionsError extends Error {}

export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const options: BenchOptions = {
    durationS: 10,
    warmupS: 2,
    connections: 64,
    rounds: 5,
    only: TRENT_CASES,
    cpuProf: false,
    raft: { sections: RAFT_SECTIONS, clients: [1, 16, 64], durationS: 6, warmupS: 1, rounds: 3, spread: false, kills: 20, etcd: 'etcd' },
    multiRegion: { run: true, keys: 50, kills: 5 },
    keySpecs: { run: true, durationS: 2, warmupS: 1, rounds: 2, connections: 64 },
  };
  const raft = options.raft;
  // Flags given, for the key-specs section, whose defaults differ.
  const given = new Set<string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = splitFlag(argv[i]!);
    given.add(flag);
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
      case '--only': {
        const [only, sections, multiRegion, keySpecs] = cases(value(), problems);
        options.only = only;
        raft.sections = sections;
        options.multiRegion.run = multiRegion;
        options.keySpecs.run = keySpecs;
        break;
      }
      case '--raft-clients':
        raft.clients = value()
          .split(',')
          .map((c) => integer(flag, c.trim(), 1, 1024, problems));
        break;
      case '--raft-duration':
        raft.durationS = integer(flag, value(), 1, MAX_CASE_S, problems);
        break;
      case '--raft-warmup':
        raft.warmupS = integer(flag, value(), 0, 60, problems);
        break;
      case '--raft-rounds':
        raft.rounds = integer(flag, value(), 1, 60, problems);
        break;
      case '--raft-spread':
        raft.spread = true;
        break;
      case '--kills':
        raft.kills = integer(flag, value(), 0, 1000, problems);
        break;
      case '--etcd':
        raft.etcd = value();
        break;
      case '--mr-keys':
        options.multiRegion.keys = integer(flag, value(), 1, 500, problems);
        break;
      case '--region-kills':
        options.multiRegion.kills = integer(flag, value(), 0, 50, problems);
        break;
      case '--cpu-prof':
        options.cpuProf = true;
        break;
      default:
        problems.push(`unknown flag ${flag}`);
    }
  }
  if (problems.length > 0) throw new BenchOptionsError(`${problems.join('; ')}\n${USAGE}`);
  const k = options.keySpecs;
  if (given.has('--duration')) k.durationS = options.durationS;
  if (given.has('--warmup')) k.warmupS = options.warmupS;
  if (given.has('--rounds')) k.rounds = options.rounds;
  if (given.has('--connections')) k.connections = options.connections;
  return options;
}

/** Rounds and slice length as run: no slice shorter than a second, so connection set-up stays negligible. */
export function sliceSchedule(options: Pick<BenchOptions, 'rounds' | 'durationS'>): { rounds: number; sliceS: number } {
  const rounds = Math.min(options.rounds, options.durationS);
  return { rounds, sliceS: options.durationS / rounds };
}

function cases(text: string, problems: string[]): [TrentCase[], RaftSection[], boolean, boolean] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const known: readonly string[] = [...TRENT_CASES, KEY_SPECS_SECTION, ...RAFT_SECTIONS, MULTI_REGION_SECTION];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0 || names.length === 0) problems.push(`--only takes some of ${known.join(',')}, got '${text}'`);
  // Keep the canonical order whatever order was given.
  return [
    TRENT_CASES.filter((c) => names.includes(c)),
    RAFT_SECTIONS.filter((c) => names.includes(c)),
    names.includes(MULTI_REGION_SECTION),
    names.includes(KEY_SPECS_SECTION),
  ];
}
