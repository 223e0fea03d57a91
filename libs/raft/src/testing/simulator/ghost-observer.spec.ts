import type { Entry, HardState, Message } from '../../types';
import { encodeConfChange } from '../../conf-change';
import type { ConfChange, ConfState, Snapshot } from '../../types';
import { rollHash } from './log-hash';
import { EMPTY_IMAGE, encodeImage } from './sim-state-machine';
import { GhostObserver, InvariantViolation, type DurableView, type ObservedStatus } from './ghost-observer';

const enc = (s: string) => new TextEncoder().encode(s);
const e = (index: number, term: number, data = ''): Entry => ({ index, term, type: data === '' ? 'noop' : 'normal', data: enc(data) });
const hs = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });
const leader = (term: number, lastIndex: number, commit = 0): ObservedStatus => ({ role: 'leader', term, commit, applied: 0, lastIndex });
const follower = (term: number, lastIndex: number, commit = 0): ObservedStatus => ({ role: 'follower', term, commit, applied: 0, lastIndex });

const ce = (index: number, term: number, cc: ConfChange): Entry => ({ index, term, type: 'conf', data: encodeConfChange(cc) });
const conf = (voters: string[], learners: string[] = []): ConfState => ({ voters, learners });
const prefix = (entries: Entry[]) => entries.reduce((h, x) => rollHash(h, x), 0);
/** A snapshot of `entries` (the committed log from index 1) at its last index. */
function snapOf(entries: Entry[], c: ConfState, over: Partial<{ hash: number; term: number }> = {}): Snapshot {
  const last = entries[entries.length - 1];
  const hash = over.hash ?? prefix(entries);
  return { meta: { index: last.index, term: over.term ?? last.term, conf: c }, data: encodeImage({ applied: last.index, hash, values: 0 }) };
}

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

  describe('with snapshots, compaction and membership changes', () => {
    // Node 1 leads term 1; the committed log is a no-op, 'x', 'remove 3', 'y'.
    const log = [e(1, 1), e(2, 1, 'x'), ce(3, 1, { type: 'removeNode', node: '3' }), e(4, 1, 'y')];
    const after = conf(['1', '2']);
    beforeEach(() => {
      sut.ready('1', { role: 'leader', term: 1 }, { entries: log, hardState: hs(1, '1', 4) });
    });

    it('accepts a snapshot whose image, term and membership are the committed ones', () => {
      const snap = snapOf(log, after);
      sut.sent('1', { type: 'snap', from: '1', to: '2', term: 1, snapshot: snap }, durable(hs(1, '1', 4), [1, 1, 1, 1]));
      sut.ready('2', { role: 'follower', term: 1 }, { snapshot: snap, entries: [], hardState: hs(1, null, 4) });
      sut.installed('2', snap);
      sut.ready('2', { role: 'follower', term: 1 }, { entries: [e(5, 1, 'z')] });
    });

    it('rejects a snapshot whose image differs from the committed log (state machine safety)', () => {
      const snap = snapOf(log, after, { hash: 12345 });
      expect(() => sut.ready('2', { role: 'follower', term: 1 }, { snapshot: snap, entries: [] })).toThrow(/state machine safety: 2 received a snapshot at \(4/);
    });

    it('rejects a snapshot sent with the membership of an earlier index', () => {
      const snap = snapOf(log, conf(['1', '2', '3']));
      expect(() => sut.sent('1', { type: 'snap', from: '1', to: '2', term: 1, snapshot: snap }, durable(hs(1, '1', 4), []))).toThrow(
        /membership: 1 sent a snapshot at 4 with membership voters \[1,2,3\].*make voters \[1,2\]/,
      );
    });

    it('rejects a snapshot beyond every commit index', () => {
      const longer = [...log, e(5, 1, 'z')];
      expect(() => sut.ready('2', { role: 'follower', term: 1 }, { snapshot: snapOf(longer, after), entries: [] })).toThrow(/beyond every commit index/);
    });

    it('rejects a snapshot install that moves applied backwards', () => {
      for (const x of log) sut.applied('2', x);
      const older = snapOf(log.slice(0, 2), conf(['1', '2', '3']));
      expect(() => sut.installed('2', older)).toThrow(/installed a snapshot at 2 over a state machine that had applied 4/);
    });

    it('rejects an index applied again after a snapshot install', () => {
      const snap = snapOf(log, after);
      sut.ready('2', { role: 'follower', term: 1 }, { snapshot: snap, entries: [] });
      sut.installed('2', snap);
      expect(() => sut.applied('2', log[3])).toThrow(/applied index 4 right after 4/);
    });

    it('rejects a membership applied at an index that the committed conf entries do not make', () => {
      for (const x of log.slice(0, 2)) sut.applied('2', x);
      sut.applied('2', log[2]);
      expect(() => sut.confApplied('2', 3, conf(['1', '2', '3']))).toThrow(/membership: 2 applied membership voters \[1,2,3\] learners \[\] at 3/);
      sut.confApplied('2', 3, after);
    });

    it('rejects compaction past the applied index, and accepts it at the applied index', () => {
      sut.applied('1', log[0]);
      sut.applied('1', log[1]);
      expect(() => sut.compacted('1', 3)).toThrow(/compacted its log to 3, beyond its applied index 2/);
      sut.compacted('1', 2);
    });

    it('checks Leader Completeness against a compacted prefix by the committed hashes', () => {
      // Node 2 installed the snapshot at 4, so its log starts after the committed prefix.
      const snap = snapOf(log, after);
      sut.ready('2', { role: 'follower', term: 1 }, { snapshot: snap, entries: [], hardState: hs(1, null, 4) });
      sut.installed('2', snap);
      sut.sent('1', { type: 'voteResp', from: '1', to: '2', term: 2, reject: false }, durable(hs(2, '2', 4), [1, 1, 1, 1]));
      sut.afterEvent('2', { role: 'leader', term: 2, commit: 4, applied: 4, lastIndex: 4, conf: after });
    });

    it('rejects a node that campaigns after applying its own removal', () => {
      for (const x of log.slice(0, 3)) sut.applied('3', x);
      const pre: Message = { type: 'preVote', from: '3', to: '1', term: 2, index: 4, logTerm: 1, transfer: false };
      expect(() => sut.sent('3', pre, durable(hs(1, null, 3), [1, 1, 1]))).toThrow(/3 campaigns \(preVote, term 2\) after applying its own removal at 3/);
    });

    it('rejects a removed node that becomes leader', () => {
      for (const x of log.slice(0, 3)) sut.applied('3', x);
      sut.ready('3', { role: 'follower', term: 1 }, { entries: log });
      expect(() => sut.afterEvent('3', { role: 'leader', term: 2, commit: 3, applied: 3, lastIndex: 4 })).toThrow(/3 leads term 2 after applying its own removal/);
    });

    it('rejects a leader elected without a majority of its own voters (election safety across membership changes)', () => {
      // Node 2, with the new membership {1, 2}, claims term 2 on its own vote alone.
      sut.ready('2', { role: 'follower', term: 1 }, { entries: log, hardState: hs(1, null, 4) });
      expect(() => sut.afterEvent('2', { role: 'leader', term: 2, commit: 4, applied: 4, lastIndex: 4, conf: after })).toThrow(
        /election safety: 2 leads term 2 with votes from 2 only, not a majority of its voters 1,2/,
      );
    });

    it('rejects a leader that is not a voter of its own membership', () => {
      expect(() => sut.afterEvent('3', { role: 'leader', term: 2, commit: 0, applied: 0, lastIndex: 0, conf: after })).toThrow(/is not a voter/);
    });

    it('rejects a second conf entry while the first is uncommitted', () => {
      const two = [e(5, 1), ce(6, 1, { type: 'addLearner', node: '4' }), ce(7, 1, { type: 'addVoter', node: '4' })];
      expect(() => sut.ready('1', { role: 'leader', term: 1 }, { entries: two })).toThrow(/two changes pending/);
    });

    it('rejects a restart whose compacted prefix is not the committed log', () => {
      expect(() =>
        sut.boot('2', { hardState: hs(2, null, 4), base: { index: 4, term: 2 }, entries: [], conf: after, sm: { applied: 4, hash: prefix(log), values: 2 } }),
      ).toThrow(/recovered a compacted prefix up to \(4, term 2\)/);
    });

    it('rejects a restart with a state machine image that is not the committed log at its index', () => {
      expect(() =>
        sut.boot('2', { hardState: hs(1, null, 4), base: { index: 4, term: 1 }, entries: [], conf: after, sm: { applied: 4, hash: 7, values: 2 } }),
      ).toThrow(/recovered a state machine at 4/);
    });

    it('checks a follower ack below its compacted prefix against the committed log', () => {
      const snap = snapOf(log, after);
      sut.afterEvent('1', { role: 'leader', term: 1, commit: 4, applied: 0, lastIndex: 4 });
      sut.ready('2', { role: 'follower', term: 1 }, { snapshot: snap, entries: [], hardState: hs(1, null, 4) });
      const ack: Message = { type: 'appResp', from: '2', to: '1', term: 1, index: 3, reject: false, rejectHint: 0, logTerm: 0 };
      const disk: DurableView = { hardState: hs(1, null, 4), firstIndex: () => 5, lastIndex: () => 4, term: (i) => (i === 4 ? 1 : undefined) };
      sut.sent('2', ack, disk);
    });
  });
});
