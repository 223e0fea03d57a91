import { ClassicLevel } from 'classic-level';
import { KvStore, StorageError, StoreOp } from './kv-store';

/** KvStore on LevelDB (classic-level). One instance per node data directory. */
export class LevelKvStore implements KvStore {
  private constructor(private readonly db: ClassicLevel<string, unknown>) {}

  static async open(location: string): Promise<LevelKvStore> {
    const db = new ClassicLevel<string, unknown>(location, { keyEncoding: 'utf8', valueEncoding: 'json' });
    try {
      await db.open();
    } catch (e) {
      throw new StorageError(`cannot open LevelDB at ${location}: ${(e as Error).message}`, e);
    }
    return new LevelKvStore(db);
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.db.get(key)) as T | undefined;
  }

  async *scan<T>(prefix: string): AsyncIterable<[string, T]> {
    // '\xff' sorts after every key character we use (ASCII), so [prefix, prefix+'\xff') is the prefix range.
    for await (const [k, v] of this.db.iterator({ gte: prefix, lt: `${prefix}\xff` })) yield [k, v as T];
  }

  async *scanBytes(prefix: string): AsyncIterable<[string, Uint8Array]> {
    for await (const [k, v] of this.db.iterator<string, Buffer>({ gte: prefix, lt: `${prefix}\xff`, valueEncoding: 'buffer' })) yield [k, v];
  }

  async batch(ops: readonly StoreOp[], options: { sync: boolean }): Promise<void> {
    if (ops.length === 0) return;
    const chained = this.db.batch();
    for (const op of ops) {
      if (op.type === 'del') chained.del(op.key);
      else if ('bytes' in op) chained.put<string, Uint8Array>(op.key, op.bytes, { valueEncoding: 'view' });
      else chained.put(op.key, op.value);
    }
    try {
      await chained.write({ sync: options.sync });
    } catch (e) {
      throw new StorageError(`LevelDB write failed: ${(e as Error).message}`, e);
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
