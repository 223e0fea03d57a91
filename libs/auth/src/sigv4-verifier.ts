import { createHmac, timingSafeEqual } from 'node:crypto';
import { asBytes } from './bytes';
import { buildCanonicalRequest, HeaderBag, parseQuery, QueryPairs, sha256Hex } from './canonical-request';
import { Identity, IdentityStore } from './identity';
import { SigningKeyCache } from './signing-key-cache';
import { formatAmzDate, SigV4Errors } from './sigv4-errors';

/** A request as the HTTP layer received it, before any parsing of the body. */
export interface IncomingSignedRequest {
  method: string;
  /** Raw path and query as received, e.g. '/' or '/?X-Amz-Algorithm=...'. */
  url: string;
  /**
   * Lower-case names, as Node's http gives them. Pass `req.headersDistinct` (arrays) to have a
   * header sent several times joined with ',' as AWS does; Node's `req.headers` has already
   * joined most repeats with ', ', which signs differently.
   */
  headers: HeaderBag;
  body: Buffer;
}

/** Who signed the request, and for which Region. */
export interface Caller {
  identity: Identity;
  region: string;
  service: string;
  /** The request's x-amz-date (or Date / X-Amz-Date) in ISO 8601 basic format. */
  requestDate: string;
}

export interface SigV4VerifierOptions {
  /** The service every credential scope must name. Default 'kms'. */
  service?: string;
  /** How far x-amz-date may be from `now`, either way. Default 15 minutes. */
  maxSkewMs?: number;
  /** Shared across verifiers if wished; default a fresh cache of 256 keys. */
  signingKeys?: SigningKeyCache;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const DEFAULT_MAX_SKEW_MS = 15 * 60_000;
const MAX_PRESIGNED_EXPIRES_S = 7 * 24 * 3600;
const REGION_PATTERN = /^([a-z]+-){2,3}\d+$/;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
// Required in a presigned query, in the order AWS lists the missing ones (dynalite).
const PRESIGNED_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'] as const;

/** What the request claims about its own signature, wherever it carried it. */
interface SignatureClaim {
  presigned: boolean;
  algorithm: string;
  credential: string;
  signedHeaders: string;
  signature: string;
  requestDate: string;
  /** X-Amz-Expires in seconds; only for presigned requests that carry it. */
  expiresS?: number;
}

/**
 * Checks AWS Signature Version 4 on an incoming request, header form or presigned query form,
 * and answers who signed it. Pure apart from the injected wall clock: no I/O, no logging.
 *
 * Checks run in the order AWS runs them (DynamoDB's answers as recorded in dynalite), so a request
 * wrong in several ways gets the error AWS would give first:
 * form → parameters present → date format → clock skew → host signed → algorithm →
 * credential shape → credential scope → access key → payload hash → signature.
 */
export class SigV4Verifier {
  private readonly service: string;
  private readonly maxSkewMs: number;
  private readonly signingKeys: SigningKeyCache;

  constructor(
    private readonly identities: IdentityStore,
    /** Wall-clock time for the skew check; deliberately not the cluster's logical clock. */
    private readonly now: () => number = Date.now,
    options: SigV4VerifierOptions = {},
  ) {
    this.service = options.service ?? 'kms';
    this.maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
    this.signingKeys = options.signingKeys ?? new SigningKeyCache();
  }

  /** Returns the caller, or throws the KmsError AWS would answer with. */
  verify(req: IncomingSignedRequest): Caller {
    const queryStart = req.url.indexOf('?');
    const path = queryStart < 0 ? req.url : req.url.slice(0, queryStart);
    const query = queryStart < 0 ? [] : parseQuery(req.url.slice(queryStart + 1));
    const claim = this.readClaim(req.headers, query);

    const requestMs = parseAmzDate(claim.requestDate);
    if (requestMs === undefined) throw SigV4Errors.dateNotBasicFormat(claim.requestDate);
    this.assertFresh(claim, requestMs);

    const signedHeaders = claim.signedHeaders.split(';').map((name) => name.trim().toLowerCase());
    if (!signedHeaders.includes('host') && !signedHeaders.includes(':authority')) throw SigV4Errors.hostNotSigned();
    if (claim.algorithm !== ALGORITHM) throw SigV4Errors.unsupportedAlgorithm(claim.algorithm);

    const scope = this.readScope(claim.credential, claim.requestDate);
    const identity = this.identities.find(scope.accessKeyId);
    if (identity === undefined) throw SigV4Errors.unrecognizedClient();

    const signingKey = this.signingKeys.signingKey(identity.secretAccessKey, scope.date, scope.region, scope.service);
    const signed = (payloadHash: string): boolean => {
      const canonicalRequest = buildCanonicalRequest({
        method: req.method.toUpperCase(),
        path,
        query,
        headers: req.headers,
        signedHeaders,
        payloadHash,
        omitSignatureParam: claim.presigned,
      });
      const stringToSign = `${ALGORITHM}\n${claim.requestDate}\n${scope.text}\n${sha256Hex(canonicalRequest)}`;
      return signatureMatches(createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex'), claim.signature);
    };
    const valid = claim.presigned ? this.presignedPayloadSigned(req, query, signed) : signed(headerPayloadHash(req));
    if (!valid) throw SigV4Errors.signatureMismatch();

    return { identity, region: scope.region, service: scope.service, requestDate: claim.requestDate };
  }

  private readClaim(headers: HeaderBag, query: QueryPairs): SignatureClaim {
    const authorization = single(headers.authorization);
    const presigned = query.some(([name]) => name === 'X-Amz-Algorithm');
    if (authorization !== undefined && presigned) throw SigV4Errors.foundBothAuthForms();
    if (authorization !== undefined) return readAuthorizationHeader(authorization, headers);
    if (presigned) return readPresignedQuery(query);
    throw SigV4Errors.missingAuthenticationToken();
  }

  private assertFresh(claim: SignatureClaim, requestMs: number): void {
    const nowMs = this.now();
    // AWS ignores X-Amz-Expires outside S3 and keeps its usual window; a shorter one the client
    // asked for is honoured here too, as it only narrows what is accepted.
    const pastWindowMs = claim.expiresS === undefined ? this.maxSkewMs : Math.min(this.maxSkewMs, claim.expiresS * 1000);
    if (requestMs < nowMs - pastWindowMs) throw SigV4Errors.signatureExpired(claim.requestDate, nowMs, pastWindowMs);
    if (requestMs > nowMs + this.maxSkewMs) throw SigV4Errors.signatureNotYetCurrent(claim.requestDate, nowMs, this.maxSkewMs);
  }

  private readScope(credential: string, requestDate: string): CredentialScope {
    const parts = credential.replace(/\/+$/, '').split('/');
    if (parts.length !== 5) throw SigV4Errors.credentialNotFiveParts(credential);
    const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];

    const wrong: string[] = [];
    if (!REGION_PATTERN.test(region)) wrong.push(SigV4Errors.scopeRegion(region));
    if (service !== this.service) wrong.push(SigV4Errors.scopeService(this.service));
    if (terminator !== TERMINATOR) wrong.push(SigV4Errors.scopeTerminator(terminator));
    const requestDay = requestDate.slice(0, 8);
    if (date !== requestDay) wrong.push(SigV4Errors.scopeDate(date, requestDay, requestDate));
    if (wrong.length > 0) throw SigV4Errors.badScope(wrong);

    return { accessKeyId, date, region, service, text: `${date}/${region}/${service}/${terminator}` };
  }

  /**
   * A presigned request signs the payload as the x-amz-content-sha256 it declares (header or
   * query), else as UNSIGNED-PAYLOAD, as S3 does. The AWS SDKs' generic presigners instead sign
   * the hash of the body they were given, so that is accepted as well; it proves strictly more.
   */
  private presignedPayloadSigned(req: IncomingSignedRequest, query: QueryPairs, signed: (payloadHash: string) => boolean): boolean {
    const declared = single(req.headers['x-amz-content-sha256']) ?? query.find(([name]) => name.toLowerCase() === 'x-amz-content-sha256')?.[1];
    if (declared !== undefined && declared !== UNSIGNED_PAYLOAD) {
      if (declared !== sha256Hex(req.body)) throw SigV4Errors.contentHashMismatch();
      return signed(declared);
    }
    return signed(UNSIGNED_PAYLOAD) || (declared === undefined && signed(sha256Hex(req.body)));
  }
}

interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  /** date/region/service/aws4_request, as it goes into the string to sign. */
  text: string;
}

/**
 * `AWS4-HMAC-SHA256 Credential=AK/20240101/eu-west-1/kms/aws4_request, SignedHeaders=a;b, Signature=hex`.
 * Components may be separated by commas, spaces or both (ScyllaDB alternator#9568 shows AWS
 * accepting commas alone).
 */
function readAuthorizationHeader(authorization: string, headers: HeaderBag): SignatureClaim {
  const text = authorization.trim();
  if (!text.startsWith('AWS4-')) throw SigV4Errors.missingAuthenticationToken();
  const algorithmEnd = text.search(/[\s,]/);
  const algorithm = algorithmEnd < 0 ? text : text.slice(0, algorithmEnd);
  const components = new Map<string, string>();
  for (const component of (algorithmEnd < 0 ? '' : text.slice(algorithmEnd)).split(/[\s,]+/)) {
    if (component === '') continue;
    const eq = component.indexOf('=');
    if (eq <= 0) throw SigV4Errors.invalidKeyValuePair(authorization);
    components.set(component.slice(0, eq), component.slice(eq + 1));
  }

  const missing: string[] = [];
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!components.get(name)) missing.push(SigV4Errors.missingHeaderParameter(name));
  }
  const requestDate = single(headers['x-amz-date']) ?? single(headers.date);
  if (requestDate === undefined) missing.push(SigV4Errors.missingDateHeader());
  if (missing.length > 0) throw SigV4Errors.incompleteAuthorizationHeader(missing, authorization);

  return {
    presigned: false,
    algorithm,
    credential: components.get('Credential') as string,
    signedHeaders: components.get('SignedHeaders') as string,
    signature: components.get('Signature') as string,
    requestDate: requestDate as string,
  };
}

function readPresignedQuery(query: QueryPairs): SignatureClaim {
  const value = (name: string): string | undefined => query.find(([n]) => n === name)?.[1];
  const missing = PRESIGNED_PARAMS.filter((name) => !value(name));
  if (missing.length > 0) throw SigV4Errors.incompleteQueryParameters(missing);

  const expiresText = value('X-Amz-Expires');
  let expiresS: number | undefined;
  if (expiresText !== undefined) {
    expiresS = /^\d{1,7}$/.test(expiresText) ? Number(expiresText) : NaN;
    if (!(expiresS >= 1 && expiresS <= MAX_PRESIGNED_EXPIRES_S)) throw SigV4Errors.invalidExpires(expiresText);
  }
  return {
    presigned: true,
    algorithm: value('X-Amz-Algorithm') as string,
    credential: value('X-Amz-Credential') as string,
    signedHeaders: value('X-Amz-SignedHeaders') as string,
    signature: value('X-Amz-Signature') as string,
    requestDate: value('X-Amz-Date') as string,
    expiresS,
  };
}

/** A header-signed request signs the body's hash; a declared x-amz-content-sha256 must be that hash. */
function headerPayloadHash(req: IncomingSignedRequest): string {
  const actual = sha256Hex(req.body);
  const declared = single(req.headers['x-amz-content-sha256']);
  if (declared !== undefined && declared !== actual) throw SigV4Errors.contentHashMismatch();
  return actual;
}

/** Milliseconds since the epoch, or undefined unless `text` is a real instant in ISO 8601 basic format. */
function parseAmzDate(text: string): number | undefined {
  const m = AMZ_DATE_PATTERN.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  // Date.UTC would roll 20240231 over into March: check every field's range instead (this runs per request).
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function signatureMatches(expectedHex: string, providedHex: string): boolean {
  const expected = asBytes(Buffer.from(expectedHex, 'utf8'));
  const provided = asBytes(Buffer.from(providedHex, 'utf8'));
  // The length of a correct signature is public (64); only equal lengths are compared in constant time.
  return expected.length === provided.length && timingSafeEqual(expected, provided);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
