import { decodeConfChange, encodeConfChange } from './conf-change';
import { MemoryStorage } from './memory-storage';
import { RaftCore } from './raft-core';
import { RaftNetwork } from './testing/raft-network';
import type { ConfChange, Entry, NodeId, Ready } from './types';

const enc = (s: string) => new TextEncoder().encode(s);

/** A network of `voters` and `learners` (ids in that order), all bootstrapped with that membership. */
function cluster(voters: NodeId[], learners: NodeId[] = []): RaftNetwork {
  const ids = [...voters, ...learners];
  const config = { peers: voters, learners };
  return new RaftNetwork(ids, { perNode: Object.fromEntries(ids.map((id) => [id, { config }])) });
}

function confEntry(index: number, term: number, cc: ConfChange): Entry {
  return { index, term, type: 'conf', data: encodeConfChange(cc) };
}

describe(`${RaftCore.name} membership`, () => {
  describe('conf change entries', () => {
    it('should round-trip a conf change through its entry data', () => {
      const cc: ConfChange = { type: 'addLearner', node: '4', context: '10.0.0.4:7000' };
      expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
    });

    it('should refuse data that is not a conf change', () => {
      expect(() => decodeConfChange(enc('{"type":"rename","node":"4"}'))).toThrow();
    });
  });

  describe('proposeConfChange', () => {
    it("should answer 'not-leader' on a follower", () => {
      const net = cluster(['1', '2', '3']);
      net.elect('1');
      expect(net.core('2').proposeConfChange({ type: 'addLearner', node: '4' })).toBe('not-leader');
    });

    it('should refuse a change until an entry of the leader term is committed (thesis erratum)', () => {
      const net = cluster(['1', '2', '3']);
      net.core('1').campaign();
      // Deliver everything but the leader's first append: it leads with its no-op uncommitted.
      net.dropIf = (m) => m.type === 'app';
      net.stabilize();
      expect(net.core('1').status().role).toBe('leader');
      expect(net.core('1').proposeConfChange({ type: 'addLearner', node: '4' })).toBe('dropped');
      net.dropIf = () => false;
      net.tick('1');
      net.stabilize();
      expect(net.core('1').proposeConfChange({ type: 'addLearner', node: '4' })).toBe('ok');
    });

    it('should refuse a second change while the first is not applied', () => {
      const net = cluster(['1', '2', '3']);
      net.elect('1');
      expect(net.core('1').proposeConfChange({ type: 'addLearner', node: '4' })).toBe('ok');
      expect(net.core('1').proposeConfChange({ type: 'addLearner', node: '5' })).toBe('dropped');
      net.stabilize();
      expect(net.core('1').proposeConfChange({ type: 'addLearner', node: '5' })).toBe('ok');
    });

    it('should treat a conf entry of an earlier term as pending until applied', () => {
      const storage = MemoryStorage.from([{ index: 1, term: 1, type: 'normal', data: enc('x') }, confEntry(2, 1, { type: 'addLearner', node: '2' })], { term: 1 });
      const sut = new RaftCore({ id: '1', peers: ['1'], electionTicks: 10, heartbeatTicks: 1, random: () => 0 }, storage);
      sut.campaign();
      let rd: Ready | null = null;
      // Persist every Ready but hold back the one that applies the log up to the no-op.
      while (sut.hasReady()) {
        rd = sut.ready();
        storage.append(rd.entries);
        if (rd.hardState) storage.setHardState(rd.hardState);
        if (rd.committed.length > 0) break;
        sut.advance(rd);
      }
      expect(sut.status()).toMatchObject({ role: 'leader', commit: 3, applied: 0 });
      expect(sut.proposeConfChange({ type: 'addLearner', node: '3' })).toBe('dropped');
      sut.advance(rd!);
      expect(sut.proposeConfChange({ type: 'addLearner', node: '3' })).toBe('ok');
    });

    it('should refuse a change that leaves no voter', () => {
      const net = cluster(['1'], ['2']);
      net.elect('1');
      expect(net.core('1').proposeConfChange({ type: 'removeNode', node: '1' })).toBe('dropped');
      expect(net.core('1').proposeConfChange({ type: 'addLearner', node: '1' })).toBe('dropped');
    });

    it('should refuse a change during a leadership transfer', () => {
      const net = cluster(['1', '2', '3']);
      net.elect('1');
      net.isolate('2');
      net.core('1').propose(enc('x'));
      net.stabilize();
      net.core('1').transferLeadership('2'); // 2 is behind: the transfer waits
      expect(net.core('1').proposeConfChange({ type: 'addLearner', node: '4' })).toBe('dropped');
    });
  });

  describe('learners', () => {
    it('should replicate to a learner but not count it towards commit', () => {
      const net = cluster(['1', '2', '3'], ['4']);
      net.elect('1');
      net.partition('1', '4');
      net.core('1').propose(enc('x'));
      net.stabilize();
      expect(net.core('4').status().lastIndex).toBe(2);
      expect(net.core('1').status().commit).toBe(1);
      expect(net.core('1').status().progress!['4']).toMatchObject({ learner: true, match: 2 });
    });

    it('should never campaign as a learner', () => {
      const net = cluster(['1', '2', '3'], ['4']);
      net.isolate('4');
      net.tick('4', 100);
      net.stabilize();
      expect(net.core('4').status()).toMatchObject({ role: 'follower', term: 0 });
      net.core('4').campaign();
      expect(net.core('4').status().role).toBe('follower');
    });

    it('should grant a vote when asked, even as a learner (etcd-io/etcd#7625)', () => {
      const net = cluster(['1', '2'], ['3']);
      net.core('3').step({ type: 'vote', from: '2', to: '3', term: 1, index: 0, logTerm: 0, transfer: false });
      const rd = net.takeReady('3')!;
      expect(rd.sendAfterPersist).toEqual([{ type: 'voteResp', from: '3', to: '2', term: 1, reject: false }]);
    });

    it("should not count a learner's vote in an election", () => {
      const net = cluster(['1', '2', '3'], ['4']);
      net.cutLink('1', '2');
      net.cutLink('1', '3');
      net.core('1').campaign();
      net.stabilize();
      net.core('1').step({ type: 'preVoteResp', from: '4', to: '1', term: 1, reject: false });
      expect(net.core('1').status().role).toBe('pre-candidate');
    });

    it('should not count a learner as active for CheckQuorum', () => {
      const net = cluster(['1', '2', '3'], ['4']);
      net.elect('1');
      net.partition('1', '4');
      net.run(25);
      expect(net.core('1').status().role).toBe('follower');
    });

    it('should ignore a leadership transfer to a learner', () => {
      const net = cluster(['1', '2', '3'], ['4']);
      net.elect('1');
      net.core('1').transferLeadership('4');
      expect(net.core('1').status().leadTransferee).toBeNull();
    });

    it('should count a promoted learner in the quorum from the moment it is applied', () => {
      const net = cluster(['1', '2', '3'], ['4']);
      net.elect('1');
      expect(net.core('1').proposeConfChange({ type: 'addVoter', node: '4' })).toBe('ok');
      net.stabilize();
      expect(net.core('1').status().conf).toEqual({ voters: ['1', '2', '3', '4'], learners: [] });
      expect(net.core('1').status().progress!['4'].learner).toBe(false);
      net.partition('1', '4');
      net.core('1').propose(enc('x'));
      net.stabilize();
      expect(net.core('1').status().commit).toBe(2); // 2 of 4 is not a quorum
    });
  });

  describe('applyConfChange', () => {
    it('should track a new member and probe it at once', () => {
      const net = cluster(['1', '2', '3']);
      net.elect('1');
      const conf = net.core('1').applyConfChange({ type: 'addLearner', node: '4' });
      expect(conf).toEqual({ voters: ['1', '2', '3'], learners: ['4'] });
      expect(net.core('1').status().progress!['4']).toMatchObject({ state: 'probe', learner: true });
      expect(net.takeReady('1')!.sendNow.filter((m) => m.to === '4').map((m) => m.type)).toEqual(['app']);
    });

    it('should commit at once when a removal shrinks the quorum', () => {
      const net = cluster(['1', '2', '3', '4']);
      net.elect('1');
      net.partition('1', '2');
      net.core('1').propose(enc('x'));
      net.stabilize();
      expect(net.core('1').status().commit).toBe(1);
      net.core('1').applyConfChange({ type: 'removeNode', node: '4' });
      expect(net.core('1').status().commit).toBe(2);
    });

    it('should make a leader that removes itself step down, and never campaign again', () => {
      const net = cluster(['1', '2', '3']);
      net.elect('1');
      expect(net.core('1').proposeConfChange({ type: 'removeNode', node: '1' })).toBe('ok');
      net.stabilize();
      expect(net.core('1').status()).toMatchObject({ role: 'follower', leader: null });
      expect(net.core('2').status().conf.voters).toEqual(['2', '3']);
      net.run(60);
      expect(net.core('1').status()).toMatchObject({ role: 'follower', term: 1 });
      expect(['2', '3']).toContain(net.leaders()[0]);
    });

    it('should demote a voter to learner with addLearner', () => {
      const net = cluster(['1', '2', '3']);
      net.elect('1');
      expect(net.core('2').applyConfChange({ type: 'addLearner', node: '2' })).toEqual({ voters: ['1', '3'], learners: ['2'] });
    });
  });

  describe('restart', () => {
    it('should take the membership from storage over the bootstrap peers', () => {
      const storage = new MemoryStorage();
      storage.setConfState({ voters: ['1', '5'], learners: ['6'] });
      const sut = new RaftCore({ id: '1', peers: ['1', '2', '3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0 }, storage);
      expect(sut.status().conf).toEqual({ voters: ['1', '5'], learners: ['6'] });
    });

    it('should refuse a bootstrap membership with a node both voter and learner', () => {
      expect(() => new RaftCore({ id: '1', peers: ['1', '2'], learners: ['2'], electionTicks: 10, heartbeatTicks: 1, random: () => 0 }, new MemoryStorage())).toThrow();
    });
  });
});
