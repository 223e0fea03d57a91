export * from './kv-store';
export * from './level-kv-store';
export * from './memory-kv-store';
