import { batchingSender, unbatch } from './ipc-batch';

describe(batchingSender.name, () => {
  it('should send what one event-loop turn produced as one ordered batch', async () => {
    const posted: number[][] = [];
    const send = batchingSender<number>((b) => posted.push(b));
    send(1);
    send(2);
    send(3);
    expect(posted).toEqual([]);
    await new Promise((r) => setImmediate(r));
    send(4);
    await new Promise((r) => setImmediate(r));
    expect(posted).toEqual([[1, 2, 3], [4]]);
  });

  it('should deliver a batch message by message, and a lone message as it is', () => {
    const seen: string[] = [];
    unbatch(['a', 'b'], (m) => seen.push(m));
    unbatch('c', (m) => seen.push(m));
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});
