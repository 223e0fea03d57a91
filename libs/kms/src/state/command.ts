import { KmsErrorCode } from '@trent/protocol';
import { KeyMaterialVersion, KeyRecord, Tag } from '../model/key-record';
import type { AckPayload, GonePayload, GoneReply, SyncPayload } from '../mrk/replication-port';

/**
 * The body of every write. Everything random (ids, key material) or time-dependent is decided by
 * the proposer and carried here, so applying a command is deterministic on every node.
 */
export type CommandBody =
  | { type: 'CreateKey'; key: KeyRecord }
  | { type: 'UpdateKeyDescription'; keyId: string; description: string }
  | { type: 'EnableKey'; keyId: string }
  | { type: 'DisableKey'; keyId: string }
  | { type: 'ScheduleKeyDeletion'; keyId: string; pendingWindowDays: number }
  | { type: 'CancelKeyDeletion'; keyId: string }
  | { type: 'DeleteKey'; keyId: string }
  | { type: 'CreateAlias'; aliasName: string; targetKeyId: string }
  | { type: 'UpdateAlias'; aliasName: string; targetKeyId: string }
  | { type: 'DeleteAlias'; aliasName: string }
  | { type: 'TagResource'; keyId: string; tags: Tag[] }
  | { type: 'UntagResource'; keyId: string; tagKeys: string[] }
  | { type: 'PutKeyPolicy'; keyId: string; policy: string }
  | { type: 'EnableKeyRotation'; keyId: string; periodDays: number }
  | { type: 'DisableKeyRotation'; keyId: string }
  | { type: 'RotateKey'; keyId: string; material: KeyMaterialVersion; rotationType: 'AUTOMATIC' | 'ON_DEMAND' }
  | { type: 'AdvanceClock'; deltaMs: number }
  // Imported key material (Origin EXTERNAL). The material arrives wrapped by the domain key.
  | { type: 'ImportKeyMaterial'; keyId: string; material: KeyMaterialVersion; newMaterial: boolean }
  // `current`: the request named no material, so it must still be the current one when applied.
  | { type: 'DeleteImportedKeyMaterial'; keyId: string; materialId: string; current: boolean }
  | { type: 'ExpireKeyMaterial'; keyId: string; materialId: string }
  // Multi-Region keys (see libs/kms/src/mrk). The first two are AWS actions at the primary; the
  // rest come from the replicator (what another Region sent) and from the forced-promotion route.
  | { type: 'ReplicateKey'; keyId: string; region: string; init: { description: string; policy: string; tags: Tag[] } }
  | { type: 'UpdatePrimaryRegion'; keyId: string; region: string }
  | { type: 'MrkProbe'; keyId: string }
  | { type: 'MrkSync'; from: string; payload: SyncPayload; materials: KeyMaterialVersion[] }
  | { type: 'MrkAck'; from: string; ack: AckPayload }
  | { type: 'MrkGone'; from: string; gone: GonePayload }
  | { type: 'MrkGoneDone'; from: string; reply: GoneReply }
  | { type: 'ForcePromote'; keyId: string };

export type CommandType = CommandBody['type'];

export interface Command<B extends CommandBody = CommandBody> {
  /** Unique per client request; a command whose id was already applied returns the first result. */
  requestId: string;
  /** Cluster time (ms) chosen by the proposer. */
  now: number;
  accountId: string;
  body: B;
}

/** What applying a command produced. Errors are results too: every node reaches the same one. */
export type CommandResult = { ok: true; value?: unknown } | { ok: false; code: KmsErrorCode; message: string };
