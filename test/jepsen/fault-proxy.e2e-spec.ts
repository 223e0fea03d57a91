import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';
import { FaultProxy } from './fault-proxy';
import { isolate, oneWay } from './nemesis';
import { ProxyMesh } from './proxy-mesh';

/** An echo server that also remembers everything it received. */
class EchoServer {
  received = '';
  /** Connections open on the server side. */
  open = 0;
  private constructor(readonly server: Server, readonly port: number) {}

  static async start(): Promise<EchoServer> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const echo = new EchoServer(server, (server.address() as AddressInfo).port);
    server.on('connection', (s) => {
      echo.open++;
      s.on('close', () => echo.open--);
      s.on('error', () => undefined);
      s.on('data', (d) => {
        echo.received += d.toString();
        s.write(d);
      });
    });
    return echo;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** A client connection that buffers what it reads and remembers how it ended. */
class Client {
  data = '';
  closed = false;
  error?: string;
  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => (this.data += d.toString()));
    socket.on('error', (e: NodeJS.ErrnoException) => (this.error = e.code ?? e.message));
    socket.on('close', () => (this.closed = true));
  }

  /** Resolves once connected, or once reset: a cut proxy accepts and resets, sometimes before 'connect'. */
  static async connect(port: number): Promise<Client> {
    const socket = connect({ host: '127.0.0.1', port });
    const client = new Client(socket);
    await new Promise<void>((resolve) => {
      socket.once('connect', resolve);
      socket.once('close', resolve);
    });
    return client;
  }

  send(s: string): void {
    if (!this.socket.destroyed) this.socket.write(s);
  }

  close(): void {
    this.socket.destroy();
  }
}

async function until(cond: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long "nothing happens" is watched for. */
const QUIET_MS = 150;

describe(FaultProxy.name, () => {
  let echo: EchoServer;
  let sut: FaultProxy;
  const clients: Client[] = [];
  const open = async () => {
    const c = await Client.connect(sut.port);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    echo = await EchoServer.start();
    sut = await FaultProxy.start({ targetPort: echo.port, name: 'a→b' });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sut.close();
    await echo.close();
  });

  it('forwards bytes both ways', async () => {
    const c = await open();
    c.send('hello');
    await until(() => c.data === 'hello');
    expect(echo.received).toBe('hello');
    expect(sut.stats()).toMatchObject({ accepted: 1, open: 1, bytesToTarget: 5, bytesToClient: 5 });
  });

  it("cut('reset') kills open connections on both sides and resets new ones; heal restores", async () => {
    const c = await open();
    c.send('one');
    await until(() => c.data === 'one');

    sut.cut();
    await until(() => c.closed && echo.open === 0);
    expect(sut.condition).toBe('cut-reset');

    const d = await open(); // the proxy still accepts, then resets at once
    d.send('lost');
    await until(() => d.closed);
    await sleep(QUIET_MS);
    expect(echo.received).toBe('one');
    expect(d.data).toBe('');

    sut.heal();
    const e = await open();
    e.send('two');
    await until(() => e.data === 'two');
    expect(echo.received).toBe('onetwo');
    expect(sut.stats().reset).toBeGreaterThanOrEqual(2);
  });

  it("cut('blackhole') stalls traffic both ways without closing, and heal delivers what was held", async () => {
    const c = await open();
    c.send('a');
    await until(() => c.data === 'a');

    sut.cut('blackhole');
    c.send('b');
    const d = await open(); // accepted, but not forwarded
    d.send('x');
    await sleep(QUIET_MS);
    expect(echo.received).toBe('a');
    expect(c.data).toBe('a');
    expect(c.closed || d.closed).toBe(false);

    sut.heal();
    await until(() => c.data === 'ab' && d.data === 'x');
    expect(echo.received).toContain('b');
    expect(echo.received).toContain('x');
  });

  it("cutOneWay('toClient'): the target receives and acts, the client never hears back until heal", async () => {
    const c = await open();
    sut.cutOneWay('toClient');
    c.send('ping');
    await until(() => echo.received === 'ping');
    await sleep(QUIET_MS);
    expect(c.data).toBe('');
    sut.heal();
    await until(() => c.data === 'ping');
  });

  it("cutOneWay('toTarget'): the target stops receiving, replies already owed still flow", async () => {
    const c = await open();
    sut.cutOneWay('toTarget');
    c.send('lost?');
    await sleep(QUIET_MS);
    expect(echo.received).toBe('');
    sut.heal();
    await until(() => c.data === 'lost?');
  });
});

describe(ProxyMesh.name, () => {
  const nodes = ['n1', 'n2', 'n3'];
  let servers: EchoServer[];
  let sut: ProxyMesh;

  beforeEach(async () => {
    servers = await Promise.all(nodes.map(() => EchoServer.start()));
    sut = await ProxyMesh.start(new Map(nodes.map((n, i) => [n, servers[i].port])));
  });

  afterEach(async () => {
    await sut.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  /** Whether `from` reaches `to` through the mesh right now. */
  async function reaches(from: string, to: string): Promise<boolean> {
    const c = await Client.connect(sut.portFor(from, to));
    try {
      c.send('?');
      await until(() => c.data === '?' || c.closed, QUIET_MS).catch(() => undefined);
      return c.data === '?';
    } finally {
      c.close();
    }
  }

  async function reachability(): Promise<string[]> {
    const links: string[] = [];
    for (const a of nodes) for (const b of nodes) if (a !== b && (await reaches(a, b))) links.push(`${a}→${b}`);
    return links;
  }

  it('cuts exactly the partition and heals the rest on the next apply', async () => {
    expect(await reachability()).toHaveLength(6);
    sut.apply(isolate(nodes, 'n2'));
    expect(await reachability()).toEqual(['n1→n3', 'n3→n1']);
    sut.apply(oneWay('n1', 'n3'));
    expect(await reachability()).toEqual(['n1→n2', 'n2→n1', 'n2→n3', 'n3→n1', 'n3→n2']);
    sut.healAll();
    expect(await reachability()).toHaveLength(6);
  });
});
