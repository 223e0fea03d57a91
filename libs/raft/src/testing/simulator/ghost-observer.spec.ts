import type { Entry, HardState, Message } from '../../types';
import { EMPTY_IMAGE } from './sim-state-machine';
import { GhostObserver, InvariantViolation, type DurableView, type ObservedStatus } from './ghost-observer';

const enc = (s: string) => new TextEncoder().encode(s);
const e = (index: number, term: number, data = ''): Entry => ({ index, term, type: data === '' ? 'noop' : 'normal', data: enc(data) });
const hs = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });
const leader = (term: number, lastIndex: number, commit = 0): ObservedStatus => ({ role: 'leader', term, commit, applied: 0, lastIndex });
const follower = (term: number, lastIndex: number, commit = 0): ObservedStatus => ({ role: 'follower', term, commit, applied: 0, lastIndex });

function durable(hardState: HardState, terms: number[]): DurableView {
  return { hardState, firstIndex: () => 1, lastIndex: () => terms.length, term: (i) => (i === 0 ? 0 : terms[i - 1]) };
}

/** Each case feeds the observer a history that breaks one property; it must throw. */
describe(GhostObserver.name, () => {
  let sut: GhostObserver;
  beforeEach(() => {
    sut = new GhostObserver(['1', '2', '3']);
  });

  describe('Election Safety', () => {
    it('rejects two leaders in one term', () => {
      sut.afterEvent('1', leader(2, 0));
      expect(() => sut.afterEvent('2', leader(2, 0))).toThrow(new InvariantViolation('two leaders in term 2: 1 and 2'));
    });

    it('accepts one leader per term', () => {
      sut.afterEvent('1', leader(2, 0));
      sut.afterEvent('1', follower(3, 0));
      sut.afterEvent('2', leader(3, 0));
    });
  });

  describe('Log Matching', () => {
    it('rejects the same (index, term) holding different prefixes', () => {
      sut.ready('1', { role: 'leader', term: 1 }, { entries: [e(1, 1, 'x')] });
      expect(() => sut.ready('2', { role: 'follower', term: 1 }, { entries: [e(1, 1, 'y')] })).toThrow(/log matching/);
    });
  });

  describe('Leader Append-Only', () => {
    it('rejects a leader losing entries of its own log', () => {
      sut.ready('1', { role: 'leader', term: 1 }, { entries: [e(1, 1), e(2, 1, 'a'), e(3, 1, 'b')] });
      sut.afterEvent('1', leader(1, 3));
      // Rewrites from index 2 on with only one entry: index 3 is gone.
      expect(() => sut.ready('1', { role: 'leader', term: 1 }, { entries: [e(2, 1, 'a')] })).toThrow(/append-only/);
    });

    it('rejects a leader whose reported log shrinks', () => {
      sut.ready('1', { role: 'leader', term: 1 }, { entries: [e(1, 1), e(2, 1, 'a')] });
      sut.afterEvent('1', leader(1, 2));
      expect(() => sut.afterEvent('1', leader(1, 1))).toThrow(/log shrank/);
    });

    it('allows the same node to truncate once it no longer leads that term', () => {
      const other = new GhostObserver(['1', '2']);
      other.ready('1', { role: 'leader', term: 1 }, { entries: [e(1, 1), e(2, 1, 'a')] });
      other.afterEvent('1', leader(1, 2));
      other.ready('1', { role: 'follower', term: 2 }, { entries: [e(2, 2, 'b')] });
    });
  });

  describe('Leader Completeness', () => {
    beforeEach(() => {
      // Node 1 led term 1 and committed index 2.
      sut.ready('1', { role: 'leader', term: 1 }, { entries: [e(1, 1), e(2, 1, 'x')], hardState: hs(1, '1', 2) });
    });

    it('rejects a new leader that lacks a committed entry', () => {
      sut.ready('2', { role: 'follower', term: 1 }, { entries: [e(1, 1)] });
      expect(() => sut.afterEvent('2', leader(2, 1))).toThrow(/leader completeness: 2 leads term 2/);
    });

    it('accepts a new leader holding the committed prefix', () => {
      sut.ready('3', { role: 'follower', term: 1 }, { entries: [e(1, 1), e(2, 1, 'x')] });
      sut.afterEvent('3', leader(2, 2));
    });
  });

  describe('State Machine Safety', () => {
    beforeEach(() => {
      sut.ready('1', { role: 'leader', term: 1 }, { entries: [e(1, 1, 'x')], hardState: hs(1, '1', 1) });
      sut.applied('1', e(1, 1, 'x'));
    });

    it('rejects a divergent applied entry', () => {
      expect(() => sut.applied('2', e(1, 1, 'y'))).toThrow(/state machine safety: 2 applied a different entry at 1/);
    });

    it('rejects an entry applied twice on a node', () => {
      expect(() => sut.applied('1', e(1, 1, 'x'))).toThrow(/applied twice or skipped/);
    });

    it('rejects a commit index over a different log', () => {
      expect(() => sut.ready('2', { role: 'follower', term: 2 }, { entries: [e(1, 2, 'z')], hardState: hs(2, null, 1) })).toThrow(
        /state machine safety/,
      );
    });

    it('rejects applying what no node reported committed', () => {
      expect(() => sut.applied('1', e(2, 1, 'w'))).toThrow(/beyond every commit index/);
    });
  });

  describe('durability before acks', () => {
    const grant: Message = { type: 'voteResp', from: '1', to: '2', term: 3, reject: false };
    const ack: Message = { type: 'appResp', from: '1', to: '2', term: 1, index: 2, reject: false, rejectHint: 0, logTerm: 0 };

    it('rejects a vote grant that leaves before the vote is fsynced', () => {
      expect(() => sut.sent('1', grant, durable(hs(2, null, 0), []))).toThrow(/sent voteResp for 2 in term 3 before fsyncing/);
      sut.sent('1', grant, durable(hs(3, '2', 0), []));
    });

    it('rejects an append ack that leaves before the entries are fsynced', () => {
      sut.ready('1', { role: 'follower', term: 1 }, { entries: [e(1, 1), e(2, 1, 'x')], hardState: hs(1, null, 0) });
      expect(() => sut.sent('1', ack, durable(hs(1, null, 0), [1]))).toThrow(/acked index 2 in term 1 before fsyncing/);
      sut.sent('1', ack, durable(hs(1, null, 0), [1, 1]));
    });

    it('rejects an append ack that claims a prefix the leader does not have', () => {
      sut.ready('2', { role: 'leader', term: 2 }, { entries: [e(1, 1), e(2, 2, 'new')], hardState: hs(2, '2', 0) });
      sut.afterEvent('2', leader(2, 2));
      sut.ready('1', { role: 'follower', term: 2 }, { entries: [e(1, 1), e(2, 1, 'old')], hardState: hs(2, null, 0) });
      const falseAck: Message = { type: 'appResp', from: '1', to: '2', term: 2, index: 2, reject: false, rejectHint: 0, logTerm: 0 };
      expect(() => sut.sent('1', falseAck, durable(hs(2, null, 0), [1, 1]))).toThrow(/false ack/);
    });

    it('rejects a vote request that leaves before the candidate fsynced its own vote', () => {
      const req: Message = { type: 'vote', from: '1', to: '2', term: 4, index: 0, logTerm: 0, transfer: false };
      expect(() => sut.sent('1', req, durable(hs(3, null, 0), []))).toThrow(/before fsyncing/);
    });
  });

  describe('term and vote across restarts', () => {
    it('rejects a restart that forgot an fsynced vote', () => {
      sut.synced('1', hs(3, '2', 0));
      expect(() => sut.boot('1', { hardState: hs(3, null, 0), base: { index: 0, term: 0 }, entries: [], conf: null, sm: EMPTY_IMAGE })).toThrow(/restarted with term 3/);
    });

    it('rejects a restart that went back in term', () => {
      sut.synced('1', hs(3, null, 0));
      expect(() => sut.boot('1', { hardState: hs(2, '1', 0), base: { index: 0, term: 0 }, entries: [], conf: null, sm: EMPTY_IMAGE })).toThrow(/restarted with term 2/);
    });

    it('rejects a second vote in one term', () => {
      sut.ready('1', { role: 'follower', term: 3 }, { entries: [], hardState: hs(3, '2', 0) });
      expect(() => sut.ready('1', { role: 'follower', term: 3 }, { entries: [], hardState: hs(3, '3', 0) })).toThrow(/voted twice/);
    });
  });

  describe('per-node indexes', () => {
    it('rejects commit beyond the last index and commit going back', () => {
      expect(() => sut.afterEvent('1', follower(1, 2, 3))).toThrow(/commit 3, last index 2/);
      sut.afterEvent('2', follower(1, 5, 4));
      expect(() => sut.afterEvent('2', follower(1, 5, 3))).toThrow(/commit went back/);
    });
  });

  describe('ReadIndex', () => {
    it('rejects a read index below a write applied before the read was issued', () => {
      sut.ready('1', { role: 'leader', term: 1 }, { entries: [e(1, 1), e(2, 1, 'x')], hardState: hs(1, '1', 2) });
      sut.applied('1', e(1, 1));
      sut.applied('1', e(2, 1, 'x'));
      sut.readIssued('r1');
      expect(() => sut.readAnswered('2', 'r1', 1)).toThrow(/stale read/);
      sut.readAnswered('2', 'r1', 2);
    });
  });
});
