import { KvStore, StorageError, StoreOp } from '@trent/storage';
import { crc32 } from 'node:zlib';
import { MemoryStorage } from '../memory-storage';
import type { Entry, EntryType, HardState, Ready } from '../types';

/** Where Raft keeps its durable state in the node's store; nothing else writes under `raft/`. */
export const RaftKeys = {
  hardState: 'raft/hs',
  entryPrefix: 'raft/log/',
  entry: (index: number) => `raft/log/${index.toString().padStart(16, '0')}`,
} as const;

/** An entry as stored: data in base64 and a CRC-32 over index, term, type and data. */
interface EntryRecord {
  i: number;
  t: number;
  y: EntryType;
  d: string;
  c: number;
}

function checksum(index: number, term: number, type: EntryType, data: Uint8Array): number {
  // As a Buffer: zlib.crc32 silently returns 0 for a Uint8Array made in another realm (a jest VM).
  return crc32(Buffer.from(data.buffer, data.byteOffset, data.byteLength), crc32(`${index}/${term}/${type}`));
}

export function encodeEntry(e: Entry): EntryRecord {
  return { i: e.index, t: e.term, y: e.type, d: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('base64'), c: checksum(e.index, e.term, e.type, e.data) };
}

export function decodeEntry(key: string, r: EntryRecord): Entry {
  const data = new Uint8Array(Buffer.from(r.d ?? '', 'base64'));
  if (key !== RaftKeys.entry(r.i) || checksum(r.i, r.t, r.y, data) !== r.c) {
    throw new StorageError(`raft log record ${key} is corrupt (checksum or index mismatch)`);
  }
  return { index: r.i, term: r.t, type: r.y, data };
}

/**
 * Raft's durable log and hard state in the node's KvStore, with the synchronous view the core
 * reads (`view`). The driver writes what `opsFor(rd)` returns in one batch (fsynced when the Ready
 * says so), then calls `stable(rd)` so the view shows exactly what is on disk.
 * Loading checks every record's checksum and that the indexes are contiguous: a damaged log
 * stops the node instead of serving from it.
 */
export class DurableLog {
  readonly view = new MemoryStorage();

  private constructor() {}

  static async load(store: KvStore): Promise<DurableLog> {
    const log = new DurableLog();
    const hs = await store.get<HardState>(RaftKeys.hardState);
    const entries: Entry[] = [];
    for await (const [key, record] of store.scan<EntryRecord>(RaftKeys.entryPrefix)) {
      const e = decodeEntry(key, record);
      const expected = entries.length === 0 ? 1 : entries[entries.length - 1].index + 1;
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
      for (const e of rd.entries) ops.push({ type: 'put', key: RaftKeys.entry(e.index), value: encodeEntry(e) });
      const newLast = rd.entries[rd.entries.length - 1].index;
      for (let i = newLast + 1; i <= this.view.lastIndex(); i++) ops.push({ type: 'del', key: RaftKeys.entry(i) });
    }
    if (rd.hardState) ops.push({ type: 'put', key: RaftKeys.hardState, value: rd.hardState });
    return ops;
  }

  /** The batch from `opsFor(rd)` is written: show it to the core. */
  stable(rd: Ready): void {
    this.view.append(rd.entries);
    if (rd.hardState) this.view.setHardState(rd.hardState);
  }
}
