import { MemoryStorage } from './memory-storage';
import { RaftCore, type RaftConfig } from './raft-core';
import { RaftNetwork, entry, logWithTerms } from './testing/raft-network';
import type { AppendResponseMessage, Message, Ready, VoteMessage } from './types';

const enc = (s: string) => new TextEncoder().encode(s);

function makeCore(cfg: Partial<RaftConfig> = {}, storage = new MemoryStorage()): RaftCore {
  return new RaftCore({ id: '1', peers: ['1', '2', '3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, ...cfg }, storage);
}

/** Persists and advances every Ready of a lone core (a driver with an instant disk). */
function drain(sut: RaftCore, storage: MemoryStorage): Ready[] {
  const out: Ready[] = [];
  while (sut.hasReady()) {
    const rd = sut.ready();
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    sut.advance(rd);
    out.push(rd);
  }
  return out;
}

const sent = (rds: Ready[]): Message[] => rds.flatMap((r) => [...r.sendNow, ...r.sendAfterPersist]);

function vote(from: string, to: string, term: number, index: number, logTerm: number, type: VoteMessage['type'] = 'vote'): VoteMessage {
  return { type, from, to, term, index, logTerm, transfer: false };
}

function appResp(from: string, to: string, term: number, index: number): AppendResponseMessage {
  return { type: 'appResp', from, to, term, index, reject: false, rejectHint: 0, logTerm: 0 };
}

describe(RaftCore.name, () => {
  describe('elections', () => {
    it('elects a single node cluster only after its own vote is persisted', () => {
      const storage = new MemoryStorage();
      const sut = makeCore({ peers: ['1'] }, storage);
      sut.campaign();
      const rd1 = sut.ready();
      expect(sut.status().role).toBe('pre-candidate');
      sut.advance(rd1); // self pre-vote counted: real election starts
      const rd2 = sut.ready();
      expect(rd2.hardState).toEqual({ term: 1, vote: '1', commit: 0 });
      expect(rd2.mustSync).toBe(true);
      expect(sut.status().role).toBe('candidate');
      storage.setHardState(rd2.hardState!);
      sut.advance(rd2);
      expect(sut.status().role).toBe('leader');
    });

    it('elects exactly one leader in a 3-node cluster, with every node agreeing', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      expect(net.leaders()).toEqual(['1']);
      for (const id of net.ids) expect(net.core(id).status()).toMatchObject({ term: 1, leader: '1', commit: 1 });
    });

    it('elects one leader from timeouts alone', () => {
      const net = RaftNetwork.ofSize(5, { seed: 7 });
      net.run(40);
      expect(net.leaders()).toHaveLength(1);
    });

    it('draws the randomized election timeout from [T, 2T)', () => {
      for (const [r, expected] of [[0, 10], [0.5, 15], [0.9999, 19]] as const) {
        const storage = new MemoryStorage();
        const sut = makeCore({ random: () => r }, storage);
        for (let i = 1; i < expected; i++) sut.tick();
        expect(sut.status().role).toBe('follower');
        sut.tick();
        expect(sut.status().role).toBe('pre-candidate');
      }
    });

    it('resolves a split vote through randomized timeouts', () => {
      const net = RaftNetwork.ofSize(4, { seed: 3, perNode: {} });
      // Both 1 and 2 campaign; 3 only hears 1 and 4 only hears 2: two votes each, no quorum of 3.
      net.dropIf = (m) => (m.type === 'vote' || m.type === 'preVote') && ((m.from === '1' && m.to === '4') || (m.from === '2' && m.to === '3'));
      net.core('1').campaign();
      net.core('2').campaign();
      net.stabilize();
      expect(net.leaders()).toEqual([]);
      expect(net.core('1').status().role).toBe('candidate');
      expect(net.core('2').status().role).toBe('candidate');
      net.dropIf = () => false;
      net.run(60);
      expect(net.leaders()).toHaveLength(1);
      const term = net.core(net.leaders()[0]).status().term;
      expect(term).toBeGreaterThanOrEqual(2);
      for (const id of net.ids) expect(net.core(id).status().leader).toBe(net.leaders()[0]);
    });

    it('grants one vote per term', () => {
      const storage = new MemoryStorage();
      const sut = makeCore({ preVote: false }, storage);
      sut.step(vote('2', '1', 1, 0, 0));
      sut.step(vote('3', '1', 1, 0, 0));
      const msgs = sent(drain(sut, storage));
      expect(msgs).toEqual([
        { type: 'voteResp', from: '1', to: '2', term: 1, reject: false },
        { type: 'voteResp', from: '1', to: '3', term: 1, reject: true },
      ]);
      expect(storage.initialState().hardState.vote).toBe('2');
    });

    it('sends vote answers only after persistence', () => {
      const sut = makeCore();
      sut.step(vote('2', '1', 1, 0, 0));
      const rd = sut.ready();
      expect(rd.sendNow).toEqual([]);
      expect(rd.sendAfterPersist.map((m) => m.type)).toEqual(['voteResp']);
    });

    it('sends vote requests only once the candidate term and self-vote are durable', () => {
      const net = RaftNetwork.ofSize(3, { perNode: Object.fromEntries(['1', '2', '3'].map((id) => [id, { config: { preVote: false } }])) });
      net.core('1').campaign();
      const rd = net.takeReady('1')!;
      expect(rd.hardState).toMatchObject({ term: 1, vote: '1' });
      expect(rd.sendNow).toEqual([]);
      expect(net.queue).toEqual([]);
      // A crash now loses the campaign entirely: nobody granted a vote for term 1.
      net.restart('1');
      net.stabilize();
      for (const id of net.ids) expect(net.core(id).status()).toMatchObject({ term: 0, vote: null });
    });

    it('refuses a candidate whose log is less up to date (Raft §5.4.1)', () => {
      const storage = MemoryStorage.from(logWithTerms(1, 2), { term: 2 });
      const sut = makeCore({}, storage);
      sut.step(vote('2', '1', 3, 5, 1)); // longer but older last term
      sut.step(vote('3', '1', 3, 1, 2)); // same last term, shorter
      const msgs = sent(drain(sut, storage));
      expect(msgs.map((m) => (m as { reject: boolean }).reject)).toEqual([true, true]);
    });

    it('resets the election timer only when granting a vote', () => {
      const storage = MemoryStorage.from([], { term: 2, vote: '2' });
      const refused = makeCore({}, storage);
      for (let i = 0; i < 9; i++) refused.tick();
      refused.step(vote('3', '1', 2, 0, 0)); // already voted for 2 this term: refused
      refused.tick();
      expect(refused.status().role).toBe('pre-candidate');

      const granted = makeCore({}, MemoryStorage.from([], { term: 2, vote: '2' }));
      for (let i = 0; i < 9; i++) granted.tick();
      granted.step(vote('2', '1', 2, 0, 0)); // repeat of the vote it gave: granted again
      granted.tick();
      expect(granted.status().role).toBe('follower');
    });
  });

  describe('pre-vote and check-quorum', () => {
    it('does not bump the term of a partitioned node, which rejoins without disrupting the leader', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.isolate('3');
      net.run(100);
      expect(net.core('3').status().term).toBe(1);
      net.heal();
      net.run(30);
      expect(net.leaders()).toEqual(['1']);
      expect(net.core('1').status().term).toBe(1);
      expect(net.core('3').status()).toMatchObject({ leader: '1', role: 'follower' });
    });

    it('without pre-vote and check-quorum, the same rejoin deposes the leader', () => {
      const net = RaftNetwork.ofSize(3, { perNode: Object.fromEntries(['1', '2', '3'].map((id) => [id, { config: { preVote: false, checkQuorum: false } }])) });
      net.elect('1');
      net.isolate('3');
      net.run(100);
      expect(net.core('3').status().term).toBeGreaterThan(1);
      net.heal();
      net.run(30);
      expect(net.core(net.leaders()[0]).status().term).toBeGreaterThan(1);
    });

    it('steps an isolated leader down after an election timeout without quorum contact', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.isolate('1');
      for (let i = 0; i < 9; i++) net.tick('1');
      expect(net.core('1').status().role).toBe('leader');
      net.tick('1', 11);
      expect(net.core('1').status()).toMatchObject({ role: 'follower', leader: null, term: 1 });
    });

    it('keeps a leader that hears from a quorum', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.isolate('3');
      net.run(50);
      expect(net.leaders()).toEqual(['1']);
    });

    it('ignores a vote request while a leader was heard within the election timeout (stickiness)', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      const sut = net.core('2');
      sut.step(vote('3', '2', 5, 99, 9));
      expect(sut.status()).toMatchObject({ term: 1, leader: '1', vote: '1' });
      expect(sut.hasReady()).toBe(false);
    });

    it('lets a leadership transfer bypass stickiness', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      const sut = net.core('2');
      sut.step({ ...vote('3', '2', 2, 1, 1), transfer: true });
      expect(sut.status()).toMatchObject({ term: 2, vote: '3' });
    });
  });

  describe('replication', () => {
    it('appends a no-op at the start of each term', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      expect(net.node('2').applied).toEqual([expect.objectContaining({ index: 1, term: 1, type: 'noop' })]);
    });

    it('replicates and applies proposals on every node, in order', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      for (const x of ['a', 'b', 'c']) expect(net.core('1').propose(enc(x))).toBe('ok');
      net.stabilize();
      for (const id of net.ids) expect(net.appliedData(id)).toEqual(['a', 'b', 'c']);
    });

    it('batches proposals made between two Readys into one append per follower', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      for (let i = 0; i < 10; i++) net.core('1').propose(enc(`p${i}`));
      const rd = net.takeReady('1')!;
      const apps = rd.sendNow.filter((m) => m.type === 'app');
      expect(apps).toHaveLength(2);
      for (const m of apps) expect(m.type === 'app' && m.entries.length).toBe(10);
      expect(rd.entries).toHaveLength(10);
    });

    it('needs a majority of durable copies, the leader counting itself only once persisted', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.isolate('3');
      net.core('1').propose(enc('x'));
      net.takeReady('1'); // appends leave now; the leader's disk is slow
      net.stabilize(); // node 2 persists and acks
      expect(net.core('2').status().lastIndex).toBe(2);
      expect(net.core('1').status().commit).toBe(1);
      net.persistReady('1');
      expect(net.core('1').status().commit).toBe(2);
    });

    it('does not commit a single node proposal before it is durable', () => {
      const storage = new MemoryStorage();
      const sut = makeCore({ peers: ['1'] }, storage);
      sut.campaign();
      drain(sut, storage);
      sut.propose(enc('x'));
      const rd = sut.ready();
      expect(rd.committed).toEqual([]);
      storage.append(rd.entries);
      sut.advance(rd);
      expect(sut.status().commit).toBe(2);
      expect(sut.ready().committed.map((e) => e.index)).toEqual([2]);
    });

    it("sends a follower's append ack only after persistence", () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.core('1').propose(enc('x'));
      net.processReady('1');
      net.deliverAll();
      const rd = net.takeReady('2')!;
      expect(rd.sendNow.filter((m) => m.type === 'appResp')).toEqual([]);
      expect(rd.sendAfterPersist.map((m) => m.type)).toEqual(['appResp']);
    });

    it("overwrites a stale leader's uncommitted entries", () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.isolate('1');
      net.core('1').propose(enc('stale-1'));
      net.core('1').propose(enc('stale-2'));
      net.stabilize();
      net.core('2').campaign();
      net.stabilize();
      // 3 still heard from leader 1 within the election timeout: stickiness refuses 2 for now.
      expect(net.core('2').status().role).toBe('pre-candidate');
      net.run(30); // the majority side elects once the lease runs out
      const leader = net.leaders().find((id) => id !== '1')!;
      expect(['2', '3']).toContain(leader);
      net.core(leader).propose(enc('fresh'));
      net.stabilize();
      net.heal();
      net.run(20);
      expect(net.leaders()).toEqual([leader]);
      for (const id of net.ids) expect(net.appliedData(id)).toEqual(['fresh']);
      expect(net.logTerms('1')).toEqual(net.logTerms(leader));
    });

    it('never commits a previous-term entry by counting replicas (Figure 8, Raft §5.4.2)', () => {
      // Term 4 leader 1 holds (2,2) that it replicated in term 2; (3,4) is its no-op.
      const storage = MemoryStorage.from(logWithTerms(1, 2), { term: 3, commit: 1 });
      const sut = makeCore({ id: '1', peers: ['1', '2', '3', '4', '5'], preVote: false }, storage);
      sut.campaign();
      drain(sut, storage);
      for (const id of ['2', '3']) sut.step({ type: 'voteResp', from: id, to: '1', term: 4, reject: false });
      drain(sut, storage);
      expect(sut.status()).toMatchObject({ role: 'leader', term: 4, lastIndex: 3 });
      // A majority (1, 2, 3) holds index 2 — but it is a term-2 entry.
      sut.step(appResp('2', '1', 4, 2));
      sut.step(appResp('3', '1', 4, 2));
      drain(sut, storage);
      expect(sut.status().commit).toBe(1);
      // Once the term-4 entry reaches a majority, everything before it commits too.
      sut.step(appResp('2', '1', 4, 3));
      sut.step(appResp('3', '1', 4, 3));
      drain(sut, storage);
      expect(sut.status().commit).toBe(3);
    });

    it('ignores an append below its commit index and never rewinds commit', () => {
      const storage = MemoryStorage.from(logWithTerms(1, 1, 1), { term: 1, commit: 3 });
      const sut = makeCore({}, storage);
      sut.step({ type: 'app', from: '2', to: '1', term: 1, index: 1, logTerm: 1, entries: [], commit: 1 });
      const msgs = sent(drain(sut, storage));
      expect(msgs).toEqual([appResp('1', '2', 1, 3)]);
      expect(sut.status().commit).toBe(3);
    });

    it('rejects a mismatching append with an (index, term) hint', () => {
      const storage = MemoryStorage.from(logWithTerms(1, 2, 2, 2), { term: 2, commit: 1 });
      const sut = makeCore({}, storage);
      sut.step({ type: 'app', from: '2', to: '1', term: 3, index: 4, logTerm: 3, entries: [], commit: 1 });
      expect(sent(drain(sut, storage))).toEqual([
        { type: 'appResp', from: '1', to: '2', term: 3, index: 4, reject: true, rejectHint: 4, logTerm: 2 },
      ]);
    });

    it('converges a long divergent log in few round trips (fast backtracking)', () => {
      const common = logWithTerms(1, 1, 1, 1, 1);
      const leaderLog = [...common, ...Array.from({ length: 100 }, (_, i) => entry(6 + i, 3, `L${i}`))];
      const followerLog = [...common, ...Array.from({ length: 200 }, (_, i) => entry(6 + i, 2, `F${i}`))];
      const net = RaftNetwork.ofSize(3, {
        perNode: {
          '1': { entries: leaderLog, hardState: { term: 3, commit: 5 } },
          '2': { entries: followerLog, hardState: { term: 3, commit: 5 } },
          '3': { entries: common, hardState: { term: 3, commit: 5 } },
        },
      });
      let rejections = 0;
      net.dropIf = (m) => {
        if (m.type === 'appResp' && m.reject) rejections++;
        return false;
      };
      net.elect('1');
      expect(rejections).toBeLessThanOrEqual(2);
      expect(net.logTerms('2')).toEqual(net.logTerms('1'));
      expect(net.core('2').status().commit).toBe(106);
    });

    it('pipelines appends in replicate state, bounded by maxInflightMsgs', () => {
      const perNode = Object.fromEntries(['1', '2', '3'].map((id) => [id, { config: { maxInflightMsgs: 2 } }]));
      const net = RaftNetwork.ofSize(3, { perNode });
      net.elect('1');
      net.isolate('3');
      for (let i = 0; i < 5; i++) {
        net.core('1').propose(enc(`p${i}`));
        net.processReady('1'); // messages to 2 queue up, undelivered
      }
      const toTwo = net.queue.filter((m) => m.type === 'app' && m.to === '2');
      expect(toTwo).toHaveLength(2);
      expect(net.core('1').status().progress!['2']).toMatchObject({ state: 'replicate', inflight: 2 });
      net.stabilize();
      expect(net.appliedData('2')).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    });

    it('probes one append at a time after a rejection', () => {
      const net = RaftNetwork.ofSize(3, {
        perNode: { '3': { entries: logWithTerms(1, 1, 1), hardState: { term: 1 } } },
      });
      net.dropIf = (m) => m.to === '3' || m.from === '3';
      net.elect('1');
      expect(net.core('1').status().progress!['3'].state).toBe('probe');
    });
  });

  describe('proposals', () => {
    it('forwards a proposal from a follower to the leader', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      expect(net.core('2').propose(enc('via-2'))).toBe('ok');
      net.stabilize();
      for (const id of net.ids) expect(net.appliedData(id)).toEqual(['via-2']);
    });

    it('drops a proposal when no leader is known, or during an election', () => {
      const sut = makeCore();
      expect(sut.propose(enc('x'))).toBe('dropped');
      sut.campaign();
      expect(sut.propose(enc('x'))).toBe('dropped');
    });

    it("answers 'not-leader' when forwarding is disabled", () => {
      const net = RaftNetwork.ofSize(3, { perNode: { '2': { config: { disableProposalForwarding: true } } } });
      net.elect('1');
      expect(net.core('2').propose(enc('x'))).toBe('not-leader');
    });
  });

  describe('ReadIndex (thesis §6.4)', () => {
    it('waits for a current-term commit, then for a heartbeat quorum', () => {
      const net = RaftNetwork.ofSize(3);
      net.dropIf = (m) => m.type === 'app';
      net.elect('1'); // leader, but its no-op cannot replicate
      expect(net.core('1').status().commit).toBe(0);
      const ctx = enc('r1');
      expect(net.core('1').readIndex(ctx)).toBe('ok');
      net.stabilize();
      expect(net.node('1').readStates).toEqual([]);
      net.dropIf = () => false;
      net.tick('1'); // heartbeat: the follower answer unblocks the probe, the no-op commits
      net.stabilize();
      expect(net.core('1').status().commit).toBe(1);
      expect(net.node('1').readStates).toEqual([{ index: 1, ctx }]);
    });

    it('does not confirm a read without a heartbeat quorum', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.isolate('1');
      net.core('1').readIndex(enc('r'));
      net.stabilize();
      expect(net.node('1').readStates).toEqual([]);
      net.heal();
      net.tick('1'); // the next regular heartbeat retries the pending round
      net.stabilize();
      expect(net.node('1').readStates).toEqual([{ index: 1, ctx: enc('r') }]);
    });

    it('batches reads made before the next Ready into one heartbeat round', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      for (const r of ['a', 'b', 'c']) net.core('1').readIndex(enc(r));
      const rd = net.takeReady('1')!;
      expect(rd.sendNow.filter((m) => m.type === 'heartbeat')).toHaveLength(2);
      net.persistReady('1');
      net.stabilize();
      expect(net.node('1').readStates.map((r) => new TextDecoder().decode(r.ctx))).toEqual(['a', 'b', 'c']);
    });

    it('serves a follower read through the leader', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.core('1').propose(enc('w'));
      net.stabilize();
      expect(net.core('2').readIndex(enc('f'))).toBe('ok');
      net.stabilize();
      expect(net.node('2').readStates).toEqual([{ index: 2, ctx: enc('f') }]);
    });

    it('drops a read when no leader is known', () => {
      expect(makeCore().readIndex(enc('x'))).toBe('dropped');
    });
  });

  describe('leadership transfer (thesis §3.10)', () => {
    it('hands leadership to an up-to-date follower', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.core('1').transferLeadership('2');
      net.stabilize();
      expect(net.leaders()).toEqual(['2']);
      expect(net.core('2').status().term).toBe(2);
    });

    it('catches a lagging target up first and drops proposals meanwhile', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.isolate('3');
      net.core('1').propose(enc('x'));
      net.stabilize();
      net.heal();
      net.core('1').transferLeadership('3');
      expect(net.core('1').propose(enc('y'))).toBe('dropped');
      net.stabilize();
      expect(net.leaders()).toEqual(['3']);
      expect(net.appliedData('3')).toEqual(['x']);
    });

    it('abandons a transfer after an election timeout', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.dropIf = (m) => m.type === 'timeoutNow';
      net.core('1').transferLeadership('2');
      net.stabilize();
      expect(net.core('1').status().leadTransferee).toBe('2');
      net.dropIf = () => false;
      net.run(10);
      expect(net.core('1').status()).toMatchObject({ role: 'leader', leadTransferee: null });
    });
  });

  describe('status', () => {
    it('reports per-peer progress on the leader', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      const st = net.core('1').status();
      expect(st).toMatchObject({ id: '1', role: 'leader', term: 1, leader: '1', commit: 1, applied: 1, lastIndex: 1 });
      expect(st.progress!['2']).toMatchObject({ match: 1, next: 2, state: 'replicate' });
      expect(net.core('2').status().progress).toBeUndefined();
    });
  });

  describe('driver contract', () => {
    it('refuses a second ready() before advance()', () => {
      const sut = makeCore();
      sut.campaign();
      sut.ready();
      expect(() => sut.ready()).toThrow();
    });

    it('restarts from persisted hard state', () => {
      const storage = MemoryStorage.from(logWithTerms(1, 2), { term: 2, vote: '3', commit: 2 });
      const sut = makeCore({ applied: 1 }, storage);
      expect(sut.status()).toMatchObject({ term: 2, vote: '3', commit: 2, applied: 1, lastIndex: 2 });
      expect(sut.ready().committed.map((e) => e.index)).toEqual([2]);
    });
  });
});
