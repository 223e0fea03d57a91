import { connect, ConnectionOptions, ErrorCode, NatsConnection, NatsError } from 'nats';
import type { Logger } from 'pino';
import { BusState, BusUnavailableError, replicationQueue, replicationSubject, ReplicationBus, RequestHandler } from './replication-bus';

export interface NatsBusOptions {
  region: string;
  /** This Region's own NATS server(s); other Regions are reached through its gateways. */
  servers: string | string[];
  log: Logger;
  /** Client name shown by the server (`trent-<region>-<node>`). */
  name?: string;
  /** Pause between connection attempts, first and later. Default 1 s. */
  reconnectWaitMs?: number;
  /** Anything else for `nats.connect` (TLS, credentials); reconnect settings are fixed here. */
  connectOptions?: Partial<ConnectionOptions>;
}

/**
 * The replication bus over the Region's NATS server. Connects in the background and keeps trying
 * forever, so a node starts and serves its Region's KMS whether or not NATS is up; requests made
 * meanwhile fail as `disconnected` and the replicator retries them.
 */
export class NatsBus implements ReplicationBus {
  private nc?: NatsConnection;
  private current: BusState = 'disconnected';
  private handler?: RequestHandler;
  private closed = false;
  private retry?: { timer: NodeJS.Timeout; wake: () => void };
  private readonly servers: string[];

  constructor(private readonly opts: NatsBusOptions) {
    this.servers = Array.isArray(opts.servers) ? opts.servers : [opts.servers];
  }

  /** Starts connecting; resolves once connected the first time (or when closed first). Never rejects. */
  async start(): Promise<void> {
    const wait = this.opts.reconnectWaitMs ?? 1000;
    while (!this.closed && !this.nc) {
      try {
        const nc = await connect({
          ...this.opts.connectOptions,
          servers: this.servers,
          name: this.opts.name ?? `trent-${this.opts.region}`,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: wait,
          waitOnFirstConnect: false,
        });
        if (this.closed) {
          await nc.close();
          return;
        }
        this.attach(nc);
      } catch (err) {
        this.opts.log.debug({ servers: this.servers, err: (err as Error).message }, 'replication: NATS not reachable yet');
        await new Promise<void>((wake) => (this.retry = { timer: setTimeout(wake, wait), wake }));
      }
    }
  }

  state(): BusState {
    return this.current;
  }

  server(): string {
    return this.nc && this.current === 'connected' ? this.nc.getServer() : this.servers.join(',');
  }

  serve(handler: RequestHandler): void {
    this.handler = handler;
    if (this.nc) this.subscribe(this.nc);
  }

  async request(to: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (!this.nc || this.closed) throw new BusUnavailableError('disconnected', to);
    try {
      return (await this.nc.request(replicationSubject(to), data, { timeout: timeoutMs })).data;
    } catch (err) {
      throw toBusError(err, to);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) {
      clearTimeout(this.retry.timer);
      this.retry.wake();
    }
    const nc = this.nc;
    this.nc = undefined;
    this.current = 'disconnected';
    if (nc) await nc.close();
  }

  private attach(nc: NatsConnection): void {
    this.nc = nc;
    this.current = 'connected';
    this.opts.log.info({ server: nc.getServer() }, 'replication: connected to NATS');
    if (this.handler) this.subscribe(nc);
    void this.watch(nc);
  }

  private subscribe(nc: NatsConnection): void {
    const handler = this.handler!;
    // The client re-sends this subscription after every reconnect.
    nc.subscribe(replicationSubject(this.opts.region), {
      queue: replicationQueue(this.opts.region),
      callback: (err, msg) => {
        if (err || !msg.reply) return;
        handler(msg.data).then(
          (reply) => {
            if (reply) msg.respond(reply);
          },
          (e: unknown) => this.opts.log.error({ err: (e as Error).message }, 'replication: request handler failed'),
        );
      },
    });
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        this.current = 'disconnected';
        this.opts.log.warn({ server: String(s.data) }, 'replication: NATS connection lost');
      } else if (s.type === 'reconnecting') {
        this.current = 'reconnecting';
      } else if (s.type === 'reconnect') {
        this.current = 'connected';
        this.opts.log.info({ server: String(s.data) }, 'replication: reconnected to NATS');
      }
    }
    if (this.nc === nc) this.current = 'disconnected';
  }
}

function toBusError(err: unknown, to: string): BusUnavailableError {
  if (err instanceof NatsError) {
    switch (err.code) {
      case ErrorCode.NoResponders:
        return new BusUnavailableError('no-responders', to);
      case ErrorCode.Timeout:
        return new BusUnavailableError('timeout', to);
      case ErrorCode.ConnectionClosed:
      case ErrorCode.Disconnect:
        return new BusUnavailableError('disconnected', to);
    }
    return new BusUnavailableError('error', to, err.code);
  }
  return new BusUnavailableError('error', to, (err as Error).message);
}
