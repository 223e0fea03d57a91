/**
 * Failures inside the key hierarchy. These are operator- or integrity-level problems (a damaged or
 * foreign domain key file, wrapped material that does not authenticate), not client faults, so they
 * are deliberately not `KmsError`s: the KMS layer decides what, if anything, a client is told.
 */
export type CryptoErrorCode =
  /** Wrapped key material is malformed, was tampered with, or is bound to another key id/version/domain key. */
  | 'UnwrapFailed'
  /** The domain key file exists but cannot be a Trent domain key (wrong size, not a regular file). */
  | 'InvalidDomainKeyFile';

export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CryptoError';
  }
}

export const isCryptoError = (e: unknown): e is CryptoError => e instanceof CryptoError;
