export * from './import-token';
export * from './unwrap-key-material';
export * from './wrapping-key';
export * from './wrapping-key-pool';
