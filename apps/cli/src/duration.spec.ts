import { formatDuration, parseDuration } from './duration';

describe(parseDuration.name, () => {
  it.each([
    ['31d', 31 * 86_400],
    ['12h', 12 * 3_600],
    ['90m', 90 * 60],
    ['3600s', 3_600],
    ['1s', 1],
  ])('should read %s as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '31', 'd', '0d', '-1d', '1.5h', '1h30m', '31 d', '31D', '10w', '1e3s', '07h', '99999999999999d'])(
    'should reject %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe(formatDuration.name, () => {
  it('should show the non-zero units, largest first', () => {
    expect(formatDuration((31 * 86_400 + 3_600) * 1000)).toBe('31d 1h');
    expect(formatDuration(90 * 60 * 1000)).toBe('1h 30m');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-120_000)).toBe('-2m');
  });
});
