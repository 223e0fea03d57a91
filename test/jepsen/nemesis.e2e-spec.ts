import { bridge, formatEvent, grudge, isolate, majorityMinority, nemesisSchedule, oneWay, Partition, partitionFromComponents } from './nemesis';
import { SeededRandom } from './seeded-random';

const THREE = ['n1', 'n2', 'n3'];
const FIVE = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** Who each node can still send to, as sorted "from→to" lines. */
function links(nodes: string[], p: Partition): string[] {
  const g = grudge(p);
  const out: string[] = [];
  for (const a of nodes) for (const b of nodes) if (a !== b && !g.get(a)?.has(b)) out.push(`${a}→${b}`);
  return out;
}

describe('nemesis', () => {
  it('isolates one node both ways', () => {
    expect(links(THREE, isolate(THREE, 'n1'))).toEqual(['n2→n3', 'n3→n2']);
    expect(() => isolate(THREE, 'n9')).toThrow();
  });

  it('splits random halves into a minority and a majority', () => {
    for (let seed = 0; seed < 20; seed++) {
      const p = majorityMinority(FIVE, new SeededRandom(seed));
      // 2 | 3: every node of one side loses every node of the other, both ways.
      expect(p.cut).toHaveLength(2 * 3 * 2);
      expect(p.name).toMatch(/^halves \[\S+ \S+\] \| \[\S+ \S+ \S+\]$/);
    }
  });

  it('builds a bridge: the middle node reaches everyone, the halves not each other', () => {
    const p = bridge(FIVE, new SeededRandom(7));
    const middle = /^bridge (\S+) /.exec(p.name)![1];
    const reach = links(FIVE, p);
    for (const n of FIVE) if (n !== middle) expect(reach).toEqual(expect.arrayContaining([`${middle}→${n}`, `${n}→${middle}`]));
    expect(p.cut).toHaveLength(2 * 2 * 2);
    expect(() => bridge(['a', 'b'], new SeededRandom(1))).toThrow();
  });

  it('cuts one direction only', () => {
    expect(links(THREE, oneWay('n1', 'n2'))).toEqual(['n1→n3', 'n2→n1', 'n2→n3', 'n3→n1', 'n3→n2']);
  });

  it('cuts nothing within a component', () => {
    expect(partitionFromComponents('all', [THREE]).cut).toEqual([]);
  });

  it('draws the same schedule from the same seed, a different one from another', () => {
    const a = nemesisSchedule(FIVE, new SeededRandom(42), 20).map(formatEvent);
    expect(nemesisSchedule(FIVE, new SeededRandom(42), 20).map(formatEvent)).toEqual(a);
    expect(nemesisSchedule(FIVE, new SeededRandom(43), 20).map(formatEvent)).not.toEqual(a);
  });

  it('pairs every fault with its recovery', () => {
    const events = nemesisSchedule(THREE, new SeededRandom(3), 50);
    expect(events).toHaveLength(100);
    const undo = { partition: 'heal', kill: 'restart', pause: 'resume' } as Record<string, string>;
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i + 1].kind).toBe(undo[events[i].kind]);
      if ('node' in events[i]) expect((events[i + 1] as { node: string }).node).toBe((events[i] as { node: string }).node);
    }
  });

  it('draws only the faults asked for', () => {
    const kinds = new Set(nemesisSchedule(THREE, new SeededRandom(9), 30, ['kill', 'pause']).map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['kill', 'pause', 'restart', 'resume']);
  });

  it('is a script one can read (golden)', () => {
    expect(nemesisSchedule(THREE, new SeededRandom(1), 4).map(formatEvent)).toMatchInlineSnapshot(`
[
  "partition one-way n3 ↛ n2",
  "heal",
  "pause n3",
  "resume n3",
  "partition halves [n1] | [n3 n2]",
  "heal",
  "partition bridge n2 between [n1] and [n3]",
  "heal",
]
`);
  });
});

describe(SeededRandom.name, () => {
  it('stays in range and shuffles to a permutation', () => {
    const sut = new SeededRandom(5);
    for (let i = 0; i < 1000; i++) {
      const x = sut.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    expect(sut.shuffle(FIVE).sort()).toEqual(FIVE);
  });
});
