import { KvStore, StoreOp } from './kv-store';

/** KvStore in memory, for unit tests and the simulator. Values are deep-copied like a real store. */
export class MemoryKvStore implements KvStore {
  private readonly data = new Map<string, string | Uint8Array>();
  batches = 0;

  async get<T>(key: string): Promise<T | undefined> {
    const v = this.data.get(key);
    if (v instanceof Uint8Array) throw new Error(`${key} holds bytes, not JSON`);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  async *scan<T>(prefix: string): AsyncIterable<[string, T]> {
    for (const k of this.keysUnder(prefix)) {
      const v = this.data.get(k)!;
      if (v instanceof Uint8Array) throw new Error(`${k} holds bytes, not JSON`);
      yield [k, JSON.parse(v) as T];
    }
  }

  async *scanBytes(prefix: string): AsyncIterable<[string, Uint8Array]> {
    for (const k of this.keysUnder(prefix)) {
      const v = this.data.get(k)!;
      if (!(v instanceof Uint8Array)) throw new Error(`${k} holds JSON, not bytes`);
      yield [k, new Uint8Array(v)];
    }
  }

  private keysUnder(prefix: string): string[] {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async batch(ops: readonly StoreOp[]): Promise<void> {
    if (ops.length === 0) return; // as LevelKvStore: an empty batch is no write
    this.batches++;
    for (const op of ops) {
      if (op.type === 'del') this.data.delete(op.key);
      else if ('bytes' in op) this.data.set(op.key, new Uint8Array(op.bytes));
      else this.data.set(op.key, JSON.stringify(op.value));
    }
  }

  async close(): Promise<void> {}

  keys(): string[] {
    return [...this.data.keys()].sort();
  }
}
