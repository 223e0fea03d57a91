export type { Identity } from './identity';
export { IdentityConfigError, IdentityStore } from './identity';
export { SigningKeyCache } from './signing-key-cache';
export { SigV4Errors } from './sigv4-errors';
export type { Caller, IncomingSignedRequest, SigV4VerifierOptions } from './sigv4-verifier';
export { SigV4Verifier } from './sigv4-verifier';
