import { KvStore, StorageError, StoreOp } from '@trent/storage';
import { crc32 } from 'node:zlib';
import { MemoryStorage } from '../memory-storage';
import type { ConfState, Entry, EntryType, HardState, Ready, Snapshot } from '../types';

/** Where Raft keeps its durable state in the node's store; nothing else writes under `raft/`. */
export const RaftKeys = {
  hardState: 'raft/hs',
  /** Index and term of the last entry compacted away (the log starts after it). */
  base: 'raft/base',
  /** The membership as of the applied index. */
  conf: 'raft/conf',
  entryPrefix: 'raft/log/',
  entry: (index: number) => `raft/log/${index.toString().padStart(16, '0')}`,
} as const;

/**
 * An entry as stored under `raft/log/<index>`: 4 bytes CRC-32, 4 bytes term, 1 byte type, then
 * the data as is. The CRC covers the index (from the key), term, type and data, so a damaged
 * record, or a record under the wrong key, is caught when the log is loaded.
 */
const TYPES: readonly EntryType[] = ['normal', 'noop', 'conf'];
const HEADER = 9;

function checksum(index: number, term: number, typeCode: number, data: Uint8Array): number {
  const head = Buffer.allocUnsafe(13);
  head.writeUInt32BE(Math.floor(index / 2 ** 32), 0);
  head.writeUInt32BE(index % 2 ** 32, 4);
  head.writeUInt32BE(term, 8);
  head.writeUInt8(typeCode, 12);
  // As a Buffer: zlib.crc32 silently returns 0 for a Uint8Array made in another realm (a jest VM).
  return crc32(Buffer.from(data.buffer, data.byteOffset, data.byteLength), crc32(head));
}

export function encodeEntry(e: Entry): Buffer {
  const typeCode = TYPES.indexOf(e.type);
  const out = Buffer.allocUnsafe(HEADER + e.data.byteLength);
  out.writeUInt32BE(checksum(e.index, e.term, typeCode, e.data), 0);
  out.writeUInt32BE(e.term, 4);
  out.writeUInt8(typeCode, 8);
  out.set(e.data, HEADER);
  return out;
}

export function decodeEntry(key: string, bytes: Uint8Array): Entry {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const index = Number(key.slice(RaftKeys.entryPrefix.length));
  const corrupt = () => new StorageError(`raft log record ${key} is corrupt (checksum, type or length)`);
  if (b.length < HEADER || !Number.isSafeInteger(index) || key !== RaftKeys.entry(index)) throw corrupt();
  const term = b.readUInt32BE(4);
  const typeCode = b.readUInt8(8);
  const data = new Uint8Array(b.subarray(HEADER));
  if (typeCode >= TYPES.length || checksum(index, term, typeCode, data) !== b.readUInt32BE(0)) throw corrupt();
  return { index, term, type: TYPES[typeCode], data };
}

/** The state machine's image at its applied index, for a follower that needs a snapshot. */
export type SnapshotSource = () => { index: number; data: Uint8Array };

/**
 * The synchronous view of the durable log. Its snapshot is made on demand from the state machine
 * (at the applied index, which the log still covers), and kept while it covers the compacted prefix.
 */
export class DurableLogView extends MemoryStorage {
  source: SnapshotSource | null = null;
  private latest: Snapshot | null = null;

  override snapshot(): Snapshot | 'temporarily-unavailable' {
    const base = this.firstIndex() - 1;
    if (this.latest && this.latest.meta.index >= base) return this.latest;
    if (!this.source) return 'temporarily-unavailable';
    const { index, data } = this.source();
    const term = this.term(index);
    if (typeof term !== 'number' || index < base) return 'temporarily-unavailable';
    this.latest = { meta: { index, term, conf: this.initialState().confState }, data };
    return this.latest;
  }

  /** A snapshot this node installed can be passed on as it is. */
  remember(snap: Snapshot): void {
    this.latest = snap;
  }
}

/**
 * Raft's durable log and hard state in the node's KvStore, with the synchronous view the core
 * reads (`view`). The driver writes what `opsFor(rd)` returns in one batch (fsynced when the Ready
 * says so), then calls `stable(rd)` so the view shows exactly what is on disk.
 * Loading checks every record's checksum and that the indexes are contiguous: a damaged log
 * stops the node instead of serving from it.
 */
export class DurableLog {
  readonly view = new DurableLogView();

  private constructor() {}

  /** `bootstrap`: the Region's voters, used when the store holds no membership yet. */
  static async load(store: KvStore, bootstrap: ConfState = { voters: [], learners: [] }): Promise<DurableLog> {
    const log = new DurableLog();
    const hs = await store.get<HardState>(RaftKeys.hardState);
    const base = (await store.get<{ index: number; term: number }>(RaftKeys.base)) ?? { index: 0, term: 0 };
    const conf = (await store.get<ConfState>(RaftKeys.conf)) ?? bootstrap;
    // The base carries no data: the state machine's own store is the image at or after it.
    if (base.index > 0) log.view.applySnapshot({ meta: { index: base.index, term: base.term, conf }, data: new Uint8Array(0) });
    log.view.setConfState(conf);
    const entries: Entry[] = [];
    for await (const [key, record] of store.scanBytes(RaftKeys.entryPrefix)) {
      const e = decodeEntry(key, record);
      if (e.index <= base.index) throw new StorageError(`raft log entry ${e.index} lies within the compacted prefix (up to ${base.index})`);
      const expected = entries.length === 0 ? base.index + 1 : entries[entries.length - 1].index + 1;
      if (e.index !== expected) throw new StorageError(`raft log has a gap: entry ${e.index} where ${expected} was expected`);
      entries.push(e);
    }
    log.view.append(entries);
    if (hs) {
      if (hs.commit > log.view.lastIndex()) throw new StorageError(`raft hard state commits ${hs.commit} beyond the last entry ${log.view.lastIndex()}`);
      log.view.setHardState(hs);
    }
    return log;
  }

  /** The writes that make `rd`'s hard state and entries durable; a replaced suffix is deleted. */
  opsFor(rd: Ready): StoreOp[] {
    const ops: StoreOp[] = [];
    if (rd.entries.length > 0) {
      for (const e of rd.entries) ops.push({ type: 'put', key: RaftKeys.entry(e.index), bytes: encodeEntry(e) });
      const newLast = rd.entries[rd.entries.length - 1].index;
      for (let i = newLast + 1; i <= this.view.lastIndex(); i++) ops.push({ type: 'del', key: RaftKeys.entry(i) });
    }
    if (rd.hardState) ops.push({ type: 'put', key: RaftKeys.hardState, value: rd.hardState });
    return ops;
  }

  /**
   * Installing a snapshot: the log is dropped up to and after it (the entries that follow it in
   * the same Ready are written by `opsFor`), the base and membership become the snapshot's. The
   * view changes at once; the ops must go in the same batch as the state machine's restore.
   */
  installOps(snap: Snapshot): StoreOp[] {
    const ops: StoreOp[] = [];
    for (let i = this.view.firstIndex(); i <= this.view.lastIndex(); i++) ops.push({ type: 'del', key: RaftKeys.entry(i) });
    ops.push({ type: 'put', key: RaftKeys.base, value: { index: snap.meta.index, term: snap.meta.term } }, { type: 'put', key: RaftKeys.conf, value: snap.meta.conf });
    this.view.applySnapshot(snap);
    this.view.remember(snap);
    return ops;
  }

  /** The membership changed when an entry was applied; written with that entry's effects. */
  confOps(conf: ConfState): StoreOp[] {
    this.view.setConfState(conf);
    return [{ type: 'put', key: RaftKeys.conf, value: conf }];
  }

  /** Drops the log up to `index` (already applied, and covered by the state machine's store). */
  compactOps(index: number): StoreOp[] {
    const first = this.view.firstIndex();
    if (index < first) return [];
    const term = this.view.term(index);
    if (typeof term !== 'number') return [];
    const ops: StoreOp[] = [];
    for (let i = first; i <= index; i++) ops.push({ type: 'del', key: RaftKeys.entry(i) });
    ops.push({ type: 'put', key: RaftKeys.base, value: { index, term } });
    return ops;
  }

  /** The batch from `opsFor(rd)` is written: show it to the core. */
  stable(rd: Ready): void {
    this.view.append(rd.entries);
    if (rd.hardState) this.view.setHardState(rd.hardState);
  }
}
