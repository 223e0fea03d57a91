import { RaftCore } from './raft-core';
import { RaftNetwork, seededRandom } from './testing/raft-network';
import type { Entry, NodeId } from './types';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * The same schedules with log compaction (so snapshots are sent, lost and reported) and
 * membership changes (learners joining, promotions, removals, the leader included).
 */
describe(`${RaftCore.name} simulation with snapshots and membership changes`, () => {
  const seeds = Array.from({ length: 30 }, (_, i) => i + 1);

  it.each(seeds)('keeps safety and recovers liveness (seed %i)', (seed) => {
    const rnd = seededRandom(seed * 7919);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const net = RaftNetwork.ofSize(3, { seed, electionTicks: 5 });
    const spare = ['4', '5', '6'];
    const leaderOf = new Map<number, NodeId>();
    const ledger = new Map<number, string>();
    const checked = new Map<NodeId, { list: readonly Entry[]; count: number }>();
    let proposals = 0;

    const check = () => {
      for (const id of net.ids) {
        const st = net.core(id).status();
        if (st.role === 'leader') {
          const prev = leaderOf.get(st.term);
          if (prev !== undefined && prev !== id) throw new Error(`two leaders in term ${st.term}: ${prev}, ${id}`);
          leaderOf.set(st.term, id);
        }
        if (!(st.applied <= st.commit && st.commit <= st.lastIndex)) throw new Error(`bad indexes on ${id}: ${JSON.stringify(st)}`);
        // A snapshot install replaces the applied list wholesale: then compare all of it again.
        const applied = net.node(id).applied;
        const from = checked.get(id)?.list === applied ? checked.get(id)!.count : 0;
        checked.set(id, { list: applied, count: applied.length });
        for (const e of applied.slice(from)) {
          const key = `${e.term}:${e.type}:${dec(e.data)}`;
          const seen = ledger.get(e.index);
          if (seen === undefined) ledger.set(e.index, key);
          else if (seen !== key) expect(`${id}@${e.index} ${key}`).toBe(`${id}@${e.index} ${seen}`);
        }
      }
    };

    const proposeChange = () => {
      const leader = net.leaders()[0];
      if (leader === undefined) return;
      const conf = net.core(leader).status().conf;
      const r = rnd();
      if (r < 0.4 && spare.length > 0) {
        const id = spare[0];
        // The joining node boots with the membership before its change, itself a learner.
        if (!net.nodes.has(id)) net.join(id, { config: { peers: conf.voters, learners: [...conf.learners, id] } });
        if (net.core(leader).proposeConfChange({ type: 'addLearner', node: id }) === 'ok') spare.shift();
      } else if (r < 0.75 && conf.learners.length > 0) {
        net.core(leader).proposeConfChange({ type: 'addVoter', node: pick(conf.learners) });
      } else if (conf.voters.length > 2) {
        net.core(leader).proposeConfChange({ type: 'removeNode', node: pick(conf.voters) });
      }
    };

    for (let step = 0; step < 3000; step++) {
      const r = rnd();
      const id = pick(net.ids);
      if (r < 0.2) {
        net.tick(id);
      } else if (r < 0.55) {
        for (let k = 0; k < 4 && net.queue.length > 0; k++) {
          const i = Math.floor(rnd() * net.queue.length);
          const m = net.queue[i];
          const fate = rnd();
          if (fate < 0.9) net.queue.splice(i, 1);
          if (fate >= 0.05) net.core(m.to).step(m);
          // The transport reports every snapshot it handled: lost in transit, or delivered.
          if (m.type === 'snap') net.core(m.from).reportSnapshot(m.to, fate >= 0.05);
        }
      } else if (r < 0.7) {
        net.takeReady(id);
      } else if (r < 0.86) {
        net.persistReady(id);
      } else if (r < 0.9) {
        net.core(id).propose(enc(`v${proposals++}`));
      } else if (r < 0.93) {
        // Snapshot at the applied index, keeping a short trailing window of log sometimes.
        const n = net.node(id);
        net.compact(id, n.appliedIndex - Math.floor(rnd() * 3));
      } else if (r < 0.95) {
        proposeChange();
      } else if (r < 0.958) {
        net.heal();
        if (rnd() < 0.5) net.partition(...net.ids.filter(() => rnd() < 0.5));
      } else if (r < 0.962) {
        net.restart(id);
      } else {
        net.core(id).readIndex(enc(`r${step}`));
      }
      check();
    }

    expect(leaderOf.size).toBeGreaterThan(0);
    net.heal();
    for (const id of net.ids) net.persistReady(id);
    net.run(150);
    check();
    expect(net.leaders()).toHaveLength(1);
    const leader = net.leaders()[0];
    expect(net.core(leader).propose(enc('final'))).toBe('ok');
    net.stabilize();
    check();
    const conf = net.core(leader).status().conf;
    const members = [...conf.voters, ...conf.learners];
    for (const id of members) {
      expect(net.core(id).status().conf).toEqual(conf);
      expect(net.appliedData(id).at(-1)).toBe('final');
    }
  });
});
