import { MemoryStorage } from './memory-storage';
import { RaftCore, type RaftConfig } from './raft-core';
import { RaftNetwork, entry, logWithTerms } from './testing/raft-network';
import type { AppendResponseMessage, ConfState, Ready, Snapshot, SnapshotMessage } from './types';

const enc = (s: string) => new TextEncoder().encode(s);
const VOTERS: ConfState = { voters: ['1', '2', '3'], learners: [] };

function makeFollower(cfg: Partial<RaftConfig> = {}, storage = new MemoryStorage()): RaftCore {
  return new RaftCore({ id: '2', peers: ['1', '2', '3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, ...cfg }, storage);
}

function snapshot(index: number, term: number, conf = VOTERS): Snapshot {
  return { meta: { index, term, conf }, data: enc(`image@${index}`) };
}

function snapMsg(snap: Snapshot, term = 1): SnapshotMessage {
  return { type: 'snap', from: '1', to: '2', term, snapshot: snap };
}

const acks = (rd: Ready): AppendResponseMessage[] =>
  rd.sendAfterPersist.filter((m): m is AppendResponseMessage => m.type === 'appResp');

/**
 * A 3-node cluster where 3 missed entries 2..3 while isolated and the leader then compacted its
 * log through its applied index. Healed, with 3's probe rejected: the next leader Ready holds
 * the snapshot unless the test intervenes first.
 */
function laggingFollower(): RaftNetwork {
  const net = RaftNetwork.ofSize(3);
  net.elect('1');
  net.isolate('3');
  net.core('1').propose(enc('a'));
  net.core('1').propose(enc('b'));
  net.stabilize();
  net.compact('1');
  net.heal();
  return net;
}

/** Runs the cluster until the leader's snapshot for 3 is queued, and leaves it there (in flight). */
function untilSnapshotSent(net: RaftNetwork): SnapshotMessage {
  net.tick('1');
  for (let round = 0; round < 20; round++) {
    for (const id of net.ids) net.processReady(id);
    const snap = net.queue.find((m): m is SnapshotMessage => m.type === 'snap');
    if (snap !== undefined) return snap;
    net.deliverAll();
  }
  throw new Error('no snapshot was sent');
}

describe(`${RaftCore.name} snapshots`, () => {
  describe('leader', () => {
    it('should send a snapshot when a follower needs compacted entries, and pause appends to it', () => {
      const net = laggingFollower();
      const snap = untilSnapshotSent(net);
      expect(snap).toMatchObject({ from: '1', to: '3', snapshot: { meta: { index: 3, term: 1, conf: VOTERS } } });
      expect(net.core('1').status().progress!['3']).toMatchObject({ state: 'snapshot', pendingSnapshot: 3 });
      net.core('1').propose(enc('c'));
      const rd = net.takeReady('1')!;
      expect(rd.sendNow.filter((m) => m.to === '3')).toEqual([]);
    });

    it('should leave snapshot state for replicate on an ack at or past the snapshot index', () => {
      const net = laggingFollower();
      untilSnapshotSent(net);
      net.stabilize();
      expect(net.core('1').status().progress!['3']).toMatchObject({ state: 'replicate', match: 3, pendingSnapshot: 0 });
      expect(net.appliedData('3')).toEqual(['a', 'b']);
    });

    it('should probe from the match index after a failed snapshot, and send it again', () => {
      const net = laggingFollower();
      untilSnapshotSent(net);
      net.queue = net.queue.filter((m) => m.type !== 'snap'); // lost by the transport
      net.core('1').reportSnapshot('3', false);
      expect(net.core('1').status().progress!['3']).toMatchObject({ state: 'probe', match: 1, next: 2, pendingSnapshot: 0 });
      untilSnapshotSent(net);
      net.stabilize();
      expect(net.core('1').status().progress!['3']).toMatchObject({ state: 'replicate', match: 3 });
    });

    it('should probe after the snapshot index when the driver reports a delivered snapshot', () => {
      const net = laggingFollower();
      untilSnapshotSent(net);
      net.core('1').reportSnapshot('3', true);
      expect(net.core('1').status().progress!['3']).toMatchObject({ state: 'probe', match: 1, next: 4 });
    });

    it('should report a snapshot dropped by the test network as failed', () => {
      const net = laggingFollower();
      net.dropIf = (m) => m.type === 'snap';
      net.tick('1');
      net.stabilize();
      expect(net.core('1').status().progress!['3']).toMatchObject({ state: 'probe', pendingSnapshot: 0 });
    });

    it('should retry later when the storage snapshot is temporarily unavailable', () => {
      const net = laggingFollower();
      const storage = net.node('1').storage;
      const real = storage.snapshot.bind(storage);
      storage.snapshot = () => 'temporarily-unavailable';
      net.tick('1');
      net.stabilize();
      expect(net.core('1').status().progress!['3'].state).not.toBe('snapshot');
      storage.snapshot = real;
      net.tick('1');
      net.stabilize();
      expect(net.core('1').status().progress!['3']).toMatchObject({ state: 'replicate', match: 3 });
    });

    it('should not send a snapshot older than the compacted prefix', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      net.isolate('3');
      net.core('1').propose(enc('a'));
      net.stabilize();
      net.node('1').storage.compact(2); // no snapshot recorded for it
      net.heal();
      net.tick('1');
      net.stabilize();
      expect(net.queue.filter((m) => m.type === 'snap')).toEqual([]);
      expect(net.core('1').status().progress!['3'].state).not.toBe('snapshot');
    });

    it('should drop a replicating follower back to probe when it is reported unreachable', () => {
      const net = RaftNetwork.ofSize(3);
      net.elect('1');
      expect(net.core('1').status().progress!['2'].state).toBe('replicate');
      net.core('1').reportUnreachable('2');
      expect(net.core('1').status().progress!['2'].state).toBe('probe');
    });
  });

  describe('follower', () => {
    it('should ignore a snapshot at or below its commit index and answer with its commit index', () => {
      const storage = MemoryStorage.from(logWithTerms(1, 1, 1), { term: 1, commit: 3 });
      const sut = makeFollower({}, storage);
      sut.step(snapMsg(snapshot(2, 1)));
      const rd = sut.ready();
      expect(rd.snapshot).toBeUndefined();
      expect(acks(rd)).toEqual([expect.objectContaining({ index: 3, reject: false })]);
    });

    it('should only move its commit index when it already holds the snapshot entry', () => {
      const storage = MemoryStorage.from(logWithTerms(1, 1, 1, 1), { term: 1, commit: 1 });
      const sut = makeFollower({ applied: 1 }, storage);
      sut.step(snapMsg(snapshot(3, 1)));
      const rd = sut.ready();
      expect(rd.snapshot).toBeUndefined();
      expect(rd.hardState?.commit).toBe(3);
      expect(rd.committed.map((e) => e.index)).toEqual([2, 3]);
      expect(sut.status().lastIndex).toBe(4); // the log after the snapshot is kept
      expect(acks(rd)).toEqual([expect.objectContaining({ index: 3 })]);
    });

    it('should replace its log, commit and membership with a newer snapshot, acking only after persistence', () => {
      const storage = MemoryStorage.from(logWithTerms(1, 1), { term: 1, commit: 1 });
      const sut = makeFollower({ applied: 1 }, storage);
      const snap = snapshot(10, 3, { voters: ['1', '2', '3', '4'], learners: ['5'] });
      sut.step(snapMsg(snap, 3));
      expect(sut.status()).toMatchObject({ commit: 10, lastIndex: 10, applied: 1, conf: snap.meta.conf });
      const rd = sut.ready();
      expect(rd.snapshot).toBe(snap);
      expect(rd.mustSync).toBe(true);
      expect(rd.committed).toEqual([]); // nothing to apply over a snapshot not yet installed
      expect(rd.hardState).toMatchObject({ term: 3, commit: 10 });
      expect(rd.sendNow).toEqual([]);
      expect(acks(rd)).toEqual([expect.objectContaining({ index: 10, reject: false })]);
    });

    it('should count the snapshot as applied once the Ready carrying it is advanced', () => {
      const storage = new MemoryStorage();
      const sut = makeFollower({}, storage);
      sut.step(snapMsg(snapshot(5, 2), 2));
      const rd = sut.ready();
      storage.applySnapshot(rd.snapshot!);
      storage.setHardState(rd.hardState!);
      sut.advance(rd);
      expect(sut.status()).toMatchObject({ applied: 5, commit: 5, lastIndex: 5 });
      expect(sut.hasReady()).toBe(false);
    });

    it('should append entries that follow an installed snapshot', () => {
      const storage = new MemoryStorage();
      const sut = makeFollower({}, storage);
      sut.step(snapMsg(snapshot(5, 2), 2));
      sut.step({ type: 'app', from: '1', to: '2', term: 2, index: 5, logTerm: 2, entries: [entry(6, 2, 'x')], commit: 6 });
      const rd = sut.ready();
      expect(rd.snapshot?.meta.index).toBe(5);
      expect(rd.entries.map((e) => e.index)).toEqual([6]);
      storage.applySnapshot(rd.snapshot!);
      storage.append(rd.entries);
      sut.advance(rd);
      expect(sut.ready().committed.map((e) => e.index)).toEqual([6]);
    });

    it('should install a snapshot older than its own addition, and not campaign until added', () => {
      const sut = makeFollower({ peers: [] });
      sut.step(snapMsg(snapshot(5, 1, { voters: ['1', '3', '4'], learners: [] })));
      const rd = sut.ready();
      expect(rd.snapshot?.meta.index).toBe(5);
      expect(acks(rd)).toEqual([expect.objectContaining({ index: 5 })]);
      for (let i = 0; i < 30; i++) sut.tick();
      expect(sut.status().role).toBe('follower');
    });

    it('should restart from a storage that holds a snapshot', () => {
      const storage = new MemoryStorage();
      storage.applySnapshot(snapshot(7, 2, { voters: ['1', '2'], learners: ['3'] }));
      storage.append([entry(8, 2, 'x')]);
      storage.setHardState({ term: 2, vote: null, commit: 7 });
      const sut = makeFollower({ peers: ['9'] }, storage);
      expect(sut.status()).toMatchObject({ commit: 7, applied: 7, lastIndex: 8, conf: { voters: ['1', '2'], learners: ['3'] } });
    });
  });
});
