import { createConnection, createServer, Server, Socket } from 'node:net';
import type { Message, NodeId } from '../types';
import { decodeJson, decodeMessage, encodeMessage, frame, FrameReader } from './codec';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface TransportLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface TcpTransportOptions {
  readonly id: NodeId;
  /** Connections from another cluster (a stale process, another Region) are refused at the handshake. */
  readonly cluster: string;
  readonly listen: PeerAddress;
  readonly peers: Readonly<Record<NodeId, PeerAddress>>;
  readonly onMessage: (m: Message) => void;
  /** Messages to `id` were dropped (connection failed or lost, or its queue full): the core should stop pipelining to it (reportUnreachable). */
  readonly onUnreachable?: (id: NodeId) => void;
  /** Bytes queued towards one peer before further messages are dropped. Default 64 MiB. */
  readonly maxBufferedBytes?: number;
  readonly log?: TransportLog;
}

interface Hello {
  readonly hello: { readonly cluster: string; readonly from: NodeId };
}

const RECONNECT_MIN_MS = 50;
const RECONNECT_MAX_MS = 1000;

/**
 * Raft's node-to-node transport: one persistent TCP connection per peer and direction, carrying
 * framed, pipelined messages (many writes per event-loop turn go out in one syscall).
 * Delivery is best effort, as Raft assumes: a message that cannot go out now is dropped, never
 * queued without bound; the core retransmits. A peer that is down is retried with backoff.
 */
export class TcpTransport {
  private readonly outbound = new Map<NodeId, OutboundPeer>();
  private readonly inbound = new Set<Socket>();
  private closed = false;

  private constructor(
    private readonly opts: TcpTransportOptions,
    private readonly server: Server,
  ) {
    this.setPeers(opts.peers);
  }

  static listen(opts: TcpTransportOptions): Promise<TcpTransport> {
    const server = createServer();
    const transport = new TcpTransport(opts, server);
    server.on('connection', (s) => transport.accept(s));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.listen.port, opts.listen.host, () => {
        server.off('error', reject);
        server.on('error', (e) => opts.log?.warn({ err: e }, 'raft listener error'));
        resolve(transport);
      });
    });
  }

  /** The port actually bound (useful when listening on port 0). */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a !== null ? a.port : this.opts.listen.port;
  }

  /** Replaces the address book (membership changes); connections to removed peers close. */
  setPeers(peers: Readonly<Record<NodeId, PeerAddress>>): void {
    for (const [id, peer] of this.outbound) {
      const addr = peers[id];
      if (!addr || addr.host !== peer.address.host || addr.port !== peer.address.port) {
        peer.close();
        this.outbound.delete(id);
      }
    }
    for (const [id, address] of Object.entries(peers)) {
      if (id === this.opts.id || this.outbound.has(id)) continue;
      this.outbound.set(id, new OutboundPeer(id, address, this.opts));
    }
  }

  send(messages: readonly Message[]): void {
    if (this.closed) return;
    for (const m of messages) {
      const peer = this.outbound.get(m.to);
      if (peer && !peer.send(m)) this.opts.onUnreachable?.(m.to);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const peer of this.outbound.values()) peer.close();
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    const reader = new FrameReader();
    let peer: NodeId | null = null;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of reader.push(chunk)) {
          if (peer === null) {
            const { hello } = decodeJson<Hello>(f);
            if (!hello || hello.cluster !== this.opts.cluster) throw new Error(`handshake from another cluster: ${JSON.stringify(hello)}`);
            peer = hello.from;
            continue;
          }
          const m = decodeMessage(f);
          // A message must come from the peer that said hello, and be for us.
          if (m.from === peer && m.to === this.opts.id) this.opts.onMessage(m);
        }
      } catch (e) {
        this.opts.log?.warn({ err: e, peer }, 'dropping a raft connection that sent a bad frame');
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.inbound.delete(socket));
  }
}

class OutboundPeer {
  private socket: Socket | null = null;
  private connected = false;
  private backoffMs = RECONNECT_MIN_MS;
  private nextAttemptAt = 0;
  private corked = false;
  private closed = false;
  private readonly maxBuffered: number;

  constructor(
    private readonly id: NodeId,
    readonly address: PeerAddress,
    private readonly opts: TcpTransportOptions,
  ) {
    this.maxBuffered = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
  }

  /** False when the message was dropped. */
  send(m: Message): boolean {
    if (this.closed) return false;
    if (!this.socket) this.connect();
    const s = this.socket;
    // While connecting, writes queue in the socket; the same byte bound applies.
    if (!s || s.destroyed || s.writableLength > this.maxBuffered) return false;
    if (!this.corked) {
      this.corked = true;
      s.cork();
      process.nextTick(() => {
        this.corked = false;
        if (!s.destroyed) s.uncork();
      });
    }
    s.write(encodeMessage(m));
    return true;
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): void {
    const now = Date.now();
    if (now < this.nextAttemptAt) return;
    this.nextAttemptAt = now + this.backoffMs;
    const s = createConnection({ host: this.address.host, port: this.address.port });
    this.socket = s;
    this.connected = false;
    s.setNoDelay(true);
    s.setKeepAlive(true, 1000);
    s.write(frame({ hello: { cluster: this.opts.cluster, from: this.opts.id } }));
    s.on('connect', () => {
      this.connected = true;
      this.backoffMs = RECONNECT_MIN_MS;
      this.opts.log?.info({ peer: this.id }, 'raft connection up');
    });
    // Nothing is expected from the far side on this connection.
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      if (this.socket === s) this.socket = null;
      // Whatever was queued on this connection is lost.
      if (!this.closed) this.opts.onUnreachable?.(this.id);
      if (this.connected) this.opts.log?.warn({ peer: this.id }, 'raft connection lost');
      else this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
      this.connected = false;
    });
  }
}
