import type { GonePayload, OutboxItem, ReplicationHost } from '@trent/kms';
import type { Logger } from 'pino';
import { EnvelopeCodec, Message } from './envelope';
import { MRK_KEY_ID, parseAckPayload, parseGonePayload, parseGoneReply, parseSyncPayload } from './payload-shapes';
import { RegionKeys } from './region-keys';
import { BusUnavailableError, ReplicationBus } from './replication-bus';
import { ActiveReplicationStatus } from './replication-status';
import { Rejections, systemClock, WallClock } from './rejections';

export interface RetryOptions {
  /** First retry delay of an item; doubles per failed attempt. Default 200 ms. */
  initialMs: number;
  /** Ceiling of the retry delay. Default 5 s. */
  maxMs: number;
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter). Default 0.2. */
  jitter: number;
  /** How long a request waits for its reply. Default 2 s. */
  requestTimeoutMs: number;
  /** `pending()` is polled at least this often, besides after every change. Default 1 s. */
  tickMs: number;
  /** Requests in flight at once, all destinations together. Default 32. */
  maxInFlight: number;
}

export const DEFAULT_RETRY: RetryOptions = { initialMs: 200, maxMs: 5000, jitter: 0.2, requestTimeoutMs: 2000, tickMs: 1000, maxInFlight: 32 };

export interface ReplicatorOptions {
  host: ReplicationHost;
  keys: RegionKeys;
  bus: ReplicationBus;
  log: Logger;
  clock?: WallClock;
  retry?: Partial<RetryOptions>;
  /** Uniform in [0, 1); for the retry jitter. */
  random?: () => number;
  /** Replay window and cache; see `EnvelopeOptions`. */
  envelope?: { maxAgeMs?: number; maxSkewMs?: number; replayCacheSize?: number };
}

/** The sender's memory of one outbox item. Nothing here is durable: the host's `pending()` is the truth. */
interface Track {
  item: OutboxItem;
  /** The (epoch, version) the attempts below were made for; another one is sent at once. */
  stamp: string;
  attempts: number;
  nextAt: number;
  inFlight: boolean;
}

/**
 * Carries a Region's multi-Region keys to the other Regions over a `ReplicationBus`.
 *
 * Sending (the leader only): whatever `host.pending()` lists is sent, one request per item at a
 * time, retried with jittered exponential backoff until the host stops listing it; an item whose
 * (epoch, version) changed goes out at once. Receiving (every node): a verified request is handed
 * to the host and answered only once the host's Region committed it; a host failure gets no
 * answer, so the sender retries.
 */
export class Replicator {
  private readonly host: ReplicationHost;
  private readonly bus: ReplicationBus;
  private readonly log: Logger;
  private readonly clock: WallClock;
  private readonly retry: RetryOptions;
  private readonly random: () => number;
  private readonly rejections: Rejections;
  private readonly codec: EnvelopeCodec;
  private readonly tracks = new Map<string, Track>();
  /** Destinations that failed last time, so an outage is logged once, not per item and attempt. */
  private readonly unreachable = new Set<string>();
  private timer?: NodeJS.Timeout;
  private pumpQueued = false;
  private started = false;
  private closed = false;
  private inFlight = 0;
  private sent = 0;
  private received = 0;
  private lastError?: { at: string; to?: string; message: string };

  constructor(private readonly opts: ReplicatorOptions) {
    this.host = opts.host;
    this.bus = opts.bus;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.random = opts.random ?? Math.random;
    this.rejections = new Rejections(opts.log, this.clock);
    this.codec = new EnvelopeCodec({ keys: opts.keys, rejections: this.rejections, clock: this.clock, ...opts.envelope });
    if (opts.keys.region !== opts.host.region) throw new Error(`replication: key file is for ${opts.keys.region}, the host is ${opts.host.region}`);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.log.info({ region: this.host.region, trusted: this.opts.keys.fingerprints() }, 'replication: starting');
    this.bus.serve((data) => this.handle(data));
    this.host.onChange(() => this.schedule());
    this.schedule();
  }

  /** Stops sending and receiving and closes the bus. Requests in flight are abandoned (their items stay pending). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.bus.close();
  }

  status(): ActiveReplicationStatus {
    const backlogByRegion: Record<string, number> = {};
    let backlog = 0;
    try {
      for (const item of this.host.pending()) {
        backlogByRegion[item.to] = (backlogByRegion[item.to] ?? 0) + 1;
        backlog++;
      }
    } catch {
      // The status page must render whatever state the host is in.
    }
    return {
      enabled: true,
      nats: this.bus.state(),
      server: this.bus.server(),
      sending: this.host.isLeader(),
      backlog,
      backlogByRegion,
      inFlight: this.inFlight,
      sent: this.sent,
      received: this.received,
      rejected: this.rejections.count,
      ...(this.rejections.last && { lastRejection: this.rejections.last }),
      ...(this.lastError && { lastError: this.lastError }),
    };
  }

  // ---- Sending ----------------------------------------------------------------------------

  /** Coalesces every trigger of one event-loop turn into one pass over `pending()`. */
  private schedule(): void {
    if (this.pumpQueued || this.closed) return;
    this.pumpQueued = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumpQueued = false;
    if (this.closed) return;
    clearTimeout(this.timer);
    const now = this.clock.now();
    let wakeAt = now + this.retry.tickMs;
    if (this.host.isLeader()) {
      wakeAt = Math.min(wakeAt, this.stepLeader(now));
    } else {
      // A follower owes nothing itself; the next leader starts from `pending()` afresh.
      for (const [k, t] of this.tracks) if (!t.inFlight) this.tracks.delete(k);
    }
    this.timer = setTimeout(() => this.pump(), Math.max(0, wakeAt - now));
  }

  /** Sends what is due; returns when the next retry falls due. */
  private stepLeader(now: number): number {
    let items: OutboxItem[];
    try {
      items = this.host.pending();
    } catch (err) {
      this.fail(undefined, `host.pending() failed: ${(err as Error).message}`);
      return Infinity;
    }
    let wakeAt = Infinity;
    const live = new Set<string>();
    for (const item of items) {
      const k = trackKey(item);
      live.add(k);
      const stamp = stampOf(item);
      let t = this.tracks.get(k);
      if (!t) this.tracks.set(k, (t = { item, stamp, attempts: 0, nextAt: 0, inFlight: false }));
      if (t.inFlight) continue;
      if (t.stamp !== stamp) Object.assign(t, { stamp, attempts: 0, nextAt: 0 });
      t.item = item;
      if (t.nextAt > now) {
        wakeAt = Math.min(wakeAt, t.nextAt);
        continue;
      }
      if (this.inFlight >= this.retry.maxInFlight) continue; // a completion runs this again
      if (!this.maySend(item)) {
        t.nextAt = Infinity; // until its stamp changes: logged once, never sent
        continue;
      }
      this.send(t);
    }
    for (const [k, t] of this.tracks) if (!live.has(k) && !t.inFlight) this.tracks.delete(k);
    return wakeAt;
  }

  /** Defense in depth: the host should never list these, and nothing about them may leave the Region. */
  private maySend(item: OutboxItem): boolean {
    if (!MRK_KEY_ID.test(item.keyId)) {
      this.fail(item.to, `refusing to send ${item.kind} for ${item.keyId}: not a multi-Region key id`, 'error');
      return false;
    }
    if (item.to === this.host.region || !this.opts.keys.peer(item.to)) {
      this.fail(item.to, `refusing to send ${item.kind} for ${item.keyId}: ${item.to} is not a trusted peer Region`, 'error');
      return false;
    }
    return true;
  }

  private send(t: Track): void {
    t.inFlight = true;
    t.attempts++;
    this.inFlight++;
    const item = t.item;
    const exchange = item.kind === 'sync' ? this.exchangeSync(item) : this.exchangeGone(item);
    exchange
      .then(() => {
        if (this.unreachable.delete(item.to)) this.log.info({ to: item.to }, 'replication: Region reachable again');
      })
      .catch((err: unknown) => this.failed(item, err))
      .finally(() => {
        t.inFlight = false;
        this.inFlight--;
        // Also after a success: if the host still lists the item unchanged, its answer did not settle it.
        t.nextAt = this.clock.now() + this.backoff(t.attempts);
        this.schedule();
      });
  }

  private async exchangeSync(item: Extract<OutboxItem, { kind: 'sync' }>): Promise<void> {
    const out = this.host.buildSync(item);
    if (!out) return;
    if (out.payload.keyId !== item.keyId || out.payload.accountId !== item.accountId) {
      throw new Error(`host built a sync for ${out.payload.keyId}, asked for ${item.keyId}`);
    }
    let sealed: { id: string; bytes: Uint8Array };
    try {
      sealed = this.codec.seal({ kind: 'sync', to: item.to, body: out.payload, material: out.material });
    } finally {
      // buildSync hands over copies (replication-port.ts): the plaintext is ours to erase.
      for (const m of out.material) m.plaintext.fill(0);
    }
    const { id, bytes } = sealed;
    const reply = this.verifyReply(await this.bus.request(item.to, bytes, this.retry.requestTimeoutMs), id, item.to, 'ack');
    const ack = parseAckPayload(reply.body);
    if (!ack.ok) throw this.rejectReply(reply, ack.reason);
    if (ack.value.keyId !== item.keyId || ack.value.accountId !== item.accountId) throw this.rejectReply(reply, 'ack names another key');
    this.sent++;
    await this.host.receiveAck(item.to, ack.value);
  }

  private async exchangeGone(item: Extract<OutboxItem, { kind: 'gone' }>): Promise<void> {
    const { kind: _kind, to: _to, ...body } = item satisfies GonePayload & { kind: 'gone'; to: string };
    const { id, bytes } = this.codec.seal({ kind: 'gone', to: item.to, body });
    const reply = this.verifyReply(await this.bus.request(item.to, bytes, this.retry.requestTimeoutMs), id, item.to, 'gone-reply');
    const answer = parseGoneReply(reply.body);
    if (!answer.ok) throw this.rejectReply(reply, answer.reason);
    if (answer.value.keyId !== item.keyId || answer.value.accountId !== item.accountId) throw this.rejectReply(reply, 'reply names another key');
    this.sent++;
    await this.host.receiveGoneReply(item.to, answer.value);
  }

  private verifyReply(bytes: Uint8Array, id: string, from: string, kind: 'ack' | 'gone-reply'): Message {
    const reply = this.codec.open(bytes, { inReplyTo: id, from, kind });
    if (!reply) throw new RejectedReply();
    return reply;
  }

  private rejectReply(m: Message, reason: string): RejectedReply {
    this.codec.reject({ from: m.from, to: m.to, kind: m.kind, reason });
    return new RejectedReply();
  }

  private failed(item: OutboxItem, err: unknown): void {
    if (err instanceof RejectedReply) return this.fail(item.to, `reply to ${item.kind} for ${item.keyId} refused`, 'debug');
    if (err instanceof BusUnavailableError) {
      const first = !this.unreachable.has(item.to);
      this.unreachable.add(item.to);
      return this.fail(item.to, err.message, first ? 'warn' : 'debug');
    }
    this.fail(item.to, `${item.kind} for ${item.keyId}: ${(err as Error).message}`, 'warn');
  }

  private fail(to: string | undefined, message: string, level: 'error' | 'warn' | 'debug' = 'error'): void {
    this.lastError = { at: new Date(this.clock.now()).toISOString(), ...(to !== undefined && { to }), message };
    this.log[level]({ to }, `replication: ${message}`);
  }

  private backoff(attempts: number): number {
    const base = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** Math.min(attempts - 1, 30));
    return Math.round(base * (1 + this.retry.jitter * (2 * this.random() - 1)));
  }

  // ---- Receiving --------------------------------------------------------------------------

  /** Answers one request; undefined means no reply (refused, or the host could not commit). Never throws. */
  private async handle(data: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.closed) return undefined;
    const m = this.codec.open(data);
    if (!m) return undefined;
    this.received++;
    try {
      return m.kind === 'sync' ? await this.receiveSync(m) : await this.receiveGone(m);
    } catch (err) {
      // Typically no quorum: the sender retries. The message names the key, never material.
      this.log.warn({ from: m.from, kind: m.kind, err: (err as Error).message }, 'replication: host did not apply; not answering');
      return undefined;
    }
  }

  private async receiveSync(m: Message): Promise<Uint8Array | undefined> {
    const payload = parseSyncPayload(m.body);
    if (!payload.ok) return this.codec.reject({ from: m.from, to: m.to, kind: m.kind, reason: payload.reason });
    const material = this.codec.openMaterial(m, payload.value);
    if (!material) return undefined;
    let ack;
    try {
      ack = await this.host.receiveSync(m.from, payload.value, material);
    } finally {
      // The host keeps only what it wrapped with its domain key (replication-port.ts).
      for (const p of material) p.plaintext.fill(0);
    }
    return this.codec.seal({ kind: 'ack', to: m.from, inReplyTo: m.id, body: ack }).bytes;
  }

  private async receiveGone(m: Message): Promise<Uint8Array | undefined> {
    const gone = parseGonePayload(m.body);
    if (!gone.ok) return this.codec.reject({ from: m.from, to: m.to, kind: m.kind, reason: gone.reason });
    const reply = await this.host.receiveGone(m.from, gone.value);
    return this.codec.seal({ kind: 'gone-reply', to: m.from, inReplyTo: m.id, body: reply }).bytes;
  }
}

/** A reply that failed verification; already counted and logged as a rejection. */
class RejectedReply extends Error {}

const trackKey = (i: OutboxItem): string => `${i.kind} ${i.to} ${i.accountId} ${i.keyId}`;
const stampOf = (i: OutboxItem): string => (i.kind === 'sync' ? `${i.epoch}/${i.version}` : `${i.epoch}`);
