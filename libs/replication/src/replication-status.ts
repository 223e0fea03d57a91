import type { BusState } from './replication-bus';

/** What a node's status page shows about replication when it runs. */
export interface ActiveReplicationStatus {
  enabled: true;
  nats: BusState;
  server: string;
  /** True on the Region's leader: the only node that sends. */
  sending: boolean;
  /** Items this Region still owes other Regions (from the replicated state; the same on every node). */
  backlog: number;
  backlogByRegion: Record<string, number>;
  inFlight: number;
  /** Requests answered with a verified reply, since start. */
  sent: number;
  /** Verified requests received, since start. */
  received: number;
  /** Messages refused (bad signature, replay, misdirected, malformed...), since start. */
  rejected: number;
  lastRejection?: { at: string; from?: string; reason: string };
  lastError?: { at: string; to?: string; message: string };
}

export type ReplicationStatus = ActiveReplicationStatus | { enabled: false };

/** The status of a node started without replication (single Region, or no NATS configured). */
export const DISABLED_REPLICATION_STATUS: ReplicationStatus = Object.freeze({ enabled: false as const });
