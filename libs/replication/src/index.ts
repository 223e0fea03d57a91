export * from './envelope';
export * from './nats-bus';
export * from './payload-shapes';
export * from './region-keys';
export * from './rejections';
export * from './replication-bus';
export * from './replication-status';
export * from './replicator';
