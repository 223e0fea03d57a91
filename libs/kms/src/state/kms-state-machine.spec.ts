import { MemoryKvStore } from '@trent/storage';
import { APPLIERS } from '../operations/appliers';
import { KeyRecord } from '../model/key-record';
import { Command, CommandBody } from './command';
import { KmsState } from './kms-state';
import { KmsStateMachine, SESSION_WINDOW_MS } from './kms-state-machine';

const KEY_ID = '11111111-2222-3333-4444-555555555555';
const key = (): KeyRecord => ({
  accountId: '000000000000', keyId: KEY_ID, createdAt: 0, description: '', keyUsage: 'ENCRYPT_DECRYPT', keySpec: 'SYMMETRIC_DEFAULT',
  origin: 'AWS_KMS', multiRegion: false, state: 'Enabled', policy: '{}', tags: [], rotation: { enabled: false, onDemandCount: 0 },
  materials: [{ version: 1, materialId: 'a'.repeat(64), wrapped: 'AA==', createdAt: 0 }],
});

function machines() {
  const make = () => new KmsStateMachine(new KmsState(), { region: 'us-east-1' }, APPLIERS);
  return [make(), make()];
}

let seq = 0;
const cmd = (body: CommandBody, now = 1000): Command => ({ requestId: `r${++seq}`, now, accountId: '000000000000', body });

describe(KmsStateMachine.name, () => {
  it('should reach the same state and results on every node for the same commands', async () => {
    const [a, b] = machines();
    const script: Command[] = [
      cmd({ type: 'CreateKey', key: key() }),
      cmd({ type: 'DisableKey', keyId: KEY_ID }),
      cmd({ type: 'CreateAlias', aliasName: 'alias/x', targetKeyId: KEY_ID }),
      cmd({ type: 'CreateAlias', aliasName: 'alias/x', targetKeyId: KEY_ID }),
      cmd({ type: 'ScheduleKeyDeletion', keyId: KEY_ID, pendingWindowDays: 7 }),
      cmd({ type: 'EnableKey', keyId: KEY_ID }),
      cmd({ type: 'DeleteKey', keyId: KEY_ID }, 1000 + 8 * 86_400_000),
    ];
    const run = (m: KmsStateMachine) => script.map((c, i) => m.apply(i + 1, c));
    const ra = run(a);
    expect(run(b)).toEqual(ra);
    expect(ra.map((r) => (r.result.ok ? 'ok' : r.result.code))).toEqual(['ok', 'ok', 'ok', 'AlreadyExistsException', 'ok', 'KMSInvalidStateException', 'ok']);
    expect(a.state.keys.size).toBe(0);
    expect(a.state.aliases.size).toBe(0);
  });

  it('should leave state untouched when a command is refused', () => {
    const [sut] = machines();
    sut.apply(1, cmd({ type: 'CreateKey', key: key() }));
    const before = JSON.stringify([...sut.state.keys.values()]);
    const { result, ops } = sut.apply(2, cmd({ type: 'TagResource', keyId: KEY_ID, tags: [{ TagKey: 'aws:x', TagValue: '' }] }));
    expect(result).toMatchObject({ ok: false, code: 'TagException' });
    expect(JSON.stringify([...sut.state.keys.values()])).toBe(before);
    expect(ops.map((o) => o.key)).toEqual([expect.stringMatching(/^session\//), 'meta/applied']);
  });

  it('should refuse to apply out of order', () => {
    const [sut] = machines();
    expect(() => sut.apply(2, cmd({ type: 'AdvanceClock', deltaMs: 1 }))).toThrow(/out of order/);
  });

  it('should forget request ids after the session window, the same way on every node', () => {
    const [a, b] = machines();
    for (const m of [a, b]) {
      m.apply(1, { ...cmd({ type: 'AdvanceClock', deltaMs: 1 }), requestId: 'old', now: 0 });
      m.apply(2, { ...cmd({ type: 'AdvanceClock', deltaMs: 1 }), requestId: 'new', now: SESSION_WINDOW_MS + 1 });
    }
    expect([...a.state.sessions.keys()]).toEqual(['new']);
    expect([...b.state.sessions.keys()]).toEqual(['new']);
  });

  it('should persist exactly what it holds in memory', async () => {
    const [sut] = machines();
    const store = new MemoryKvStore();
    const cmds = [cmd({ type: 'CreateKey', key: key() }), cmd({ type: 'TagResource', keyId: KEY_ID, tags: [{ TagKey: 'k', TagValue: 'v' }] }), cmd({ type: 'CreateAlias', aliasName: 'alias/y', targetKeyId: KEY_ID })];
    for (const [i, c] of cmds.entries()) await store.batch(sut.apply(i + 1, c).ops);
    const reloaded = await KmsState.load(store);
    expect([...reloaded.keys.values()]).toEqual([...sut.state.keys.values()]);
    expect([...reloaded.aliases.values()]).toEqual([...sut.state.aliases.values()]);
    expect(reloaded.appliedIndex).toBe(3);
  });
});
