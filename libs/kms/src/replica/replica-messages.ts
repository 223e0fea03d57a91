import { Command, CommandResult } from '../state/command';
import type { StateImage } from '../state/kms-state';
import type { KmsErrorCode } from '@trent/protocol';
import { LogStatus } from '../log/replicated-log';
import type { AppliedEntry } from '../log/raft-kms-log';

/** The whole applied state, as a replica starts from it. */
export type StateSnapshot = StateImage;

/** Primary (log owner) → replica (HTTP worker). Delivered in order over one IPC channel. */
export type ToReplica =
  | { t: 'snapshot'; snapshot: StateSnapshot; status: LogStatus }
  | { t: 'entries'; entries: AppliedEntry[]; status: LogStatus }
  | { t: 'result'; id: number; result: CommandResult }
  | { t: 'rejected'; id: number; code: KmsErrorCode; message: string }
  /** A read barrier passed at the primary: the entries up to `index` were sent before this. */
  | { t: 'readOk'; id: number; index: number }
  | { t: 'readFailed'; id: number; code: KmsErrorCode; message: string }
  | { t: 'adminReply'; id: number; status: number; body: unknown };

/** Node administration a worker passes to its primary (which owns the Raft node). */
export type AdminRequest =
  | { op: 'status' }
  | { op: 'transferLeader'; to: string }
  | { op: 'addNode'; node: string; address: string }
  | { op: 'removeNode'; node: string }
  /** The multi-Region replicator's status (it runs in the primary). */
  | { op: 'replication' };

/** Replica → primary. */
export type ToPrimary = { t: 'ready' } | { t: 'propose'; id: number; cmd: Command } | { t: 'applied'; index: number } | { t: 'read'; id: number } | { t: 'admin'; id: number; request: AdminRequest };

/** The IPC channel as both sides see it (node:cluster's worker.send / process.send). */
export interface ReplicaChannel<In, Out> {
  send(message: Out): void;
  onMessage(handler: (message: In) => void): void;
}
