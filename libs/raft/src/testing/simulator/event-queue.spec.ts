import { EventQueue } from './event-queue';
import { Prng } from './prng';

describe(EventQueue.name, () => {
  it('pops by time, then by insertion order, and advances the clock', () => {
    const sut = new EventQueue();
    const order: string[] = [];
    const add = (t: number, name: string) => sut.at(t, 'check', -1, () => order.push(name), () => name);
    add(5, 'a');
    add(1, 'b');
    add(5, 'c');
    add(3, 'd');
    add(1, 'e');
    for (let ev = sut.pop(); ev !== undefined; ev = sut.pop()) ev.run();
    expect(order).toEqual(['b', 'e', 'd', 'a', 'c']);
    expect(sut.now).toBe(5);
  });

  it('refuses events in the past', () => {
    const sut = new EventQueue();
    sut.at(2, 'check', -1, () => undefined, () => '');
    sut.pop();
    expect(() => sut.at(1, 'check', -1, () => undefined, () => '')).toThrow(/in the past/);
  });
});

describe(Prng.name, () => {
  it('replays from a seed, and forks do not depend on the parent stream position', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
    const before = new Prng(42).fork('net').next();
    a.next();
    expect(a.fork('net').next()).toBe(before);
    expect(new Prng(42).fork('disk').next()).not.toBe(before);
  });
});
