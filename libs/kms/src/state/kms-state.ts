import { KvStore, StoreOp } from '@trent/storage';
import { AliasRecord, GoneReplicaRecord, KeyRecord } from '../model/key-record';
import { withMrkVersion } from '../mrk/mrk-model';
import { CommandResult } from './command';

/** Store layout. Every key of the KMS state lives under one of these prefixes. */
export const StoreKeys = {
  key: (accountId: string, keyId: string) => `key/${accountId}/${keyId}`,
  alias: (accountId: string, aliasName: string) => `alias/${accountId}/${aliasName}`,
  session: (requestId: string) => `session/${requestId}`,
  goneReplica: (accountId: string, keyId: string) => `mrkgone/${accountId}/${keyId}`,
  applied: 'meta/applied',
  clockOffset: 'meta/clockOffset',
} as const;

export interface SessionEntry {
  requestId: string;
  index: number;
  at: number;
  result: CommandResult;
}

/**
 * The replicated KMS state of one Region, fully in memory and mirrored in the store. Reads come
 * from here; only the state machine mutates it, through `StateWriter`.
 */
/** The whole applied state as plain data: a Raft snapshot's content, and a replica's start. */
export interface StateImage {
  appliedIndex: number;
  clockOffsetMs: number;
  keys: KeyRecord[];
  aliases: AliasRecord[];
  sessions: SessionEntry[];
  /** Absent in images from before multi-Region keys. */
  goneReplicas?: GoneReplicaRecord[];
}

export class KmsState {
  readonly keys = new Map<string, KeyRecord>();
  readonly aliases = new Map<string, AliasRecord>();
  /** requestId → result, in apply order (oldest first), for at-most-once application. */
  readonly sessions = new Map<string, SessionEntry>();
  /** Deleted multi-Region replicas whose primary must still hear of it. */
  readonly goneReplicas = new Map<string, GoneReplicaRecord>();
  /** Map keys (account/keyId) of the multi-Region keys: the replicator's work list without a scan of every key. */
  readonly mrkKeys = new Set<string>();
  clockOffsetMs = 0;
  appliedIndex = 0;

  static async load(store: KvStore): Promise<KmsState> {
    const state = new KmsState();
    for await (const [, key] of store.scan<KeyRecord>('key/')) state.indexKey(key);
    for await (const [, gone] of store.scan<GoneReplicaRecord>('mrkgone/')) state.goneReplicas.set(mapKey(gone.accountId, gone.keyId), gone);
    for await (const [, alias] of store.scan<AliasRecord>('alias/')) state.aliases.set(mapKey(alias.accountId, alias.aliasName), alias);
    const sessions: SessionEntry[] = [];
    for await (const [, s] of store.scan<SessionEntry>('session/')) sessions.push(s);
    sessions.sort((a, b) => a.index - b.index).forEach((s) => state.sessions.set(s.requestId, s));
    state.clockOffsetMs = (await store.get<number>(StoreKeys.clockOffset)) ?? 0;
    state.appliedIndex = (await store.get<number>(StoreKeys.applied)) ?? 0;
    return state;
  }

  /** A replica's starting state: exactly what the primary had applied when it took the snapshot. */
  static fromSnapshot(snapshot: StateImage): KmsState {
    const state = new KmsState();
    state.replaceWith(snapshot);
    return state;
  }

  /** Becomes exactly `image` in memory (a Raft snapshot installed, or a replica reset). */
  replaceWith(image: StateImage): void {
    this.keys.clear();
    this.mrkKeys.clear();
    this.aliases.clear();
    this.sessions.clear();
    this.goneReplicas.clear();
    for (const key of image.keys) this.indexKey(key);
    for (const gone of image.goneReplicas ?? []) this.goneReplicas.set(mapKey(gone.accountId, gone.keyId), gone);
    for (const alias of image.aliases) this.aliases.set(mapKey(alias.accountId, alias.aliasName), alias);
    for (const s of [...image.sessions].sort((a, b) => a.index - b.index)) this.sessions.set(s.requestId, s);
    this.clockOffsetMs = image.clockOffsetMs;
    this.appliedIndex = image.appliedIndex;
  }

  /** Becomes `image` in memory and returns the writes that make the store match it. */
  restore(image: StateImage): StoreOp[] {
    const ops: StoreOp[] = [];
    for (const k of this.keys.values()) ops.push({ type: 'del', key: StoreKeys.key(k.accountId, k.keyId) });
    for (const a of this.aliases.values()) ops.push({ type: 'del', key: StoreKeys.alias(a.accountId, a.aliasName) });
    for (const s of this.sessions.values()) ops.push({ type: 'del', key: StoreKeys.session(s.requestId) });
    for (const g of this.goneReplicas.values()) ops.push({ type: 'del', key: StoreKeys.goneReplica(g.accountId, g.keyId) });
    this.replaceWith(image);
    for (const k of this.keys.values()) ops.push({ type: 'put', key: StoreKeys.key(k.accountId, k.keyId), value: k });
    for (const a of this.aliases.values()) ops.push({ type: 'put', key: StoreKeys.alias(a.accountId, a.aliasName), value: a });
    for (const s of this.sessions.values()) ops.push({ type: 'put', key: StoreKeys.session(s.requestId), value: s });
    for (const g of this.goneReplicas.values()) ops.push({ type: 'put', key: StoreKeys.goneReplica(g.accountId, g.keyId), value: g });
    ops.push({ type: 'put', key: StoreKeys.clockOffset, value: this.clockOffsetMs }, { type: 'put', key: StoreKeys.applied, value: this.appliedIndex });
    return ops;
  }

  snapshot(): StateImage {
    return {
      appliedIndex: this.appliedIndex,
      clockOffsetMs: this.clockOffsetMs,
      keys: [...this.keys.values()],
      aliases: [...this.aliases.values()],
      sessions: [...this.sessions.values()],
      goneReplicas: [...this.goneReplicas.values()],
    };
  }

  /** Adds or replaces a key in memory, keeping the multi-Region index. */
  indexKey(key: KeyRecord): void {
    const k = mapKey(key.accountId, key.keyId);
    this.keys.set(k, key);
    if (key.mrk) this.mrkKeys.add(k);
  }

  unindexKey(key: KeyRecord): void {
    const k = mapKey(key.accountId, key.keyId);
    this.keys.delete(k);
    this.mrkKeys.delete(k);
  }

  /** The multi-Region keys, primaries and replicas. */
  *multiRegionKeys(): IterableIterator<KeyRecord> {
    for (const k of this.mrkKeys) {
      const key = this.keys.get(k);
      if (key) yield key;
    }
  }

  goneReplica(accountId: string, keyId: string): GoneReplicaRecord | undefined {
    return this.goneReplicas.get(mapKey(accountId, keyId));
  }

  key(accountId: string, keyId: string): KeyRecord | undefined {
    return this.keys.get(mapKey(accountId, keyId));
  }

  alias(accountId: string, aliasName: string): AliasRecord | undefined {
    return this.aliases.get(mapKey(accountId, aliasName));
  }

  keysOf(accountId: string): KeyRecord[] {
    return [...this.keys.values()].filter((k) => k.accountId === accountId);
  }

  aliasesOf(accountId: string): AliasRecord[] {
    return [...this.aliases.values()].filter((a) => a.accountId === accountId);
  }
}

const mapKey = (accountId: string, id: string) => `${accountId}/${id}`;

/** The only way to change KmsState: every change is applied in memory and recorded as a store op. */
export class StateWriter {
  readonly ops: StoreOp[] = [];

  constructor(readonly state: KmsState) {}

  /**
   * Writes a key. For a multi-Region primary this also raises its version when anything the
   * replicas receive changed, and moves its active material forward (see mrk-model.ts), so no
   * applier can forget to.
   */
  putKey(key: KeyRecord): void {
    const stored = withMrkVersion(this.state.key(key.accountId, key.keyId), key);
    this.state.indexKey(stored);
    this.ops.push({ type: 'put', key: StoreKeys.key(stored.accountId, stored.keyId), value: stored });
  }

  deleteKey(key: KeyRecord): void {
    this.state.unindexKey(key);
    this.ops.push({ type: 'del', key: StoreKeys.key(key.accountId, key.keyId) });
  }

  putGoneReplica(gone: GoneReplicaRecord): void {
    this.state.goneReplicas.set(mapKey(gone.accountId, gone.keyId), gone);
    this.ops.push({ type: 'put', key: StoreKeys.goneReplica(gone.accountId, gone.keyId), value: gone });
  }

  deleteGoneReplica(accountId: string, keyId: string): void {
    if (!this.state.goneReplicas.delete(mapKey(accountId, keyId))) return;
    this.ops.push({ type: 'del', key: StoreKeys.goneReplica(accountId, keyId) });
  }

  putAlias(alias: AliasRecord): void {
    this.state.aliases.set(mapKey(alias.accountId, alias.aliasName), alias);
    this.ops.push({ type: 'put', key: StoreKeys.alias(alias.accountId, alias.aliasName), value: alias });
  }

  deleteAlias(alias: AliasRecord): void {
    this.state.aliases.delete(mapKey(alias.accountId, alias.aliasName));
    this.ops.push({ type: 'del', key: StoreKeys.alias(alias.accountId, alias.aliasName) });
  }

  setClockOffset(offsetMs: number): void {
    this.state.clockOffsetMs = offsetMs;
    this.ops.push({ type: 'put', key: StoreKeys.clockOffset, value: offsetMs });
  }

  putSession(entry: SessionEntry): void {
    this.state.sessions.set(entry.requestId, entry);
    this.ops.push({ type: 'put', key: StoreKeys.session(entry.requestId), value: entry });
  }

  deleteSession(requestId: string): void {
    this.state.sessions.delete(requestId);
    this.ops.push({ type: 'del', key: StoreKeys.session(requestId) });
  }

  setApplied(index: number): void {
    this.state.appliedIndex = index;
    this.ops.push({ type: 'put', key: StoreKeys.applied, value: index });
  }
}
