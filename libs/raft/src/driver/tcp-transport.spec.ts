import type { Message } from '../types';
import { TcpTransport } from './tcp-transport';

const hb = (from: string, to: string, term: number): Message => ({ type: 'heartbeat', from, to, term, commit: 0, round: 0 });

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(TcpTransport.name, () => {
  const open: TcpTransport[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  async function pair(clusterB = 'c') {
    const gotA: Message[] = [];
    const gotB: Message[] = [];
    const a = await TcpTransport.listen({ id: 'a', cluster: 'c', listen: { host: '127.0.0.1', port: 0 }, peers: {}, onMessage: (m) => gotA.push(m) });
    const b = await TcpTransport.listen({ id: 'b', cluster: clusterB, listen: { host: '127.0.0.1', port: 0 }, peers: {}, onMessage: (m) => gotB.push(m) });
    open.push(a, b);
    a.setPeers({ b: { host: '127.0.0.1', port: b.port } });
    b.setPeers({ a: { host: '127.0.0.1', port: a.port } });
    return { a, b, gotA, gotB };
  }

  it('should deliver messages both ways, in order', async () => {
    const { a, b, gotA, gotB } = await pair();
    a.send([hb('a', 'b', 1), hb('a', 'b', 2), hb('a', 'b', 3)]);
    b.send([hb('b', 'a', 7)]);
    await until(() => gotB.length === 3 && gotA.length === 1);
    expect(gotB.map((m) => m.term)).toEqual([1, 2, 3]);
    expect(gotA[0]).toEqual(hb('b', 'a', 7));
  });

  it('should refuse a connection from another cluster', async () => {
    const { a, gotB } = await pair('other');
    a.send([hb('a', 'b', 1)]);
    await new Promise((r) => setTimeout(r, 200));
    expect(gotB).toEqual([]);
  });

  it('should reconnect after the peer restarts', async () => {
    const { a, b, gotB } = await pair();
    a.send([hb('a', 'b', 1)]);
    await until(() => gotB.length === 1);
    const port = b.port;
    await b.close();
    const got2: Message[] = [];
    const b2 = await TcpTransport.listen({ id: 'b', cluster: 'c', listen: { host: '127.0.0.1', port }, peers: {}, onMessage: (m) => got2.push(m) });
    open.push(b2);
    await until(() => {
      a.send([hb('a', 'b', 2)]);
      return got2.length > 0;
    });
    expect(got2[0].term).toBe(2);
  });

  it('should drop messages to a peer nobody listens on, and report it unreachable', async () => {
    const unreachable: string[] = [];
    const a = await TcpTransport.listen({
      id: 'a',
      cluster: 'c',
      listen: { host: '127.0.0.1', port: 0 },
      peers: { b: { host: '127.0.0.1', port: 1 } },
      onMessage: () => {},
      onUnreachable: (id) => unreachable.push(id),
    });
    open.push(a);
    a.send([hb('a', 'b', 1)]);
    await until(() => unreachable.length > 0);
    expect(unreachable[0]).toBe('b');
  });
});
