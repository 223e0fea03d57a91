import { KvStore, StoreOp } from './kv-store';

/** KvStore in memory, for unit tests and the simulator. Values are deep-copied like a real store. */
export class MemoryKvStore implements KvStore {
  private readonly data = new Map<string, string>();
  batches = 0;

  async get<T>(key: string): Promise<T | undefined> {
    const v = this.data.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  async *scan<T>(prefix: string): AsyncIterable<[string, T]> {
    const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const k of keys) yield [k, JSON.parse(this.data.get(k)!) as T];
  }

  async batch(ops: readonly StoreOp[]): Promise<void> {
    if (ops.length === 0) return; // as LevelKvStore: an empty batch is no write
    this.batches++;
    for (const op of ops) {
      if (op.type === 'put') this.data.set(op.key, JSON.stringify(op.value));
      else this.data.delete(op.key);
    }
  }

  async close(): Promise<void> {}

  keys(): string[] {
    return [...this.data.keys()].sort();
  }
}
