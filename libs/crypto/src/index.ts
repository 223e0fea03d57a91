export * from './asymmetric';
export * from './ciphertext-blob';
export * from './crypto-error';
export * from './domain-key';
export * from './encryption-context';
export * from './import';
export * from './key-material';
export * from './random-source';
