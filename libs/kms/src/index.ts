export * from './errors/kms-errors';
export * from './kms-context';
export * from './kms.service';
export * from './log/replicated-log';
export * from './model/arn';
export * from './model/key-record';
export * from './rules/key-state-rules';
export * from './state/command';
