import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy the nemesis controls, one per directed pair of nodes (A→B): A dials the proxy's port
 * instead of B's, the proxy dials B. Faults:
 *
 *   cut('reset')      every open connection is reset (RST on both sides), new ones are reset on
 *                     accept: the peer sees ECONNRESET at once, as after a crash or a firewall REJECT.
 *   cut('blackhole')  open connections stall both ways and new ones are accepted but not forwarded:
 *                     the peer's own timeouts decide, as in a real partition (firewall DROP). Bytes
 *                     are held, not lost — TCP would retransmit them — so a heal resumes the stream.
 *   cutOneWay(dir)    one direction stalls, the other flows: with dir 'toTarget', B stops receiving
 *                     A's requests but A still gets B's replies to what was delivered; with
 *                     'toClient', B receives and acts on A's requests but A never hears back.
 *                     Like the blackhole, bytes are held rather than dropped (dropping part of a
 *                     byte stream would corrupt framing, which no real network does to TCP).
 *   heal()            everything flows again; held connections are dialled through.
 *
 * An asymmetric partition (A cannot reach B, B can reach A) is `cut` on A→B's proxy only.
 */

export type CutMode = 'reset' | 'blackhole';
export type Direction = 'toTarget' | 'toClient';
export type ProxyCondition = 'healed' | 'cut-reset' | 'cut-blackhole' | 'one-way-toTarget' | 'one-way-toClient';

export interface FaultProxyOptions {
  targetPort: number;
  targetHost?: string;
  listenHost?: string;
  /** 0 (the default) lets the OS pick. */
  listenPort?: number;
  /** For logs and reports, e.g. "n1→n2". */
  name?: string;
}

export interface ProxyStats {
  accepted: number;
  /** Connections reset by a cut, open or new. */
  reset: number;
  open: number;
  bytesToTarget: number;
  bytesToClient: number;
}

/** One direction of one proxied connection, with backpressure and a stall switch. */
class Flow {
  stalled = false;
  private blocked = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly count: (bytes: number) => void,
  ) {
    src.on('data', (chunk: Buffer) => {
      this.count(chunk.length);
      if (!dst.write(chunk)) {
        this.blocked = true;
        src.pause();
      }
    });
    dst.on('drain', () => {
      this.blocked = false;
      if (!this.stalled) src.resume();
    });
    src.on('end', () => dst.end());
  }

  stall(): void {
    this.stalled = true;
    this.src.pause();
  }

  unstall(): void {
    this.stalled = false;
    if (!this.blocked) this.src.resume();
  }
}

class ProxiedConnection {
  upstream?: Socket;
  toTarget?: Flow;
  toClient?: Flow;

  constructor(readonly client: Socket) {}

  destroy(reset: boolean): void {
    for (const s of [this.client, this.upstream]) {
      if (!s || s.destroyed) continue;
      // resetAndDestroy needs a connected TCP handle; a socket still connecting is just destroyed.
      if (reset && !s.connecting) s.resetAndDestroy();
      else s.destroy();
    }
  }
}

export class FaultProxy {
  private readonly connections = new Set<ProxiedConnection>();
  private state: ProxyCondition = 'healed';
  private readonly counters = { accepted: 0, reset: 0, bytesToTarget: 0, bytesToClient: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly name: string,
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(opts: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer({ pauseOnConnect: true });
    const listenHost = opts.listenHost ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.listenPort ?? 0, listenHost, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const name = opts.name ?? `:${port}→:${opts.targetPort}`;
    const proxy = new FaultProxy(server, port, name, opts.targetHost ?? '127.0.0.1', opts.targetPort);
    server.on('connection', (socket) => proxy.accept(socket));
    return proxy;
  }

  get condition(): ProxyCondition {
    return this.state;
  }

  cut(mode: CutMode = 'reset'): void {
    this.state = mode === 'reset' ? 'cut-reset' : 'cut-blackhole';
    for (const c of [...this.connections]) {
      if (mode === 'reset') this.reset(c);
      else {
        c.toTarget?.stall();
        c.toClient?.stall();
      }
    }
  }

  cutOneWay(direction: Direction = 'toTarget'): void {
    this.state = direction === 'toTarget' ? 'one-way-toTarget' : 'one-way-toClient';
    for (const c of this.connections) this.applyFlowState(c);
    // Connections held by a blackhole are dialled now; their flows start in the one-way state.
    for (const c of this.connections) if (!c.upstream) this.dial(c);
  }

  heal(): void {
    this.state = 'healed';
    for (const c of this.connections) {
      if (c.upstream) this.applyFlowState(c);
      else this.dial(c);
    }
  }

  stats(): ProxyStats {
    return { ...this.counters, open: this.connections.size };
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy(false);
    this.connections.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.counters.accepted++;
    client.on('error', () => undefined); // resets are the point of this class
    const c = new ProxiedConnection(client);
    this.connections.add(c);
    client.once('close', () => {
      this.connections.delete(c);
      c.destroy(false);
    });
    if (this.state === 'cut-reset') this.reset(c);
    else if (this.state !== 'cut-blackhole') this.dial(c);
    // else: held, paused (pauseOnConnect), until heal().
  }

  private dial(c: ProxiedConnection): void {
    const upstream = connect({ host: this.targetHost, port: this.targetPort });
    c.upstream = upstream;
    upstream.on('error', () => c.destroy(false));
    upstream.once('close', () => c.destroy(false));
    upstream.once('connect', () => {
      c.toTarget = new Flow(c.client, upstream, (n) => (this.counters.bytesToTarget += n));
      c.toClient = new Flow(upstream, c.client, (n) => (this.counters.bytesToClient += n));
      this.applyFlowState(c);
    });
  }

  /** Sets both flows of a dialled connection to match the proxy's condition. */
  private applyFlowState(c: ProxiedConnection): void {
    if (!c.toTarget || !c.toClient) return; // still connecting: 'connect' applies the state
    const stallToTarget = this.state === 'cut-blackhole' || this.state === 'one-way-toTarget';
    const stallToClient = this.state === 'cut-blackhole' || this.state === 'one-way-toClient';
    if (stallToTarget) c.toTarget.stall();
    else c.toTarget.unstall();
    if (stallToClient) c.toClient.stall();
    else c.toClient.unstall();
  }

  private reset(c: ProxiedConnection): void {
    this.counters.reset++;
    this.connections.delete(c);
    c.destroy(true);
  }
}
