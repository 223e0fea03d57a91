/** One write of a batch. Values are JSON-serialisable, or raw bytes (`bytes`: read them with scanBytes). */
export type StoreOp = { type: 'put'; key: string; value: unknown } | { type: 'put'; key: string; bytes: Uint8Array } | { type: 'del'; key: string };

/**
 * The only door to disk. Keys are strings; values JSON. A batch is atomic; with `sync` it is
 * fsynced before the promise resolves. Any failure is fatal to the node (callers must not go on).
 */
export interface KvStore {
  get<T>(key: string): Promise<T | undefined>;
  /** Every entry whose key starts with prefix, in key order. */
  scan<T>(prefix: string): AsyncIterable<[string, T]>;
  /** As scan, for values written as raw bytes. */
  scanBytes(prefix: string): AsyncIterable<[string, Uint8Array]>;
  batch(ops: readonly StoreOp[], options: { sync: boolean }): Promise<void>;
  close(): Promise<void>;
}

export class StorageError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}
