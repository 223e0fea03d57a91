import { parseScenario, ScenarioSyntaxError } from '../support/scenario/scenario-parser';

describe('parseScenario', () => {
  const sut = parseScenario;

  it('should parse every command with its line number', () => {
    const steps = sut(['up us-east-1 eu-west-1 nodes 3', '', '# a comment', 'create-mrk k1 in us-east-1 desc "two words"', 'encrypt k1 in eu-west-1 as c1 context a=b c=d', 'stabilize within 5s', 'expect-error NotFoundException "Invalid arn us-east-1" describe k1 in eu-west-1 by-arn-of us-east-1'].join('\n'));
    expect(steps).toEqual([
      { line: 1, text: 'up us-east-1 eu-west-1 nodes 3', op: 'up', regions: ['us-east-1', 'eu-west-1'], nodes: 3 },
      { line: 4, text: 'create-mrk k1 in us-east-1 desc "two words"', op: 'create-mrk', key: 'k1', region: 'us-east-1', description: 'two words' },
      { line: 5, text: 'encrypt k1 in eu-west-1 as c1 context a=b c=d', op: 'encrypt', key: 'k1', region: 'eu-west-1', as: 'c1', context: { a: 'b', c: 'd' } },
      { line: 6, text: 'stabilize within 5s', op: 'stabilize', timeoutMs: 5000 },
      {
        line: 7,
        text: 'expect-error NotFoundException "Invalid arn us-east-1" describe k1 in eu-west-1 by-arn-of us-east-1',
        op: 'expect-error',
        code: 'NotFoundException',
        message: 'Invalid arn us-east-1',
        action: { op: 'describe', key: 'k1', region: 'eu-west-1', arnOf: 'us-east-1' },
      },
    ]);
  });

  it.each([
    ['create-mrk k1 in us-east-1', 'line 1: a scenario starts with `up'],
    ['up us-east-1\nfrobnicate k1', 'line 2: unknown command `frobnicate`'],
    ['up us-east-1\ncreate-mrk k1 at us-east-1', 'line 2: expected `in`, got `at`'],
    ['up us-east-1\nencrypt k1 in moon-1 as c1', 'line 2: `moon-1` is not a Region name'],
    ['up us-east-1\n\nstabilize within soon', 'line 3: wait must be a duration'],
    ['up us-east-1\nexpect-state k1 in us-east-1 Happy', 'line 2: `Happy` is not a key state'],
    ['up us-east-1\nexpect-error NotFoundException stabilize', 'line 2: `stabilize` cannot be wrapped in expect-error'],
    ['up us-east-1\nrotate k1 in us-east-1 now', 'line 2: unexpected `now`'],
    ['up us-east-1\ncreate-mrk k1 in us-east-1 desc "open', 'line 2: unterminated'],
    ['up us-east-1\nup eu-west-1', 'line 2: `up` may only be the first command'],
    ['up us-east-1\nschedule-deletion k1 in us-east-1 days 3', 'line 2: the waiting period is 7 to 30 days'],
  ])('should reject %j naming the line', (text, message) => {
    expect(() => sut(text)).toThrow(ScenarioSyntaxError);
    expect(() => sut(text)).toThrow(message);
  });
});
