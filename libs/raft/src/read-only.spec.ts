import { ReadOnlyQueue } from './read-only';

const ctx = (s: string) => new TextEncoder().encode(s);

describe(ReadOnlyQueue.name, () => {
  it('confirms a round and every earlier round on a quorum of acks', () => {
    const sut = new ReadOnlyQueue();
    sut.add({ index: 1, ctx: ctx('a'), from: '1' });
    const r1 = sut.startRound('1');
    sut.add({ index: 2, ctx: ctx('b'), from: '2' });
    const r2 = sut.startRound('1');
    sut.add({ index: 2, ctx: ctx('c'), from: '1' });
    // Five voters: a quorum is 3, the leader's own ack included.
    expect(sut.recvAck(r1, '2', 3)).toEqual([]);
    expect(sut.pending()).toBe(3);
    expect(sut.recvAck(r2, '3', 3)).toEqual([]);
    expect(sut.lastPendingRound()).toBe(r2);
    // A quorum for round 2 also confirms round 1, sent earlier.
    expect(sut.recvAck(r2, '2', 3).map((r) => r.index)).toEqual([1, 2]);
    expect(sut.recvAck(r1, '4', 3)).toEqual([]);
    expect(sut.hasUnsent()).toBe(true);
    expect(sut.lastPendingRound()).toBe(0);
  });
});
