/**
 * Every error Trent returns to a client. The code is the AWS error name that SDKs read from
 * `__type` / `x-amzn-errortype`; the message is AWS's text where AWS's text is known.
 */
export const KMS_ERROR_STATUS = {
  // Protocol and authentication (common to every AWS JSON 1.1 service).
  AccessDeniedException: 400,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  MissingAuthenticationTokenException: 400,
  SerializationException: 400,
  ThrottlingException: 400,
  UnknownOperationException: 400,
  UnrecognizedClientException: 400,
  ValidationException: 400,
  // KMS domain errors. AWS answers every client fault with 400 (LocalStack's AWS-recorded
  // snapshots); only the server faults below carry a 5xx.
  AlreadyExistsException: 400,
  ConflictException: 400,
  CustomKeyStoreNotFoundException: 400,
  DependencyTimeoutException: 500,
  DisabledException: 400,
  DryRunOperationException: 400,
  ExpiredImportTokenException: 400,
  IncorrectKeyException: 400,
  IncorrectKeyMaterialException: 400,
  InvalidAliasNameException: 400,
  InvalidArnException: 400,
  InvalidCiphertextException: 400,
  InvalidGrantIdException: 400,
  InvalidGrantTokenException: 400,
  InvalidImportTokenException: 400,
  InvalidKeyUsageException: 400,
  InvalidMarkerException: 400,
  KMSInternalException: 500,
  KMSInvalidMacException: 400,
  KMSInvalidSignatureException: 400,
  KMSInvalidStateException: 400,
  KeyUnavailableException: 500,
  LimitExceededException: 400,
  MalformedPolicyDocumentException: 400,
  NotFoundException: 400,
  TagException: 400,
  UnsupportedOperationException: 400,
} as const;

export type KmsErrorCode = keyof typeof KMS_ERROR_STATUS;

export class KmsError extends Error {
  constructor(
    readonly code: KmsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }

  get httpStatus(): number {
    return KMS_ERROR_STATUS[this.code];
  }

  /** The JSON body AWS sends: `{"__type": code, "message": text}`. */
  toBody(): { __type: KmsErrorCode; message: string } {
    return { __type: this.code, message: this.message };
  }
}

export const isKmsError = (e: unknown): e is KmsError => e instanceof KmsError;
