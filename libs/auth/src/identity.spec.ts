import { IdentityConfigError, IdentityStore } from './identity';

const alice = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'alice-secret', accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/alice' };
const bob = { accessKeyId: 'AKIAI44QH8DHBEXAMPLE', secretAccessKey: 'bob-secret', accountId: '444455556666', principalArn: 'arn:aws-us-gov:sts::444455556666:assumed-role/ops/bob' };

function problemsOf(raw: unknown): string[] {
  try {
    IdentityStore.fromConfig(raw);
  } catch (e) {
    if (e instanceof IdentityConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected an IdentityConfigError');
}

describe(IdentityStore.name, () => {
  it('should read a plain array', () => {
    const sut = IdentityStore.fromConfig([alice, bob]);

    expect(sut.find('AKIAIOSFODNN7EXAMPLE')).toEqual(alice);
    expect(sut.find('AKIAI44QH8DHBEXAMPLE')?.principalArn).toBe(bob.principalArn);
    expect(sut.size).toBe(2);
  });

  it("should read an object with an 'identities' array", () => {
    const sut = IdentityStore.fromConfig({ identities: [alice] });
    expect(sut.find(alice.accessKeyId)?.accountId).toBe('111122223333');
  });

  it('should find nothing for an unknown access key', () => {
    expect(IdentityStore.fromConfig([alice]).find('AKIDNOBODY')).toBeUndefined();
  });

  it('should freeze what it hands out', () => {
    const identity = IdentityStore.fromConfig([alice]).find(alice.accessKeyId);
    expect(Object.isFrozen(identity)).toBe(true);
  });

  it('should offer the development identity test/test', () => {
    expect(IdentityStore.default().find('test')).toEqual({
      accessKeyId: 'test',
      secretAccessKey: 'test',
      accountId: '000000000000',
      principalArn: 'arn:aws:iam::000000000000:root',
    });
  });

  it('should name every bad entry at once', () => {
    const problems = problemsOf([
      alice,
      { ...bob, accountId: '4444' },
      { ...bob, accessKeyId: 'has space', principalArn: 'user/bob' },
      'nonsense',
      { ...alice, secretAccessKey: 'another' },
      { ...bob, secretAccessKey: '' },
      { ...bob, accessKeyId: 'AKIDOTHER', principalArn: 'arn:aws:iam::999999999999:user/bob' },
    ]);

    expect(problems).toEqual([
      "identities[1].accountId must be a string of 12 digits, got '4444'",
      'identities[2].accessKeyId must be 1 to 128 letters, digits or underscores',
      "identities[2].principalArn must be an IAM or STS ARN like arn:aws:iam::111122223333:user/name, got 'user/bob'",
      'identities[3] must be an object with accessKeyId, secretAccessKey, accountId and principalArn',
      "identities[4].accessKeyId 'AKIAIOSFODNN7EXAMPLE' is already used by identities[0]",
      'identities[5].secretAccessKey must be a non-empty string',
      'identities[6].principalArn is in account 999999999999 but accountId is 444455556666',
    ]);
  });

  it('should never quote a secret', () => {
    const problems = problemsOf([{ ...alice, accountId: 12 }, { ...bob, secretAccessKey: 42 }]).join('\n');
    for (const secret of ['alice-secret', 'bob-secret', '42']) expect(problems).not.toContain(secret);
  });

  it('should refuse anything but a list of identities, and an empty list', () => {
    expect(problemsOf({ users: [] })).toEqual(["expected an array of identities or an object with an 'identities' array"]);
    expect(problemsOf(null)).toHaveLength(1);
    expect(problemsOf([])).toEqual(['no identities are defined']);
  });

  it('should say what is wrong in its message', () => {
    expect(() => IdentityStore.fromConfig([{ ...alice, accountId: 'x' }])).toThrow(/invalid identities configuration:\n {2}identities\[0\]\.accountId/);
  });
});
