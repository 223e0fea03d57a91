import { buildCanonicalRequest, canonicalHeaderValue, canonicalQueryString, canonicalUri, parseQuery, sha256Hex, uriEncode } from './canonical-request';
import { IdentityStore } from './identity';
import { SigV4Verifier } from './sigv4-verifier';

describe(buildCanonicalRequest.name, () => {
  // The worked example of the AWS General Reference ("Create a canonical request for Signature
  // Version 4" and "Calculate the signature"): IAM ListUsers, 2015-08-30.
  const example = {
    method: 'GET',
    url: '/?Action=ListUsers&Version=2010-05-08',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      host: 'iam.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    },
    body: Buffer.alloc(0),
  };

  it('should build the canonical request of the AWS documentation example', () => {
    const sut = buildCanonicalRequest({
      method: 'GET',
      path: '/',
      query: parseQuery('Action=ListUsers&Version=2010-05-08'),
      headers: example.headers,
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
      payloadHash: sha256Hex(''),
      omitSignatureParam: false,
    });

    expect(sut).toBe(
      'GET\n/\nAction=ListUsers&Version=2010-05-08\n' +
        'content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n' +
        'content-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(sha256Hex(sut)).toBe('f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
  });

  it("should accept the example's signature end to end", () => {
    const identities = IdentityStore.fromConfig([
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', accountId: '123456789012', principalArn: 'arn:aws:iam::123456789012:user/example' },
    ]);
    const verifier = new SigV4Verifier(identities, () => Date.UTC(2015, 7, 30, 12, 36), { service: 'iam' });

    expect(verifier.verify(example)).toMatchObject({ region: 'us-east-1', service: 'iam' });
  });
});

describe(canonicalUri.name, () => {
  it.each([
    ['', '/'],
    ['/', '/'],
    ['/documents and settings/', '/documents%20and%20settings/'],
    ['/a%20b', '/a%2520b'],
    ['//a/./b/../c', '/a/c'],
    ['/a/b/', '/a/b/'],
    ['/..', '/'],
    ['/ü*', '/%C3%BC%2A'],
  ])('should sign %j as %j', (raw, canonical) => {
    expect(canonicalUri(raw)).toBe(canonical);
  });
});

describe(canonicalQueryString.name, () => {
  it('should sort by name then value and encode both', () => {
    const query = parseQuery('b=2&a=z&a=y&c%20d=e+f&flag&=x&&X-Amz-Signature=abc');
    expect(canonicalQueryString(query, false)).toBe('=x&X-Amz-Signature=abc&a=y&a=z&b=2&c%20d=e%2Bf&flag=');
    expect(canonicalQueryString(query, true)).toBe('=x&a=y&a=z&b=2&c%20d=e%2Bf&flag=');
  });

  it('should keep a malformed escape as it came', () => {
    expect(parseQuery('a=%zz')).toEqual([['a', '%zz']]);
  });
});

describe(canonicalHeaderValue.name, () => {
  it('should trim, collapse whitespace and join repeats with commas', () => {
    expect(canonicalHeaderValue('  a \t b  ')).toBe('a b');
    expect(canonicalHeaderValue([' a ', 'b  c'])).toBe('a,b c');
    expect(canonicalHeaderValue(undefined)).toBe('');
  });
});

describe(uriEncode.name, () => {
  it('should leave only the RFC 3986 unreserved characters alone', () => {
    expect(uriEncode("AZaz09-_.~ !*'()/+=&%")).toBe('AZaz09-_.~%20%21%2A%27%28%29%2F%2B%3D%26%25');
  });
});
