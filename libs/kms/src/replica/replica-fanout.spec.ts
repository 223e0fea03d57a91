import { Command } from '../state/command';
import { ReplicaFanout } from './replica-fanout';
import { StateSnapshot, ToReplica } from './replica-messages';

const STATUS = { role: 'leader' as const, term: 1, leader: '1', commitIndex: 0, appliedIndex: 0, quorumReads: false };
const snapshot = (appliedIndex: number): StateSnapshot => ({ appliedIndex, clockOffsetMs: 0, keys: [], aliases: [], sessions: [] });
const entry = (index: number) => ({ index, cmd: { requestId: `r${index}`, now: 0, accountId: '-', body: { type: 'AdvanceClock', deltaMs: 1 } } as Command });

function replica() {
  const sent: ToReplica[] = [];
  return { sent, channel: { send: (m: ToReplica) => sent.push(m), onMessage: () => {} } };
}

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe(ReplicaFanout.name, () => {
  it('should send the snapshot first, then every entry, in order', () => {
    const sut = new ReplicaFanout(1000, () => {});
    const a = replica();
    sut.add(1, a.channel, snapshot(4), STATUS);
    void sut.applied([entry(5), entry(6)], STATUS);
    expect(a.sent.map((m) => m.t)).toEqual(['snapshot', 'entries']);
    expect((a.sent[1] as { entries: { index: number }[] }).entries.map((e) => e.index)).toEqual([5, 6]);
  });

  it('should hold an acknowledgement until every replica has applied the last entry', async () => {
    const sut = new ReplicaFanout(1000, () => {});
    sut.add(1, replica().channel, snapshot(0), STATUS);
    sut.add(2, replica().channel, snapshot(0), STATUS);
    const done = sut.applied([entry(1), entry(2)], STATUS);
    sut.acknowledge(1, 2);
    sut.acknowledge(2, 1);
    expect(await settled(done)).toBe(false);
    sut.acknowledge(2, 2);
    expect(await settled(done)).toBe(true);
  });

  it('should go on without a replica that exits', async () => {
    const sut = new ReplicaFanout(1000, () => {});
    sut.add(1, replica().channel, snapshot(0), STATUS);
    sut.add(2, replica().channel, snapshot(0), STATUS);
    const done = sut.applied([entry(1)], STATUS);
    sut.acknowledge(1, 1);
    sut.remove(2);
    expect(await settled(done)).toBe(true);
  });

  it('should report a replica that does not apply in time', async () => {
    const stuck = jest.fn();
    const sut = new ReplicaFanout(20, (id) => {
      stuck(id);
      sut.remove(id);
    });
    sut.add(1, replica().channel, snapshot(0), STATUS);
    sut.add(2, replica().channel, snapshot(0), STATUS);
    const done = sut.applied([entry(1)], STATUS);
    sut.acknowledge(1, 1);
    await done;
    expect(stuck).toHaveBeenCalledWith(2);
    expect(stuck).toHaveBeenCalledTimes(1);
  });

  it('should send a replica that joined mid-write only the entries its snapshot lacks', () => {
    const sut = new ReplicaFanout(1000, () => {});
    const a = replica();
    // Joined after entries 1 and 2 were applied but before they were fanned out.
    sut.add(1, a.channel, snapshot(2), STATUS);
    void sut.applied([entry(1), entry(2), entry(3)], STATUS);
    const sent = a.sent.filter((m) => m.t === 'entries') as { entries: { index: number }[] }[];
    expect(sent.flatMap((m) => m.entries.map((e) => e.index))).toEqual([3]);
    void sut.applied([entry(2)], STATUS);
    expect(a.sent.filter((m) => m.t === 'entries')).toHaveLength(1);
  });

  it('should count a replica added mid-write as having applied what its snapshot holds', async () => {
    const sut = new ReplicaFanout(1000, () => {});
    sut.add(1, replica().channel, snapshot(0), STATUS);
    const done = sut.applied([entry(1)], STATUS);
    sut.add(2, replica().channel, snapshot(1), STATUS);
    sut.acknowledge(1, 1);
    expect(await settled(done)).toBe(true);
  });
});
