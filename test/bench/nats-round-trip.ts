import { connect, type NatsConnection } from 'nats';
import { randomBytes } from 'node:crypto';

/** A request is abandoned after this; a sample that hits it is a failure, not a figure. */
const REQUEST_TIMEOUT_MS = 2_000;
/** Interest crosses a gateway a moment after the subscription; until then requests may find no responder. */
const READY_WITHIN_MS = 10_000;

/**
 * The raw cost of what Trent's replicator does per message, without Trent: one NATS request/reply
 * from a client of one Region's nats-server to a responder on another Region's server, across their
 * gateway. The responder answers with the bytes it got, so both directions carry the payload.
 */
export class NatsRoundTrip {
  private constructor(
    private readonly requester: NatsConnection,
    private readonly responder: NatsConnection,
    private readonly subject: string,
    private readonly payload: Uint8Array,
  ) {}

  /** `fromUrl`/`toUrl`: the two Regions' nats-servers (`nats://127.0.0.1:…`). Resolves once a request goes through. */
  static async start(fromUrl: string, toUrl: string, payloadBytes: number): Promise<NatsRoundTrip> {
    const subject = `trent.bench.echo.${randomBytes(6).toString('hex')}`;
    const responder = await connect({ servers: toUrl, name: 'trent-bench-responder' });
    responder.subscribe(subject, { callback: (err, msg) => void (err ? undefined : msg.respond(msg.data)) });
    await responder.flush();
    const requester = await connect({ servers: fromUrl, name: 'trent-bench-requester' });
    const sut = new NatsRoundTrip(requester, responder, subject, randomBytes(payloadBytes));
    const deadline = Date.now() + READY_WITHIN_MS;
    for (;;) {
      try {
        await sut.sample();
        return sut;
      } catch (e) {
        if (Date.now() > deadline) {
          await sut.close();
          throw new Error(`no NATS reply from ${toUrl} to ${fromUrl} within ${READY_WITHIN_MS} ms: ${(e as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** One request/reply; its round trip in ms. */
  async sample(): Promise<number> {
    const started = performance.now();
    const reply = await this.requester.request(this.subject, this.payload, { timeout: REQUEST_TIMEOUT_MS });
    const ms = performance.now() - started;
    if (reply.data.length !== this.payload.length) throw new Error(`echo of ${reply.data.length} bytes, sent ${this.payload.length}`);
    return ms;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.requester.close(), this.responder.close()]);
  }
}
