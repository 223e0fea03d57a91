import { KmsError } from '@trent/protocol';

/**
 * AWS's error texts, in one place. Where a text was recorded from AWS (LocalStack's AWS-validated
 * snapshots, the AWS docs) it is used as is; the rest follow the same phrasing.
 */
export const Errors = {
  invalidKeyId: (id: string) => new KmsError('NotFoundException', `Invalid keyId '${id}'`),
  keyNotFound: (arn: string) => new KmsError('NotFoundException', `Key '${arn}' does not exist`),
  aliasNotFound: (aliasArn: string) => new KmsError('NotFoundException', `Alias '${aliasArn}' is not found.`),
  invalidArnRegion: (region: string) => new KmsError('NotFoundException', `Invalid arn ${region}`),
  invalidArn: (arn: string) => new KmsError('InvalidArnException', `ARN '${arn}' is not a valid ARN.`),

  disabled: (arn: string) => new KmsError('DisabledException', `${arn} is disabled.`),
  pendingDeletion: (arn: string) => new KmsError('KMSInvalidStateException', `${arn} is pending deletion.`),
  pendingReplicaDeletion: (arn: string) => new KmsError('KMSInvalidStateException', `${arn} is pending replica deletion.`),
  notPendingDeletion: (arn: string) => new KmsError('KMSInvalidStateException', `${arn} is not pending deletion.`),
  pendingImport: (arn: string) => new KmsError('KMSInvalidStateException', `${arn} is pending import.`),
  unavailable: (arn: string) => new KmsError('KMSInvalidStateException', `${arn} is unavailable.`),
  creating: (arn: string) => new KmsError('KMSInvalidStateException', `${arn} is creating.`),
  updating: (arn: string) => new KmsError('KMSInvalidStateException', `${arn} is updating.`),
  originNotValid: (arn: string, origin: string) => new KmsError('UnsupportedOperationException', `${arn} origin is ${origin} which is not valid for this operation.`),

  invalidCiphertext: () => new KmsError('InvalidCiphertextException', ''),
  incorrectKey: () => new KmsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.'),
  invalidKeyUsage: (arn: string, usage: string, operation: string) =>
    new KmsError('InvalidKeyUsageException', `${arn} key usage is ${usage} which is not valid for ${operation}.`),

  validation: (message: string) => new KmsError('ValidationException', message),
  invalidMarker: () => new KmsError('InvalidMarkerException', 'Invalid marker'),
  unsupported: (message: string) => new KmsError('UnsupportedOperationException', message),
  limitExceeded: (message: string) => new KmsError('LimitExceededException', message),
  tag: (message: string) => new KmsError('TagException', message),
  malformedPolicy: (message: string) => new KmsError('MalformedPolicyDocumentException', message),
  alreadyExists: (message: string) => new KmsError('AlreadyExistsException', message),
  aliasExists: (aliasArn: string) => new KmsError('AlreadyExistsException', `An alias with the name ${aliasArn} already exists`),
  invalidAliasName: (message: string) => new KmsError('InvalidAliasNameException', message),
  conflict: (message: string) => new KmsError('ConflictException', message),
  internal: (message = 'The request could not be completed. Try again.') => new KmsError('KMSInternalException', message),
} as const;
