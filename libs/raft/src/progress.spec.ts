import { Progress } from './progress';

describe(Progress.name, () => {
  it('pauses a probe after one append and resumes on an answer', () => {
    const sut = new Progress(5, 4);
    sut.sentEntries(2, 6);
    expect(sut.isPaused()).toBe(true);
    expect(sut.next).toBe(5);
    sut.maybeUpdate(6);
    expect(sut.isPaused()).toBe(false);
    expect(sut).toMatchObject({ match: 6, next: 7 });
  });

  it('advances next optimistically in replicate state up to the in-flight bound', () => {
    const sut = new Progress(1, 2);
    sut.becomeReplicate();
    sut.sentEntries(1, 1);
    sut.sentEntries(1, 2);
    expect(sut.next).toBe(3);
    expect(sut.isPaused()).toBe(true);
    sut.maybeUpdate(1);
    expect(sut.isPaused()).toBe(false);
  });

  it('uses the rejection hint in probe state and ignores stale rejections', () => {
    const sut = new Progress(101, 4);
    expect(sut.maybeDecrTo(50, 10)).toBe(false); // not the probe in flight
    expect(sut.maybeDecrTo(100, 10)).toBe(true);
    expect(sut.next).toBe(11);
  });

  it('never moves next to or below match', () => {
    const sut = new Progress(10, 4);
    sut.maybeUpdate(7);
    sut.next = 10;
    sut.maybeDecrTo(9, 0);
    expect(sut.next).toBe(8);
  });

  it('falls back to match + 1 on a rejection in replicate state', () => {
    const sut = new Progress(1, 4);
    sut.maybeUpdate(3);
    sut.becomeReplicate();
    sut.sentEntries(5, 8);
    expect(sut.maybeDecrTo(2, 0)).toBe(false);
    expect(sut.maybeDecrTo(6, 0)).toBe(true);
    expect(sut.next).toBe(4);
  });
});
