import { BusState, BusUnavailableError, ReplicationBus, RequestHandler } from '../replication-bus';

/** One message crossing the network, as an interceptor sees it. */
export interface Hop {
  direction: 'request' | 'reply';
  from: string;
  to: string;
  data: Uint8Array;
}

/**
 * Regions joined in memory, with the failures NATS shows: a Region that is down (or has no node
 * serving) answers no-responders; a handler that sends no reply makes the request time out.
 * `intercept` may replace or drop any message, to play the network attacker.
 */
export class MemoryNetwork {
  private readonly nodes = new Map<string, MemoryBus[]>();
  private readonly downRegions = new Set<string>();
  private turn = 0;
  intercept?: (hop: Hop) => Uint8Array | 'drop';
  readonly log: { from: string; to: string; outcome: 'delivered' | 'down' | 'no-reply' | 'dropped'; at: number }[] = [];

  connect(region: string): MemoryBus {
    const bus = new MemoryBus(this, region);
    this.nodes.set(region, [...(this.nodes.get(region) ?? []), bus]);
    return bus;
  }

  down(region: string): void {
    this.downRegions.add(region);
  }

  up(region: string): void {
    this.downRegions.delete(region);
  }

  isDown(region: string): boolean {
    return this.downRegions.has(region);
  }

  /** @internal */
  async deliver(from: string, to: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const serving = (this.nodes.get(to) ?? []).filter((b) => b.handler && !b.closed);
    if (this.downRegions.has(from)) throw new BusUnavailableError('disconnected', to);
    if (this.downRegions.has(to) || serving.length === 0) {
      this.log.push({ from, to, outcome: 'down', at: Date.now() });
      throw new BusUnavailableError('no-responders', to);
    }
    const request = this.pass({ direction: 'request', from, to, data });
    const node = serving[this.turn++ % serving.length];
    const reply = request === 'drop' ? undefined : await node.handler!(Uint8Array.from(request));
    const answer = reply === undefined ? 'drop' : this.pass({ direction: 'reply', from: to, to: from, data: reply });
    if (answer === 'drop' || this.downRegions.has(to)) {
      this.log.push({ from, to, outcome: request !== 'drop' && reply === undefined ? 'no-reply' : 'dropped', at: Date.now() });
      await new Promise((r) => setTimeout(r, timeoutMs));
      throw new BusUnavailableError('timeout', to);
    }
    this.log.push({ from, to, outcome: 'delivered', at: Date.now() });
    return Uint8Array.from(answer);
  }

  private pass(hop: Hop): Uint8Array | 'drop' {
    return this.intercept ? this.intercept(hop) : hop.data;
  }
}

export class MemoryBus implements ReplicationBus {
  handler?: RequestHandler;
  closed = false;

  constructor(
    private readonly network: MemoryNetwork,
    readonly region: string,
  ) {}

  state(): BusState {
    return this.closed ? 'disconnected' : this.network.isDown(this.region) ? 'reconnecting' : 'connected';
  }

  server(): string {
    return `memory://${this.region}`;
  }

  serve(handler: RequestHandler): void {
    this.handler = handler;
  }

  request(to: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new BusUnavailableError('disconnected', to));
    return this.network.deliver(this.region, to, data, timeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
