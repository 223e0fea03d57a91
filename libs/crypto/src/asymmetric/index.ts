export * from './ecdh';
export * from './key-pairs';
export * from './key-specs';
export * from './mac';
export * from './rsa-oaep';
export * from './signatures';
export { forgetPrivateKey } from './prepared-keys';
