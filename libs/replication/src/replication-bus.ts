/**
 * The transport between Regions, kept behind this interface so the replicator runs unchanged over
 * NATS (`NatsBus`) and in memory (`MemoryNetwork`, tests and simulations).
 */

export type BusState = 'connected' | 'reconnecting' | 'disconnected';

/** Why a request got no answer. Each one means the same to the sender: retry later. */
export type BusFailure = 'timeout' | 'no-responders' | 'disconnected' | 'error';

export class BusUnavailableError extends Error {
  override readonly name = 'BusUnavailableError';

  constructor(
    readonly reason: BusFailure,
    readonly to: string,
    detail?: string,
  ) {
    super(`no answer from ${to}: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/** Answers one request's bytes; resolving undefined sends no reply (the sender times out and retries). */
export type RequestHandler = (data: Uint8Array) => Promise<Uint8Array | undefined>;

export interface ReplicationBus {
  state(): BusState;
  /** The server this node talks to, for status pages. */
  server(): string;
  /** Receives the requests sent to this node's Region; each goes to one node of the Region. */
  serve(handler: RequestHandler): void;
  /** Sends a request to a Region; rejects with `BusUnavailableError` when no answer came in time. */
  request(to: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Every node of a Region subscribes here, in one queue group, so each message reaches one of them. */
export const replicationSubject = (region: string): string => `trent.repl.${region}`;
export const replicationQueue = (region: string): string => `trent-repl-${region}`;
