import { APPLIERS } from '../operations/appliers';
import { Command } from '../state/command';
import { KmsState } from '../state/kms-state';
import { KmsStateMachine } from '../state/kms-state-machine';
import { ReplicaLog } from './replica-log';
import { ToPrimary, ToReplica } from './replica-messages';

const STATUS = { role: 'leader' as const, term: 1, leader: '1', commitIndex: 0, appliedIndex: 0, quorumReads: false };
const clock = (deltaMs: number, requestId: string): Command => ({ requestId, now: 1, accountId: '-', body: { type: 'AdvanceClock', deltaMs } });

function setUp() {
  const toPrimary: ToPrimary[] = [];
  let deliver: (m: ToReplica) => void = () => {};
  const state = new KmsState();
  const sut = new ReplicaLog({ send: (m) => toPrimary.push(m), onMessage: (h) => (deliver = h) }, new KmsStateMachine(state, { region: 'us-east-1' }, APPLIERS), STATUS);
  return { sut, state, toPrimary, deliver: (m: ToReplica) => deliver(m) };
}

describe(ReplicaLog.name, () => {
  it('should apply the primary entries with the same state machine and acknowledge them', () => {
    const { state, toPrimary, deliver } = setUp();
    deliver({ t: 'entries', entries: [{ index: 1, cmd: clock(5, 'a') }, { index: 2, cmd: clock(7, 'b') }], status: { ...STATUS, commitIndex: 2 } });
    expect(state.clockOffsetMs).toBe(12);
    expect(state.appliedIndex).toBe(2);
    expect(toPrimary).toEqual([{ t: 'applied', index: 2 }]);
  });

  it('should skip entries it already holds and hand each applied command to the hook once', () => {
    const seen: string[] = [];
    const toPrimary: ToPrimary[] = [];
    let deliver: (m: ToReplica) => void = () => {};
    const state = new KmsState();
    new ReplicaLog({ send: (m) => toPrimary.push(m), onMessage: (h) => (deliver = h) }, new KmsStateMachine(state, { region: 'us-east-1' }, APPLIERS), STATUS, (cmd) => seen.push(cmd.requestId));
    deliver({ t: 'entries', entries: [{ index: 1, cmd: clock(5, 'a') }], status: STATUS });
    deliver({ t: 'entries', entries: [{ index: 1, cmd: clock(5, 'a') }, { index: 2, cmd: clock(7, 'b') }], status: STATUS });
    expect(state.clockOffsetMs).toBe(12);
    expect(seen).toEqual(['a', 'b']);
  });

  it('should forward a write and answer with the primary result', async () => {
    const { sut, toPrimary, deliver } = setUp();
    const pending = sut.propose(clock(1, 'x'));
    expect(toPrimary).toEqual([{ t: 'propose', id: 1, cmd: clock(1, 'x') }]);
    deliver({ t: 'result', id: 1, result: { ok: true, value: { clockOffsetMs: 1 } } });
    await expect(pending).resolves.toEqual({ ok: true, value: { clockOffsetMs: 1 } });
  });

  it('should fail pending and later writes once the primary is gone', async () => {
    const { sut } = setUp();
    const pending = sut.propose(clock(1, 'x'));
    sut.disconnect();
    await expect(pending).rejects.toMatchObject({ code: 'KMSInternalException' });
    await expect(sut.propose(clock(1, 'y'))).rejects.toMatchObject({ code: 'KMSInternalException' });
    await expect(sut.readBarrier()).rejects.toMatchObject({ code: 'KMSInternalException' });
  });
});
