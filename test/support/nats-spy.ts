import { connect, type NatsConnection } from 'nats';

export interface SpiedMessage {
  /** The Region whose nats-server delivered it to the spy. */
  server: string;
  subject: string;
  data: Buffer;
}

/**
 * A subscriber on every subject (`>`) of every Region's nats-server, keeping each message's raw
 * bytes: what crossed (or could have crossed) between Regions, for tests that look for what must
 * never leave a Region. A plain subscription, not in any queue group, so it takes nothing from the
 * nodes. A message may be seen once per server it reached.
 */
export class NatsSpy {
  readonly messages: SpiedMessage[] = [];

  private constructor(private readonly connections: NatsConnection[]) {}

  static async attach(urls: ReadonlyMap<string, string>): Promise<NatsSpy> {
    const connections: NatsConnection[] = [];
    const spy = new NatsSpy(connections);
    for (const [region, url] of urls) {
      const nc = await connect({ servers: url, name: `nats-spy-${region}`, reconnect: false });
      connections.push(nc);
      nc.subscribe('>', { callback: (_err, msg) => spy.messages.push({ server: region, subject: msg.subject, data: Buffer.from(msg.data) }) });
      await nc.flush();
    }
    return spy;
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((nc) => nc.drain().catch(() => nc.close())));
  }
}
