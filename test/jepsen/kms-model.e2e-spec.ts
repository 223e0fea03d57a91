import { Op } from './history';
import { history } from './jepsen-fixtures';
import { decryptMismatches, kmsCompletionForError, KmsKeyState, kmsKeyModel, KmsOperation, KmsOutput, partitionKmsHistory } from './kms-model';
import { UNKNOWN } from './linearizability';

const ABSENT: KmsKeyState = { exists: false, enabled: false };
const ENABLED: KmsKeyState = { exists: true, enabled: true };
const DISABLED: KmsKeyState = { exists: true, enabled: false };

describe('kmsKeyModel', () => {
  const sut = kmsKeyModel;
  const step = (s: KmsKeyState, f: KmsOperation, out: KmsOutput | typeof UNKNOWN) => sut.step(s, f, {}, out);

  // state, operation, observed output → legal, next state
  const table: Array<[KmsKeyState, KmsOperation, KmsOutput, KmsKeyState | 'illegal']> = [
    [ABSENT, 'CreateKey', { keyId: 'k' }, ENABLED],
    [ENABLED, 'CreateKey', { keyId: 'k' }, 'illegal'],
    [ABSENT, 'DescribeKey', { error: 'NotFoundException' }, ABSENT],
    [ABSENT, 'DescribeKey', { enabled: false }, 'illegal'],
    [ENABLED, 'DescribeKey', { enabled: true }, ENABLED],
    [ENABLED, 'DescribeKey', { enabled: false }, 'illegal'],
    [DISABLED, 'DescribeKey', { enabled: false }, DISABLED],
    [ENABLED, 'DisableKey', {}, DISABLED],
    [DISABLED, 'DisableKey', {}, DISABLED],
    [ABSENT, 'DisableKey', { error: 'NotFoundException' }, ABSENT],
    [ABSENT, 'DisableKey', {}, 'illegal'],
    [DISABLED, 'EnableKey', {}, ENABLED],
    [ENABLED, 'EnableKey', {}, ENABLED],
    [ENABLED, 'EnableKey', { error: 'DisabledException' }, 'illegal'],
    [ENABLED, 'Encrypt', { ciphertext: 'c' }, ENABLED],
    [ENABLED, 'Encrypt', { error: 'DisabledException' }, 'illegal'],
    [DISABLED, 'Encrypt', { error: 'DisabledException' }, DISABLED],
    [DISABLED, 'Encrypt', { ciphertext: 'c' }, 'illegal'],
    [ENABLED, 'Decrypt', { plaintext: 'p', keyId: 'k' }, ENABLED],
    [DISABLED, 'Decrypt', { error: 'DisabledException' }, DISABLED],
    [DISABLED, 'Decrypt', { plaintext: 'p', keyId: 'k' }, 'illegal'],
    [ABSENT, 'Encrypt', { error: 'NotFoundException' }, ABSENT],
  ];

  it.each(table)('%j %s → %j: %j', (state, f, out, next) => {
    const r = step(state, f, out);
    if (next === 'illegal') expect(r.legal).toBe(false);
    else expect(r).toEqual({ legal: true, state: next });
  });

  it('accepts an unknown output and applies the effect', () => {
    expect(step(ENABLED, 'DisableKey', UNKNOWN)).toEqual({ legal: true, state: DISABLED });
    expect(step(ABSENT, 'CreateKey', UNKNOWN)).toEqual({ legal: true, state: ENABLED });
    expect(step(ENABLED, 'CreateKey', UNKNOWN).legal).toBe(false); // a KeyId is created once
  });

  it('does not mutate the state it steps from', () => {
    const s = { ...ENABLED };
    step(s, 'DisableKey', {});
    expect(s).toEqual(ENABLED);
  });

  it('lets failed reads be dropped, not failed writes', () => {
    expect(['DescribeKey', 'Encrypt', 'Decrypt'].every((f) => sut.failedOpHasNoEffect(f, {}))).toBe(true);
    expect(['CreateKey', 'DisableKey', 'EnableKey', 'ScheduleKeyDeletion'].some((f) => sut.failedOpHasNoEffect(f, {}))).toBe(false);
  });

  it('hashes equal states equally and distinct states distinctly', () => {
    const states = [ABSENT, ENABLED, DISABLED];
    expect(new Set(states.map(sut.hash)).size).toBe(3);
    expect(sut.equal({ ...ENABLED }, ENABLED)).toBe(true);
  });
});

describe(kmsCompletionForError.name, () => {
  const awsError = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

  it('turns model errors with a 4xx status into ok ops with an error output', () => {
    expect(kmsCompletionForError('Encrypt', awsError('DisabledException', 400))).toEqual({ outcome: 'ok', output: { error: 'DisabledException' } });
    expect(kmsCompletionForError('DisableKey', awsError('NotFoundException', 400))).toEqual({ outcome: 'ok', output: { error: 'NotFoundException' } });
  });

  it('makes a refused connection fail, for writes too: no request was sent', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', $metadata: {} });
    expect(kmsCompletionForError('DisableKey', refused)).toEqual({ outcome: 'fail', output: { thrown: 'Error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1' } });
    expect(kmsCompletionForError('DescribeKey', refused).outcome).toBe('fail');
    // As the SDK passes it on when the socket error comes from another realm (jest), without its code.
    const wrapped = new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1');
    expect(kmsCompletionForError('EnableKey', wrapped).outcome).toBe('fail');
    expect(kmsCompletionForError('EnableKey', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).outcome).toBe('info');
  });

  it.each([
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['a reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a 5xx', awsError('KMSInternalException', 500)],
    ['a model error carried by a 5xx', awsError('DisabledException', 503)],
    ['an error the model does not know', awsError('ThrottlingException', 400)],
  ])('makes %s info for writes and fail for reads', (_what, err) => {
    expect(kmsCompletionForError('DisableKey', err).outcome).toBe('info');
    expect(kmsCompletionForError('CreateKey', err).outcome).toBe('info');
    expect(kmsCompletionForError('DescribeKey', err).outcome).toBe('fail');
    expect(kmsCompletionForError('Decrypt', err).outcome).toBe('fail');
  });
});

describe(partitionKmsHistory.name, () => {
  it('gives a key with no CreateKey a synthetic info one at the earliest unattributed CreateKey', () => {
    const ops = history()
      .info('CreateKey', 7, { key: undefined })
      .info('CreateKey', 3, { key: undefined })
      .create(0, 1, 'a')
      .ok('DescribeKey', 10, 11, { enabled: true }, { key: 'b' })
      .build();
    const sut = partitionKmsHistory(ops);
    expect(sut.unkeyed.map((o) => o.index)).toEqual([0, 1]);
    expect(sut.byKey.get('a')!.map((o) => o.index)).toEqual([2]);
    expect(sut.byKey.get('b')![0]).toMatchObject({ f: 'CreateKey', outcome: 'info', call: 3, key: 'b' });
    expect(sut.byKey.get('b')).toHaveLength(2);
  });
});

describe(decryptMismatches.name, () => {
  const encrypt = (index: number, key: string, plaintext: string, ciphertext: string): Op => ({
    index, process: 0, key, f: 'Encrypt', input: { plaintext }, call: index, return: index, outcome: 'ok', output: { ciphertext },
  });
  const decrypt = (index: number, key: string, ciphertext: string, output: KmsOutput): Op => ({
    index, process: 0, key, f: 'Decrypt', input: { ciphertext }, call: index, return: index, outcome: 'ok', output,
  });

  it('passes round trips that return the encrypted plaintext under the same key (ARN or id)', () => {
    const ops = [encrypt(0, 'a', 'cA==', 'ct1'), decrypt(1, 'a', 'ct1', { plaintext: 'cA==', keyId: 'arn:aws:kms:us-east-1:000000000000:key/a' })];
    expect(decryptMismatches(ops)).toEqual([]);
  });

  it('ignores refused decrypts', () => {
    expect(decryptMismatches([encrypt(0, 'a', 'p', 'ct1'), decrypt(1, 'a', 'ct1', { error: 'DisabledException' })])).toEqual([]);
  });

  it('reports a wrong plaintext, a wrong key and an unknown ciphertext', () => {
    const ops = [
      encrypt(0, 'a', 'p1', 'ct1'),
      decrypt(1, 'a', 'ct1', { plaintext: 'p2', keyId: 'a' }),
      decrypt(2, 'a', 'ct1', { plaintext: 'p1', keyId: 'b' }),
      decrypt(3, 'a', 'ct9', { plaintext: 'p1', keyId: 'a' }),
    ];
    expect(decryptMismatches(ops)).toEqual([
      '#1 Decrypt returned other plaintext than #0 encrypted',
      '#2 Decrypt names key b, but #0 encrypted under a',
      '#3 Decrypt of a ciphertext no ok Encrypt produced',
    ]);
  });
});
