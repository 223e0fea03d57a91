import { regionOfRequest } from './credential-scope';

describe(regionOfRequest.name, () => {
  const header = (credential: string) => ({
    authorization: `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host;x-amz-date, Signature=0f`,
  });

  it('should read the Region from the Authorization credential scope', () => {
    expect(regionOfRequest(header('AKIDEXAMPLE/20250101/eu-west-1/kms/aws4_request'), '/')).toBe('eu-west-1');
  });

  it('should read the Region of a presigned URL', () => {
    const credential = encodeURIComponent('test/20250101/ap-southeast-2/kms/aws4_request');
    expect(regionOfRequest({}, `/?Action=x&X-Amz-Credential=${credential}&X-Amz-Signature=0f`)).toBe('ap-southeast-2');
  });

  it('should prefer the header over the query', () => {
    const credential = encodeURIComponent('test/20250101/us-west-2/kms/aws4_request');
    expect(regionOfRequest(header('test/20250101/us-east-1/kms/aws4_request'), `/?X-Amz-Credential=${credential}`)).toBe('us-east-1');
  });

  it.each([
    [{}, '/'],
    [{ authorization: 'Bearer abc' }, '/'],
    [header('test/2025-01-01/us-east-1/kms/aws4_request'), '/'],
    [{}, '/?X-Amz-Credential=%E0%A4%A'],
    [{}, '/?X-Amz-Credential=test%2F20250101'],
  ])('should find no Region in %j %s', (headers, url) => {
    expect(regionOfRequest(headers, url)).toBeUndefined();
  });
});
