import { createHash } from 'node:crypto';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { HttpRequest } from '@smithy/core/protocols';
import { KmsError } from '@trent/protocol';
import { IdentityStore } from './identity';
import { SigningKeyCache } from './signing-key-cache';
import { IncomingSignedRequest, SigV4Verifier } from './sigv4-verifier';
import { kmsRequest, presign, SIGNED_AT, signWithHeader, toIncoming } from './testing/sdk-signed-request';

const MINUTE = 60_000;
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const ALICE = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  accountId: '111122223333',
  principalArn: 'arn:aws:iam::111122223333:user/alice',
};
const identities = IdentityStore.fromConfig({
  identities: [ALICE, { accessKeyId: 'test', secretAccessKey: 'test', accountId: '000000000000', principalArn: 'arn:aws:iam::000000000000:root' }],
});

function failure(run: () => unknown): KmsError {
  try {
    run();
  } catch (e) {
    if (e instanceof KmsError) return e;
    throw e;
  }
  throw new Error('expected a KmsError');
}

function withHeaders(req: IncomingSignedRequest, change: (h: Record<string, string | string[] | undefined>) => void): IncomingSignedRequest {
  const headers = { ...req.headers };
  change(headers);
  return { ...req, headers };
}

function withAuthorization(req: IncomingSignedRequest, edit: (authorization: string) => string): IncomingSignedRequest {
  return withHeaders(req, (h) => (h.authorization = edit(h.authorization as string)));
}

function replaceCharAt(text: string, i: number): string {
  return `${text.slice(0, i)}${text[i] === 'x' ? 'y' : 'x'}${text.slice(i + 1)}`;
}

describe(SigV4Verifier.name, () => {
  let now: number;
  let sut: SigV4Verifier;

  beforeEach(() => {
    now = SIGNED_AT + 3_000;
    sut = new SigV4Verifier(identities, () => now);
  });

  describe('requests the AWS SDK signs', () => {
    it('should accept a header-signed KMS request and name the caller', async () => {
      const req = await signWithHeader(kmsRequest(), { credentials: ALICE, region: 'eu-west-1' });

      const caller = sut.verify(req);

      expect(caller).toEqual({ identity: expect.objectContaining({ accountId: '111122223333', principalArn: ALICE.principalArn }), region: 'eu-west-1', service: 'kms', requestDate: '20250514T120000Z' });
    });

    it('should accept a request without x-amz-content-sha256, as botocore sends', async () => {
      const req = await signWithHeader(kmsRequest(), { applyChecksum: false, region: 'us-gov-west-1' });
      expect(req.headers['x-amz-content-sha256']).toBeUndefined();

      expect(sut.verify(req)).toMatchObject({ region: 'us-gov-west-1', identity: { accountId: '000000000000' } });
    });

    it('should accept exactly what @aws-sdk/client-kms puts on the wire', async () => {
      let sent: HttpRequest | undefined;
      const client = new KMSClient({
        region: 'ap-southeast-2',
        endpoint: 'http://127.0.0.1:4567',
        credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey },
        maxAttempts: 1,
        requestHandler: {
          handle: async (request: HttpRequest) => {
            sent = request;
            throw new Error('captured');
          },
        },
      });
      await expect(client.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: Buffer.from('hello') }))).rejects.toThrow('captured');
      const req = toIncoming(sent as HttpRequest);
      now = Date.parse(`${(req.headers['x-amz-date'] as string).replace(/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/, '$1-$2-$3T$4:$5:$6Z')}`);

      expect(req.headers['x-amz-target']).toBe('TrentService.Encrypt');
      expect(sut.verify(req)).toMatchObject({ region: 'ap-southeast-2', identity: { principalArn: ALICE.principalArn } });
    });

    it('should accept a request with a path and query, signed twice-encoded as non-S3 services sign', async () => {
      const req = await signWithHeader(kmsRequest({ path: '/a%20b/./c/', query: { z: '1', 'a b': 'x/y', a: ['2', '1'] } }));

      expect(req.url).toBe('/a%20b/./c/?z=1&a%20b=x%2Fy&a=2&a=1');
      expect(() => sut.verify(req)).not.toThrow();
    });

    it('should ignore headers that were not signed', async () => {
      const req = await signWithHeader(kmsRequest());
      expect(() => sut.verify(withHeaders(req, (h) => (h['x-forwarded-for'] = '10.0.0.1')))).not.toThrow();
    });
  });

  describe('header values', () => {
    it('should sign runs of whitespace as one space and ignore it at either end', async () => {
      const req = await signWithHeader(kmsRequest({ headers: { 'x-trent-note': 'a b c' } }));

      expect(() => sut.verify(withHeaders(req, (h) => (h['x-trent-note'] = '  a    b \t c  ')))).not.toThrow();
      expect(failure(() => sut.verify(withHeaders(req, (h) => (h['x-trent-note'] = 'ab c'))))).toMatchObject({ code: 'InvalidSignatureException' });
    });

    it("should join a header sent several times with ','", async () => {
      const req = await signWithHeader(kmsRequest({ headers: { 'x-trent-multi': 'one,two  words' } }));

      expect(() => sut.verify(withHeaders(req, (h) => (h['x-trent-multi'] = [' one ', 'two   words'])))).not.toThrow();
      expect(failure(() => sut.verify(withHeaders(req, (h) => (h['x-trent-multi'] = ['two words', 'one']))))).toMatchObject({ code: 'InvalidSignatureException' });
    });
  });

  describe('tampering', () => {
    it('should reject a change to any byte of any signed header', async () => {
      const req = await signWithHeader(kmsRequest());
      const signedHeaders = /SignedHeaders=([^,]+)/.exec(req.headers.authorization as string)?.[1].split(';') ?? [];
      expect(signedHeaders).toEqual(['amz-sdk-invocation-id', 'amz-sdk-request', 'content-length', 'content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-target', 'x-amz-user-agent']);

      for (const name of signedHeaders) {
        const value = req.headers[name] as string;
        // x-amz-date keeps its other digits, else the date stops being a date or leaves the window.
        const positions = name === 'x-amz-date' ? [13, 14] : Array.from(value, (_, i) => i);
        for (const i of positions) {
          const tampered = withHeaders(req, (h) => (h[name] = name === 'x-amz-date' ? `${value.slice(0, i)}${value[i] === '1' ? '2' : '1'}${value.slice(i + 1)}` : replaceCharAt(value, i)));
          expect({ name, i, code: failure(() => sut.verify(tampered)).code }).toEqual({ name, i, code: 'InvalidSignatureException' });
        }
      }
    });

    it('should reject a change to any byte of the body', async () => {
      for (const applyChecksum of [true, false]) {
        const req = await signWithHeader(kmsRequest({ body: '{"KeyId":"k","Plaintext":"AA=="}' }), { applyChecksum });
        for (let i = 0; i < req.body.length; i++) {
          const body = Buffer.from(req.body);
          body[i] ^= 0x01;
          const error = failure(() => sut.verify({ ...req, body }));
          expect(error.code).toBe('InvalidSignatureException');
          expect(error.message).toBe(applyChecksum ? "The provided 'x-amz-content-sha256' header does not match what was computed." : SIGNATURE_MISMATCH);
        }
      }
    });

    it('should reject a changed method, path or query, a dropped header and a wrong secret', async () => {
      const req = await signWithHeader(kmsRequest());
      const wrongSecret = await signWithHeader(kmsRequest(), { credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'not-the-secret' } });

      for (const tampered of [
        { ...req, method: 'PUT' },
        { ...req, url: '/x' },
        { ...req, url: '/?Action=Encrypt' },
        withHeaders(req, (h) => delete h['x-amz-target']),
        withAuthorization(req, (a) => a.replace(/Signature=([0-9a-f])/, (_, c: string) => `Signature=${c === 'a' ? 'b' : 'a'}`)),
        withAuthorization(req, (a) => a.slice(0, -1)),
        wrongSecret,
      ]) {
        expect(failure(() => sut.verify(tampered))).toMatchObject({ code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH });
      }
    });
  });

  describe('access keys', () => {
    it('should answer UnrecognizedClientException for an access key nobody has', async () => {
      const req = await signWithHeader(kmsRequest(), { credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' } });

      expect(failure(() => sut.verify(req))).toMatchObject({ code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    });
  });

  describe('clock skew', () => {
    it('should accept a request exactly 15 minutes old and reject one a millisecond older', async () => {
      const req = await signWithHeader(kmsRequest());

      now = SIGNED_AT + 15 * MINUTE;
      expect(() => sut.verify(req)).not.toThrow();

      now = SIGNED_AT + 15 * MINUTE + 1;
      expect(failure(() => sut.verify(req))).toMatchObject({
        code: 'InvalidSignatureException',
        message: 'Signature expired: 20250514T120000Z is now earlier than 20250514T120000Z (20250514T121500Z - 15 min.)',
      });

      now = SIGNED_AT + 16 * MINUTE;
      expect(failure(() => sut.verify(req)).message).toBe('Signature expired: 20250514T120000Z is now earlier than 20250514T120100Z (20250514T121600Z - 15 min.)');
    });

    it('should accept a request exactly 15 minutes ahead and reject one a millisecond further', async () => {
      const req = await signWithHeader(kmsRequest());

      now = SIGNED_AT - 15 * MINUTE;
      expect(() => sut.verify(req)).not.toThrow();

      now = SIGNED_AT - 15 * MINUTE - 1;
      expect(failure(() => sut.verify(req))).toMatchObject({
        code: 'InvalidSignatureException',
        message: 'Signature not yet current: 20250514T120000Z is still later than 20250514T115959Z (20250514T114459Z + 15 min.)',
      });
    });

    it('should use the window it is given, as KMS itself answers with 5 minutes', async () => {
      sut = new SigV4Verifier(identities, () => now, { maxSkewMs: 5 * MINUTE });
      const req = await signWithHeader(kmsRequest());
      now = SIGNED_AT + 6 * MINUTE;

      expect(failure(() => sut.verify(req)).message).toBe('Signature expired: 20250514T120000Z is now earlier than 20250514T120100Z (20250514T120600Z - 5 min.)');
    });

    it('should check the date format before the clock', async () => {
      const req = await signWithHeader(kmsRequest());

      expect(failure(() => sut.verify(withHeaders(req, (h) => (h['x-amz-date'] = '2025-05-14T12:00:00Z'))))).toMatchObject({
        code: 'IncompleteSignatureException',
        message: "Date must be in ISO-8601 'basic format'. Got '2025-05-14T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
      });
      expect(failure(() => sut.verify(withHeaders(req, (h) => (h['x-amz-date'] = '20250231T120000Z')))).code).toBe('IncompleteSignatureException');
    });
  });

  describe('missing and malformed pieces', () => {
    it('should answer MissingAuthenticationTokenException without any signature', async () => {
      const req = await signWithHeader(kmsRequest());

      for (const unsigned of [withHeaders(req, (h) => delete h.authorization), withHeaders(req, (h) => (h.authorization = 'Bearer abc'))]) {
        expect(failure(() => sut.verify(unsigned))).toMatchObject({ code: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
      }
    });

    it('should list every missing Authorization parameter and quote the header only as its hash', async () => {
      const req = withHeaders(await signWithHeader(kmsRequest()), (h) => {
        h.authorization = 'AWS4-HMAC-SHA256 SignedHeaders=host';
        delete h['x-amz-date'];
      });
      const hash = createHash('sha256').update('AWS4-HMAC-SHA256 SignedHeaders=host').digest('base64');

      expect(failure(() => sut.verify(req))).toMatchObject({
        code: 'IncompleteSignatureException',
        message:
          "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
          `(Hashed with SHA-256 and encoded with Base64) Authorization=${hash}`,
      });
    });

    it('should reject an Authorization component without an equal sign', async () => {
      const req = withAuthorization(await signWithHeader(kmsRequest()), (a) => `${a}, Extra`);

      expect(failure(() => sut.verify(req))).toMatchObject({ code: 'IncompleteSignatureException', message: expect.stringMatching(/^Invalid key=value pair \(missing equal-sign\) in Authorization header \(hashed with SHA-256 and encoded with Base64\): '[A-Za-z0-9+/]{43}='\.$/) });
    });

    it('should accept components separated by commas alone', async () => {
      const req = withAuthorization(await signWithHeader(kmsRequest()), (a) => a.replace(/, /g, ','));
      expect(() => sut.verify(req)).not.toThrow();
    });

    it('should take the Date header when x-amz-date is absent', async () => {
      const req = await signWithHeader(kmsRequest());
      const renamed = withHeaders(req, (h) => {
        h.date = h['x-amz-date'];
        delete h['x-amz-date'];
      });
      // Renaming the header changes what was signed, so only the signature check may object.
      expect(failure(() => sut.verify(renamed)).message).toBe(SIGNATURE_MISMATCH);
    });

    it('should insist that host is signed', async () => {
      const unsignedHost = kmsRequest();
      delete unsignedHost.headers.host;
      const req = withHeaders(await signWithHeader(unsignedHost), (h) => (h.host = 'localhost:4567'));

      expect(failure(() => sut.verify(req))).toMatchObject({ code: 'InvalidSignatureException', message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." });
    });

    it('should reject any algorithm but AWS4-HMAC-SHA256', async () => {
      const req = withAuthorization(await signWithHeader(kmsRequest()), (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512'));

      expect(failure(() => sut.verify(req))).toMatchObject({ code: 'IncompleteSignatureException', message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). " });
    });

    it('should reject a credential that is not five parts', async () => {
      const req = withAuthorization(await signWithHeader(kmsRequest()), (a) => a.replace('/aws4_request', ''));

      expect(failure(() => sut.verify(req))).toMatchObject({
        code: 'IncompleteSignatureException',
        message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'test/20250514/eu-west-1/kms'",
      });
    });
  });

  describe('credential scope', () => {
    it('should insist on the kms service', async () => {
      const req = await signWithHeader(kmsRequest(), { service: 'dynamodb' });

      expect(failure(() => sut.verify(req))).toMatchObject({ code: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'kms'. " });
    });

    it('should insist on a Region-shaped region', async () => {
      const req = await signWithHeader(kmsRequest(), { region: 'moon' });

      expect(failure(() => sut.verify(req))).toMatchObject({ code: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'moon'. " });
    });

    it('should name every scope fault at once, in AWS order', async () => {
      const req = withAuthorization(await signWithHeader(kmsRequest()), (a) => a.replace('test/20250514/eu-west-1/kms/aws4_request', 'test/20250513/Moon/sqs/aws5_request'));

      expect(failure(() => sut.verify(req))).toMatchObject({
        code: 'InvalidSignatureException',
        message:
          "Credential should be scoped to a valid region, not 'Moon'. " +
          "Credential should be scoped to correct service: 'kms'. " +
          "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
          "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20250513' != '20250514', from '20250514T120000Z'. ",
      });
    });

    it('should check the scope before the access key, as AWS does', async () => {
      const req = await signWithHeader(kmsRequest(), { service: 'sqs', credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' } });
      expect(failure(() => sut.verify(req)).code).toBe('InvalidSignatureException');
    });
  });

  describe('presigned query strings', () => {
    it('should accept a query-signed request whose payload is UNSIGNED-PAYLOAD', async () => {
      const req = await presign(kmsRequest(), { payload: 'unsigned', region: 'us-east-2' });

      expect(req.headers.authorization).toBeUndefined();
      expect(req.url).toContain('X-Amz-Signature=');
      expect(sut.verify(req)).toMatchObject({ region: 'us-east-2', requestDate: '20250514T120000Z' });
    });

    it("should accept the SDK presigner's form, which signs the body's hash", async () => {
      const req = await presign(kmsRequest(), { payload: 'body' });

      expect(() => sut.verify(req)).not.toThrow();
      const body = Buffer.from(req.body);
      body[0] ^= 1;
      expect(failure(() => sut.verify({ ...req, body })).message).toBe(SIGNATURE_MISMATCH);
    });

    it('should hold a declared x-amz-content-sha256 to the body', async () => {
      const request = kmsRequest({ headers: { 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } });
      const req = await presign(request, { payload: 'body' });

      expect(failure(() => sut.verify(req))).toMatchObject({ code: 'InvalidSignatureException', message: "The provided 'x-amz-content-sha256' header does not match what was computed." });
    });

    it('should honour an X-Amz-Expires shorter than the skew window', async () => {
      const req = await presign(kmsRequest(), { payload: 'unsigned', expiresIn: 60 });

      now = SIGNED_AT + 60_000;
      expect(() => sut.verify(req)).not.toThrow();
      now = SIGNED_AT + 61_000;
      expect(failure(() => sut.verify(req)).message).toBe('Signature expired: 20250514T120000Z is now earlier than 20250514T120001Z (20250514T120101Z - 1 min.)');
    });

    it('should list every missing query parameter', () => {
      const req: IncomingSignedRequest = { method: 'POST', url: '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20250514T120000Z', headers: { host: 'localhost' }, body: Buffer.alloc(0) };

      expect(failure(() => sut.verify(req))).toMatchObject({
        code: 'IncompleteSignatureException',
        message:
          "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
          "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
      });
    });

    it('should refuse a request signed both ways', async () => {
      const presigned = await presign(kmsRequest(), { payload: 'unsigned' });
      const headerSigned = await signWithHeader(kmsRequest());
      const both = { ...presigned, headers: { ...presigned.headers, authorization: headerSigned.headers.authorization } };

      expect(failure(() => sut.verify(both))).toMatchObject({
        code: 'InvalidSignatureException',
        message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
      });
    });
  });

  describe('secrets', () => {
    it('should never put the secret, the signature or the Authorization header into a message', async () => {
      const req = await signWithHeader(kmsRequest(), { credentials: ALICE });
      const authorization = req.headers.authorization as string;
      const signature = /Signature=(\w+)/.exec(authorization)?.[1] as string;
      const cases: IncomingSignedRequest[] = [
        withAuthorization(req, (a) => a.replace('Credential=', 'Cred=')),
        withAuthorization(req, (a) => `${a} junk`),
        withAuthorization(req, (a) => a.replace('/aws4_request', '')),
        withAuthorization(req, (a) => a.replace('/kms/', '/s3/')),
        withHeaders(req, (h) => (h['x-amz-target'] = 'TrentService.Decrypt')),
        { ...req, body: Buffer.from('{}') },
      ];

      for (const c of cases) {
        const message = failure(() => sut.verify(c)).message;
        for (const secret of [ALICE.secretAccessKey, signature, authorization]) expect(message).not.toContain(secret);
      }
    });
  });

  describe('signing keys', () => {
    it('should derive one key per day, Region and caller, and keep no more than it may', async () => {
      const signingKeys = new SigningKeyCache(2);
      sut = new SigV4Verifier(identities, () => now, { signingKeys });
      const days = [0, 1, 2, 3, 4].map((d) => SIGNED_AT + d * 24 * 60 * MINUTE);

      for (const day of days) {
        const req = await signWithHeader(kmsRequest(), { signedAt: day });
        now = day;
        sut.verify(req);
        sut.verify(req);
        expect(signingKeys.size).toBeLessThanOrEqual(2);
      }
      expect(signingKeys.size).toBe(2);
    });
  });
});
