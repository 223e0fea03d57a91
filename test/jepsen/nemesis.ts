import { SeededRandom } from './seeded-random';

/**
 * What the nemesis does, computed purely from a seed: network partitions as sets of cut directed
 * links (applied by a ProxyMesh), and process faults (kill -9 / restart, SIGSTOP / SIGCONT) for the
 * assembler to carry out on the node processes. Jepsen's partition shapes (jepsen.nemesis):
 * isolate one node, random majority/minority halves, a bridge, a one-way link.
 */

export type NodeId = string;
/** A directed link: traffic from `[0]` to `[1]`. */
export type Link = readonly [from: NodeId, to: NodeId];

export interface Partition {
  /** e.g. "isolate n2", "halves [n1] | [n2 n3]". */
  name: string;
  /** Links that are cut; every other link flows. */
  cut: Link[];
}

/** Cuts every link (both directions) between nodes of different components. */
export function partitionFromComponents(name: string, components: readonly (readonly NodeId[])[]): Partition {
  const cut: Link[] = [];
  components.forEach((a, i) =>
    components.forEach((b, j) => {
      if (i === j) return;
      for (const from of a) for (const to of b) cut.push([from, to]);
    }),
  );
  return { name, cut };
}

export function isolate(nodes: readonly NodeId[], victim: NodeId): Partition {
  if (!nodes.includes(victim)) throw new Error(`${victim} is not one of ${nodes.join(' ')}`);
  return partitionFromComponents(`isolate ${victim}`, [[victim], nodes.filter((n) => n !== victim)]);
}

export function isolateRandom(nodes: readonly NodeId[], rng: SeededRandom): Partition {
  return isolate(nodes, rng.pick(nodes));
}

/** Random halves: a minority of ⌊(n−1)/2⌋ nodes cut off from the majority. */
export function majorityMinority(nodes: readonly NodeId[], rng: SeededRandom): Partition {
  const shuffled = rng.shuffle(nodes);
  const minority = shuffled.slice(0, Math.floor((nodes.length - 1) / 2));
  const majority = shuffled.slice(minority.length);
  return partitionFromComponents(`halves [${minority.join(' ')}] | [${majority.join(' ')}]`, [minority, majority]);
}

/**
 * Two halves that cannot talk, and one bridge node that talks to both (Jepsen's `bridge`): each
 * half plus the bridge is a majority, so two leaders may each believe they have one. Needs ≥ 3 nodes.
 */
export function bridge(nodes: readonly NodeId[], rng: SeededRandom): Partition {
  if (nodes.length < 3) throw new Error('a bridge needs at least 3 nodes');
  const [middle, ...rest] = rng.shuffle(nodes);
  const left = rest.slice(0, Math.floor(rest.length / 2));
  const right = rest.slice(left.length);
  const { cut } = partitionFromComponents('', [left, right]);
  return { name: `bridge ${middle} between [${left.join(' ')}] and [${right.join(' ')}]`, cut };
}

/** Only `from`'s traffic to `to` is lost; `to` still reaches `from`. */
export function oneWay(from: NodeId, to: NodeId): Partition {
  return { name: `one-way ${from} ↛ ${to}`, cut: [[from, to]] };
}

/** For each node, the nodes it cannot send to (Jepsen calls this a grudge). */
export function grudge(partition: Partition): Map<NodeId, Set<NodeId>> {
  const g = new Map<NodeId, Set<NodeId>>();
  for (const [from, to] of partition.cut) {
    const s = g.get(from) ?? new Set<NodeId>();
    s.add(to);
    g.set(from, s);
  }
  return g;
}

export type NemesisEvent =
  | { kind: 'partition'; partition: Partition }
  | { kind: 'heal' }
  | { kind: 'kill'; node: NodeId } // SIGKILL
  | { kind: 'restart'; node: NodeId } // start again on the same data directory
  | { kind: 'pause'; node: NodeId } // SIGSTOP
  | { kind: 'resume'; node: NodeId }; // SIGCONT

export type FaultKind = 'isolate' | 'halves' | 'bridge' | 'one-way' | 'kill' | 'pause';

export const ALL_FAULTS: readonly FaultKind[] = ['isolate', 'halves', 'bridge', 'one-way', 'kill', 'pause'];

/**
 * A schedule of `rounds` fault/recovery pairs: each round injects one fault and then undoes it, so
 * at most one fault is active at a time and the cluster is whole at the end. The assembler waits
 * between events (and after the last one, for liveness).
 */
export function nemesisSchedule(
  nodes: readonly NodeId[],
  rng: SeededRandom,
  rounds: number,
  faults: readonly FaultKind[] = ALL_FAULTS,
): NemesisEvent[] {
  const usable = faults.filter((f) => f !== 'bridge' || nodes.length >= 3);
  if (usable.length === 0) throw new Error('no fault applies to this cluster');
  const events: NemesisEvent[] = [];
  for (let i = 0; i < rounds; i++) {
    const fault = rng.pick(usable);
    switch (fault) {
      case 'isolate':
        events.push({ kind: 'partition', partition: isolateRandom(nodes, rng) }, { kind: 'heal' });
        break;
      case 'halves':
        events.push({ kind: 'partition', partition: majorityMinority(nodes, rng) }, { kind: 'heal' });
        break;
      case 'bridge':
        events.push({ kind: 'partition', partition: bridge(nodes, rng) }, { kind: 'heal' });
        break;
      case 'one-way': {
        const [from, to] = rng.shuffle(nodes);
        events.push({ kind: 'partition', partition: oneWay(from, to) }, { kind: 'heal' });
        break;
      }
      case 'kill': {
        const node = rng.pick(nodes);
        events.push({ kind: 'kill', node }, { kind: 'restart', node });
        break;
      }
      case 'pause': {
        const node = rng.pick(nodes);
        events.push({ kind: 'pause', node }, { kind: 'resume', node });
        break;
      }
      default: {
        const never: never = fault;
        throw new Error(`unknown fault ${String(never)}`);
      }
    }
  }
  return events;
}

/** One line per event, for logs and golden tests. */
export function formatEvent(e: NemesisEvent): string {
  switch (e.kind) {
    case 'partition':
      return `partition ${e.partition.name}`;
    case 'heal':
      return 'heal';
    default:
      return `${e.kind} ${e.node}`;
  }
}
