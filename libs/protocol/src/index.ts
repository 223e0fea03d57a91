export * from './errors/kms-error';
export * from './shapes/kms-input-shapes';
export * from './validation/validate-input';
export * from './wire/aws-json';
