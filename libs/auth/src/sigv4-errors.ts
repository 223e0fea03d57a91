import { createHash } from 'node:crypto';
import { KmsError } from '@trent/protocol';

/**
 * Every authentication failure Trent reports, with AWS's code and text. One function per AWS
 * condition; the comment above each names where the text was seen. Texts marked "not confirmed"
 * are our best reading of AWS's phrasing.
 *
 * None of these ever quotes a secret key or the Authorization header; where AWS refers to the
 * header it quotes only its SHA-256, base64-encoded, and so do we.
 */
export const SigV4Errors = {
  // DynamoDB's answer recorded in dynalite (mhart/dynalite, index.js), same JSON 1.x front door as KMS.
  foundBothAuthForms: (): KmsError =>
    new KmsError('InvalidSignatureException', "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."),

  // dynalite's recorded DynamoDB answer; scratchstack-aws-signature uses the same text.
  missingAuthenticationToken: (): KmsError =>
    new KmsError('MissingAuthenticationTokenException', 'Request is missing Authentication Token'),

  // Parameter sentences: dynalite, scratchstack. The hashed suffix is what AWS sends today
  // (seen in Bedrock and API Gateway answers quoted on GitHub).
  incompleteAuthorizationHeader: (missing: readonly string[], authorization: string): KmsError =>
    new KmsError('IncompleteSignatureException', `${missing.join(' ')} ${hashedAuthorization(authorization)}`),
  missingHeaderParameter: (name: string): string => `Authorization header requires '${name}' parameter.`,
  missingDateHeader: (): string => "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",

  // Seen verbatim in several API Gateway / Bedrock answers quoted on GitHub (x-amzn-errortype
  // IncompleteSignatureException).
  invalidKeyValuePair: (authorization: string): KmsError =>
    new KmsError(
      'IncompleteSignatureException',
      `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${sha256Base64(authorization)}'.`,
    ),

  // dynalite, scratchstack.
  incompleteQueryParameters: (missing: readonly string[]): KmsError =>
    new KmsError(
      'IncompleteSignatureException',
      `${missing.map((name) => `AWS query-string parameters must include '${name}'. `).join('')}Re-examine the query-string parameters.`,
    ),

  // Text not confirmed against AWS: for non-S3 services AWS is reported to ignore X-Amz-Expires.
  invalidExpires: (value: string): KmsError =>
    new KmsError('IncompleteSignatureException', `X-Amz-Expires must be a whole number of seconds from 1 to 604800, got '${value}'.`),

  // dynalite's recorded DynamoDB answer.
  dateNotBasicFormat: (value: string): KmsError =>
    new KmsError('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${value}'. See http://en.wikipedia.org/wiki/ISO_8601`),

  // KMS's own answer in aws/aws-sdk-js-v3#6400 ("... (20240820T230802Z - 5 min.)"); the same
  // shape with "15 min." from ECR, STS, DynamoDB. AWS compares to the millisecond and prints whole
  // seconds, so both stamps can read the same (aws/aws-sdk-net#1506).
  signatureExpired: (requestDate: string, nowMs: number, windowMs: number): KmsError =>
    new KmsError(
      'InvalidSignatureException',
      `Signature expired: ${requestDate} is now earlier than ${formatAmzDate(nowMs - windowMs)} (${formatAmzDate(nowMs)} - ${formatWindow(windowMs)}.)`,
    ),

  // Elastic Beanstalk's answer quoted in a blog ("Signature not yet current: 20170424T013926Z is
  // still later than 20170424T013832Z (20170424T013332Z + 5 min.)"); scratchstack, ScyllaDB's
  // DynamoDB tests and Amazon's Kinesis Video client match on the same words.
  signatureNotYetCurrent: (requestDate: string, nowMs: number, windowMs: number): KmsError =>
    new KmsError(
      'InvalidSignatureException',
      `Signature not yet current: ${requestDate} is still later than ${formatAmzDate(nowMs + windowMs)} (${formatAmzDate(nowMs)} + ${formatWindow(windowMs)}.)`,
    ),

  // Today's text per scratchstack and Versity's IAM; DynamoDB (dynalite) said "'Host' must be a
  // 'SignedHeader' in the AWS Authorization." with code InvalidSignatureException.
  hostNotSigned: (): KmsError =>
    new KmsError('InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),

  // dynalite's recorded DynamoDB answer.
  unsupportedAlgorithm: (algorithm: string): KmsError =>
    new KmsError('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${algorithm}' (only AWS4-HMAC-SHA256 for now). `),

  // dynalite's recorded DynamoDB answer; scratchstack.
  credentialNotFiveParts: (credential: string): KmsError =>
    new KmsError(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    ),

  /**
   * The scope sentences below are joined into one InvalidSignatureException, in this order, as
   * DynamoDB does (dynalite). Each ends with ". ": AWS Batch's and STS's answers keep the
   * trailing space ("Credential should be scoped to correct service: 'batch'. ").
   */
  badScope: (sentences: readonly string[]): KmsError => new KmsError('InvalidSignatureException', sentences.join('')),
  // OpsWorks (JSON 1.1) in the AWS docs; SQS; DynamoDB.
  scopeRegion: (region: string): string => `Credential should be scoped to a valid region, not '${region}'. `,
  // AWS Batch (cllunsford/aws-signing-proxy#25); DynamoDB; STS.
  scopeService: (service: string): string => `Credential should be scoped to correct service: '${service}'. `,
  // DynamoDB (dynalite).
  scopeTerminator: (terminator: string): string =>
    `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `,
  // DynamoDB (dynalite).
  scopeDate: (scopeDate: string, requestDay: string, requestDate: string): string =>
    `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${requestDay}', from '${requestDate}'. `,

  // Common to every AWS JSON service: DynamoDB (dynalite), Cognito, Kinesis, and KMS itself
  // (aws/aws-encryption-sdk-java#9).
  unrecognizedClient: (): KmsError =>
    new KmsError('UnrecognizedClientException', 'The security token included in the request is invalid.'),

  // Text is S3's (code XAmzContentSHA256Mismatch), which KMS's error set has no member for; the
  // code is not confirmed against AWS for JSON services.
  contentHashMismatch: (): KmsError =>
    new KmsError('InvalidSignatureException', "The provided 'x-amz-content-sha256' header does not match what was computed."),

  // Every AWS service; without the canonical-request dump DynamoDB once appended.
  signatureMismatch: (): KmsError =>
    new KmsError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    ),
} as const;

/** 20240820T230143Z: ISO 8601 basic format, UTC, whole seconds (truncated). */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

function formatWindow(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.floor(ms / 1000)} sec`;
}

function hashedAuthorization(authorization: string): string {
  return `(Hashed with SHA-256 and encoded with Base64) Authorization=${sha256Base64(authorization)}`;
}

function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}
